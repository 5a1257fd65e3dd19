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

const SECRET_KEY = /^(?:.*:)?(?:credentials|password|secret|token|jti)$|_(?:secret|token|jti)$/i;

export function isSecretKey(name: string): boolean {
  return SECRET_KEY.test(name.trim());
}

export function stripSecrets(input: unknown): { value: unknown; stripped: boolean } {
  let stripped = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const obj = v as Record<string, unknown>;
    const pathIsPassword = typeof obj.path === 'string' && /^(?:.*:)?password$/i.test(obj.path.trim());
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(obj)) {
      if (isSecretKey(k) || (pathIsPassword && k.toLowerCase() === 'value')) {
        stripped = true;
        continue;
      }
      out[k] = walk(val);
    }
    return out;
  };
  return { value: walk(input), stripped };
}

export function redactAuth0Body(raw: Buffer): Buffer {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
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
