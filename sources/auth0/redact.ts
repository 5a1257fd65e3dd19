// Auth0 logs carry secrets the stream forwards as they are: the Management API caller's token
// details (`details.request.auth.credentials`, with the token's `jti`), request bodies with
// passwords (signup, PATCH /api/v2/users, SCIM POST/PUT/PATCH), client secrets in responses
// (POST /api/v2/clients, rotate-secret) and token ids (`access_token_jti`). None may be stored, so
// WebhookHandler.redactBody removes them right after the Authorization check, before the
// collector builds the raw envelope: Kafka and ClickHouse never see them.
//
// What is removed, at any depth of every record: members named `credentials`, `password`
// (also schema-qualified `…:password`), `secret`, `token`, `jti`, or ending in `_secret`,
// `_token`, `_jti` (any case: client_secret, refresh_token, access_token_jti, …); and the `value`
// of a SCIM PATCH operation whose `path` is the password attribute.
// Pure and deterministic. When nothing is removed the ORIGINAL bytes are returned (byte-exact
// evidence); otherwise the records are re-serialized in the delivery's own content format
// (JSONARRAY / JSONOBJECT as compact JSON, JSONLINES line by line, lines that are not JSON kept).

import { bodyText } from '../../core/sources/json-body.ts';
import { stripMembers } from '../../core/sources/redact.ts';

const SECRET_KEY = /^(?:.*:)?(?:credentials|password|secret|token|jti)$|_(?:secret|token|jti)$/i;

export function isSecretKey(name: string): boolean {
  return SECRET_KEY.test(name.trim());
}

/** A SCIM PATCH operation whose `path` is the password attribute: its `value` is the password. */
function pathIsPassword(obj: Record<string, unknown>): boolean {
  return typeof obj.path === 'string' && /^(?:.*:)?password$/i.test(obj.path.trim());
}

export function stripSecrets(input: unknown): { value: unknown; stripped: boolean } {
  return stripMembers(input, (k, obj) => isSecretKey(k) || (k.toLowerCase() === 'value' && pathIsPassword(obj)));
}

export function redactAuth0Body(raw: Buffer): Buffer {
  const text = bodyText(raw);
  try {
    const { value, stripped } = stripSecrets(JSON.parse(text) as unknown);
    return stripped ? Buffer.from(JSON.stringify(value), 'utf8') : raw;
  } catch {
    // not one JSON value: JSONLINES (or not JSON at all, which checkBody then rejects)
  }
  let any = false;
  const lines = text.split(/\r?\n/).map((line) => {
    if (line.trim().length === 0) return line;
    try {
      const { value, stripped } = stripSecrets(JSON.parse(line) as unknown);
      if (!stripped) return line;
      any = true;
      return JSON.stringify(value);
    } catch {
      return line;
    }
  });
  return any ? Buffer.from(lines.join('\n'), 'utf8') : raw;
}
