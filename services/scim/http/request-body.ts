// Reads and parses a SCIM request body: size limit (413), nesting limit, JSON syntax, well-formed
// Unicode, then the password and every other secret stripped (source-kit/redact.ts,
// sources/scim/password.ts) before anything else sees it. Request bodies are never logged.
import type { IncomingMessage } from 'node:http';
import { BodyTooLargeError, MAX_JSON_DEPTH, jsonDepthExceeds, readBody } from '../../../core/http/body.ts';
import { stripSecrets } from '../../../source-kit/redact.ts';
import { suppliesPassword } from '../../../sources/scim/index.ts';
import { invalidSyntax, invalidValue, ScimError } from '../errors.ts';

export interface JsonBody {
  value: unknown;
  passwordSupplied: boolean;
}

async function readRaw(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer> {
  try {
    return await readBody(req, maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError)
      throw new ScimError(413, null, `request body exceeds ${maxBodyBytes} bytes`, { connection: 'close' });
    throw err;
  }
}

function parseJson(raw: Buffer): unknown {
  // Fault-suite fix: pathological nesting overflowed the recursive password stripping (500).
  if (jsonDepthExceeds(raw)) throw invalidSyntax(`body: nested deeper than ${MAX_JSON_DEPTH} levels`);
  let text = raw.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw invalidSyntax('body: expected a JSON object, got an empty body');
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the input (which may hold a password): never pass it on.
    throw invalidSyntax('body: not valid JSON');
  }
}

export async function readJson(req: IncomingMessage, maxBodyBytes: number): Promise<JsonBody> {
  const parsed = parseJson(await readRaw(req, maxBodyBytes));
  // Fault-suite fix (test/fuzz/scim.test.ts): JSON may escape a lone UTF-16 surrogate ("\ud800"),
  // which is not Unicode. Such a string reached the state write after the change event was
  // already published, ClickHouse refused it ("missing second part of surrogate pair") on every
  // retry, and the client got 503 forever while events and state disagreed. Refused here, first.
  const bad = illFormedString(parsed);
  if (bad !== null) throw invalidValue(`${bad}: not valid Unicode (a lone UTF-16 surrogate)`);
  // The one redaction policy (source-kit/redact.ts): passwords and every other secret go here.
  return { value: stripSecrets(parsed).value, passwordSupplied: suppliesPassword(parsed) };
}

/** Path of the first key or string that is not well-formed UTF-16 (a lone surrogate), or null. Depth is bounded by MAX_JSON_DEPTH. */
function illFormedString(v: unknown, where = 'body'): string | null {
  const ok = (t: string) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(t);
  if (typeof v === 'string') return ok(v) ? null : where;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = illFormedString(v[i], `${where}[${i}]`);
      if (r) return r;
    }
    return null;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (!ok(k)) return `${where} (a member name)`;
      const r = illFormedString(x, `${where}.${k.slice(0, 40)}`);
      if (r) return r;
    }
  }
  return null;
}
