// Okta LogEvents are not supposed to carry secrets, but captured credential events have been seen
// with the new client secret in debugContext.debugData (third-party reports on
// app.oauth2.credentials.lifecycle.create; unconfirmed in Okta's docs). WebhookHandler.redactBody
// removes such members right after the Authorization check, before the collector builds the raw
// envelope, so Kafka and ClickHouse never see them.
//
// What is removed, at any depth: members whose name ends in `password`, `secret`, `token`,
// `credentials` or `jti` (any case: clientSecret, client_secret, sessionToken, refresh_token, …).
// Names like requestApiTokenId or tokenType are kept (they do not end that way).
// Pure and deterministic; when nothing is removed the ORIGINAL bytes are returned.

const SECRET_KEY = /(?:password|secret|token|credentials|jti)$/i;

export function isOktaSecretKey(name: string): boolean {
  return SECRET_KEY.test(name.trim());
}

export function redactOktaBody(raw: Buffer): Buffer {
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return raw; // checkBody rejects it; it is never stored
  }
  let stripped = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (isOktaSecretKey(k)) {
        stripped = true;
        continue;
      }
      out[k] = walk(val);
    }
    return out;
  };
  const value = walk(parsed);
  return stripped ? Buffer.from(JSON.stringify(value), 'utf8') : raw;
}
