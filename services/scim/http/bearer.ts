// Bearer-token authentication of SCIM requests: `Authorization: Bearer <token>`, the token being
// the value of the connection's secret_env. Compared as SHA-256 digests with timingSafeEqual, so
// the comparison takes the same time whatever the length presented.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Connection } from '../../../core/config/boundary-map.ts';
import { ScimError } from '../errors.ts';

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/** connection id → digest of its token; a connection without a token is warned about (every request to it is refused). */
export function tokenDigests(connections: Iterable<Connection>, secrets: ReadonlyMap<string, string>, log: Logger): Map<string, Buffer> {
  const tokens = new Map<string, Buffer>();
  for (const c of connections) {
    const token = secrets.get(c.id);
    if (token) tokens.set(c.id, digest(token));
    else log.warn({ connection: c.id }, 'SCIM connection has no bearer token (secret_env): every request to it will be refused');
  }
  return tokens;
}

/** Throws 503 when the connection has no token, 401 (with WWW-Authenticate) when the request lacks it or presents another. */
export function checkBearer(req: IncomingMessage, connection: Connection, expected: Buffer | undefined, log: Logger): void {
  if (!expected) throw new ScimError(503, null, `SCIM connection "${connection.id}" has no bearer token configured (secret_env)`);
  const auth = req.headers.authorization ?? '';
  const presented = /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : '';
  if (presented && timingSafeEqual(digest(presented), expected)) return;
  log.warn({ connection: connection.id, reason: presented ? 'wrong token' : 'no bearer token' }, 'scim request rejected');
  throw new ScimError(
    401,
    null,
    presented ? 'the bearer token is not valid for this SCIM connection' : 'authentication required: Authorization: Bearer <token>',
    { 'www-authenticate': 'Bearer realm="planewatch-scim"' },
  );
}
