// Reading a vendor body as JSON, the same way in every vendor module: UTF-8, a leading byte order
// mark ignored (some senders write one), the parser's own message kept for the sender.

/** The body's text without a leading byte order mark. */
export function bodyText(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export type JsonBodyParse = { ok: true; value: unknown } | { ok: false; error: string };

/** The parsed body, or `body is not valid JSON: <the parser's message>`. Never throws. */
export function parseJsonBody(body: Buffer): JsonBodyParse {
  try {
    return { ok: true, value: JSON.parse(bodyText(body)) as unknown };
  } catch (e) {
    return { ok: false, error: `body is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** The parsed body; throws `<vendor> body is not valid JSON: …` (a whole envelope the normalizer refuses). */
export function parseJsonBodyOrThrow(body: Buffer, vendor: string): unknown {
  const parsed = parseJsonBody(body);
  if (!parsed.ok) throw new Error(`${vendor} ${parsed.error}`);
  return parsed.value;
}
