// Read-only HTTP API (first endpoint: recent events). Bearer-token protected with a constant-time
// compare; the query surfaces issue extends it with findings, lag, people and credentials.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from 'pino';
import { sendError, sendJson } from '../../core/http/respond.ts';
import { RecentEventsQuery, recentEvents } from '../../core/queries/events.ts';
import { formatPath } from '../../core/config/errors.ts';

export interface ApiDeps {
  clickhouse: ClickHouseClient;
  token: string;
  log: Logger;
}

export function createApiHandler(deps: ApiDeps) {
  const expected = digest(deps.token);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const auth = req.headers.authorization ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!presented || !timingSafeEqual(digest(presented), expected)) {
      return sendError(res, 401, 'unauthorized', 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
    }
    if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'the API is read-only', { allow: 'GET' });
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname === '/api/v1/events') {
      const q = RecentEventsQuery.safeParse(Object.fromEntries(url.searchParams));
      if (!q.success) {
        return sendError(res, 400, 'bad_request', q.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; '));
      }
      void recentEvents(deps.clickhouse, q.data).then(
        (rows) => sendJson(res, 200, { data: rows }),
        (err: unknown) => {
          deps.log.error({ err }, 'events query failed');
          sendError(res, 503, 'store_unavailable', 'the event store did not answer');
        },
      );
      return;
    }
    sendError(res, 404, 'not_found', `no such endpoint: ${url.pathname}`);
  };
}

// Hashing both sides first makes the compare constant-time regardless of the presented length.
function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
