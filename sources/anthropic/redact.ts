// An Anthropic API key's `partial_key_hint` (e.g. "sk-ant-api03-R2D...igAA") is key material, even
// if partial: it is never stored. The inventory walk (api.ts) passes every page through
// redactKeyHints BEFORE the page becomes a RawEnvelope (or a dead letter), so neither Kafka nor
// ClickHouse ever holds it; the mapping (map.ts) does not declare the field either.
//
// - A JSON body: every member named `partial_key_hint`, at any depth, is removed and the value is
//   re-serialized as compact JSON. When there is none, the ORIGINAL bytes are returned (byte-exact
//   evidence). Deterministic: the same page always gives the same bytes, so a page fetched again
//   keeps its envelope id and its events collapse downstream.
// - A body that is not JSON (a malformed page, kept as a dead letter): any `"partial_key_hint":"…"`
//   string member is blanked in place, best effort over the text.
import { stripMembers } from '../../core/sources/redact.ts';

const HINT = 'partial_key_hint';
const HINT_IN_TEXT = /("partial_key_hint"\s*:\s*)"(?:[^"\\]|\\.)*("?)/g;

export function redactKeyHints(raw: Buffer): Buffer {
  const text = raw.toString('utf8');
  if (!text.includes(HINT)) return raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return Buffer.from(text.replace(HINT_IN_TEXT, '$1"[redacted]$2'));
  }
  const { value, stripped } = stripMembers(parsed, (k) => k === HINT);
  return stripped ? Buffer.from(JSON.stringify(value)) : raw;
}
