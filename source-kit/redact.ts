// The one redaction policy for every vendor's raw envelope (issue #18: WorkOS bodies were stored
// verbatim, with custom_attributes.password and raw_attributes.api_token, because only some
// vendors had a redactor, each with its own list). Applied before anything is produced: by the
// collector to every webhook body (after the signature was checked over the original bytes), by
// the poll runner to every page and malformed-page dead letter, by the SCIM service to every
// request. What is removed, at any depth, whatever the vendor:
//  - a member whose name looks secret (compared without case, separators or a `urn:…:` prefix):
//    it ends in password, passwd, passphrase, secret, token, credential, jti, apikey, privatekey,
//    keyhint, secretaccesskey, secretstring or secretbinary (optionally plural). Removed when its
//    value is a string, number, boolean, null or array. An OBJECT under a secret-looking name is
//    kept and walked instead, so its secret members go and the ids beside them stay as evidence
//    (OpenAI's `api_key: {id, type, user}` describes a key; CloudTrail's `credentials` keeps its
//    accessKeyId and loses its sessionToken; Auth0's `credentials` loses its jti);
//  - the `value` of an object whose `path` names a secret attribute (a SCIM PATCH
//    `{"op":"replace","path":"password","value":"…"}` keeps op and path).
// Names such as tokenType, requestApiTokenId, token_endpoint_auth_method or passwordless_amr are
// kept: they do not END in a secret word.
//
// One explicit allowance (issue #22), by vendor and field: what a vendor itself displays of a key
// in its console is not the key. Anthropic's API key object has `partial_key_hint`, documented as
// "Partially redacted hint for the API key", e.g. "sk-ant-api03-R2D...igAA" (16 characters, "...",
// 4). It is kept only for vendor `anthropic`, only as a member of an object whose `type` is
// "api_key", and only when its value has that displayed shape (KEY_HINT_SHAPE): a whole key in
// that member, the member anywhere else, or any other vendor's is removed as before. Secret
// scanning matches exposed keys against it (sources/github/fingerprint.ts).
//
// Pure and deterministic. When nothing is removed the ORIGINAL bytes are returned (byte-exact
// evidence). JSON is re-serialized compactly without the members; JSON lines line by line; text
// that is not JSON (a malformed page kept as a dead letter) gets every `"<secret name>": "…"`
// string blanked in place. The collector refuses bodies nested deeper than MAX_JSON_DEPTH before
// any of this runs, so the recursion is bounded.
import { bodyText } from './json-body.ts';

/** Decides, for one member `key` of the object `parent`, whether the member is removed. */
export type SecretMember = (key: string, parent: Record<string, unknown>) => boolean;

const SECRET_WORD =
  /(?:password|passwd|passphrase|secret|token|credential|jti|apikey|privatekey|keyhint|secretaccesskey|secretstring|secretbinary)s?$/;

function normalizedName(name: string): string {
  return (name.split(':').pop() ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

// Every member name of every body is tested, and bodies repeat the same few dozen names: the
// answers are remembered. Names come from senders, so the memo is bounded in entries and length.
const SECRET_KEY_MEMO_ENTRIES = 4096;
const SECRET_KEY_MEMO_NAME_LENGTH = 64;
const secretKeyMemo = new Map<string, boolean>();

/** Does this member name look like it holds a secret? */
export function isSecretKey(name: string): boolean {
  const known = secretKeyMemo.get(name);
  if (known !== undefined) return known;
  const secret = SECRET_WORD.test(normalizedName(name));
  if (name.length <= SECRET_KEY_MEMO_NAME_LENGTH && secretKeyMemo.size < SECRET_KEY_MEMO_ENTRIES) secretKeyMemo.set(name, secret);
  return secret;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The policy for one member (see the header). */
export const isSecretMember: SecretMember = (key, parent) => {
  if (key.length === 5 && key.toLowerCase() === 'value' && typeof parent.path === 'string' && isSecretKey(parent.path)) return true;
  return isSecretKey(key) && !isPlainObject(parent[key]);
};

/**
 * A key as its vendor displays it: at most 16 characters, an ellipsis of three dots, at most 4
 * (Anthropic's documented example "sk-ant-api03-R2D...igAA"). Nothing longer passes, so a whole
 * key never does.
 */
export const KEY_HINT_SHAPE = /^[A-Za-z0-9_-]{1,16}\.{3}[A-Za-z0-9_-]{1,4}$/;

/** Is `value` a key hint in the displayed shape (KEY_HINT_SHAPE)? */
export function isDisplayedKeyHint(value: unknown): value is string {
  return typeof value === 'string' && KEY_HINT_SHAPE.test(value);
}

/** Members kept although their name looks secret, per vendor (see the header): the only allowances. */
const KEPT_BY_VENDOR: Readonly<Record<string, (key: string, parent: Record<string, unknown>) => boolean>> = {
  anthropic: (key, parent) => key === 'partial_key_hint' && parent.type === 'api_key' && isDisplayedKeyHint(parent[key]),
};

/** The policy for one vendor's bodies: the shared one, minus that vendor's allowances (if any). */
export function secretMemberPolicy(vendor?: string): SecretMember {
  const kept = vendor === undefined ? undefined : KEPT_BY_VENDOR[vendor];
  return kept ? (key, parent) => !kept(key, parent) && isSecretMember(key, parent) : isSecretMember;
}

/** Whether `input` holds, at any depth, a member `isSecret` names (the test stripMembers applies, without copying). */
function hasMember(input: unknown, isSecret: SecretMember): boolean {
  if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) if (hasMember(input[i], isSecret)) return true;
    return false;
  }
  if (input === null || typeof input !== 'object') return false;
  const obj = input as Record<string, unknown>;
  const keys = Object.keys(obj);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (isSecret(k, obj) || hasMember(obj[k], isSecret)) return true;
  }
  return false;
}

/** A copy of `input` without the members `isSecret` names, at any depth; `stripped` says whether any was. */
export function stripMembers(input: unknown, isSecret: SecretMember): { value: unknown; stripped: boolean } {
  let stripped = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const obj = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(obj)) {
      if (isSecret(k, obj)) {
        stripped = true;
        continue;
      }
      out[k] = walk(val);
    }
    return out;
  };
  const value = walk(input);
  return { value, stripped };
}

/** `input` without its secret members (the policy above; `vendor` names whose allowances apply). */
export function stripSecrets(input: unknown, vendor?: string): { value: unknown; stripped: boolean } {
  return stripMembers(input, secretMemberPolicy(vendor));
}

const QUOTED_MEMBER = /"((?:[^"\\]|\\.)*)"(\s*:\s*)"(?:[^"\\]|\\.)*("?)/g;

/** Text that is not JSON: every `"<secret name>": "…"` string member blanked in place (best effort). */
function blankSecretStrings(text: string): string {
  return text.replace(QUOTED_MEMBER, (whole, name: string, colon: string, close: string) =>
    isSecretKey(name) ? `"${name}"${colon}"[redacted]${close}` : whole,
  );
}

/** The text without its secret members and, when it had none, its parsed value; null when it is not JSON. */
function redactJsonText(text: string, vendor: string | undefined): { text: string; unchanged?: { value: unknown } } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    return null;
  }
  // Most bodies hold no secret: they are checked without building a copy, and kept as they are.
  const policy = secretMemberPolicy(vendor);
  if (!hasMember(parsed, policy)) return { text, unchanged: { value: parsed } };
  return { text: JSON.stringify(stripMembers(parsed, policy).value) };
}

export interface RedactedBody {
  body: Buffer;
  /**
   * `parseJsonBody(body)`'s value, when the body is one JSON document and nothing was removed (the
   * original bytes): the collector's body check reuses it instead of parsing the body again.
   */
  parsed?: { ok: true; value: unknown };
}

/**
 * The body as it may be stored and produced: see the header. `vendor` (the connection's) selects
 * that vendor's allowances; text that is not JSON gets none.
 */
export function redactSecrets(raw: Buffer, vendor?: string): Buffer {
  return redactSecretsParsed(raw, vendor).body;
}

/** redactSecrets, also handing back the body's parsed JSON when it was left as it was (see RedactedBody). */
export function redactSecretsParsed(raw: Buffer, vendor?: string): RedactedBody {
  const text = bodyText(raw);
  const whole = redactJsonText(text, vendor);
  if (whole !== null) {
    return whole.unchanged ? { body: raw, parsed: { ok: true, value: whole.unchanged.value } } : { body: Buffer.from(whole.text, 'utf8') };
  }
  return { body: redactLines(raw, text, vendor) };
}

function redactLines(raw: Buffer, text: string, vendor: string | undefined): Buffer {
  const lines = text
    .split(/\r?\n/)
    .map((line) => (line.trim() === '' ? line : (redactJsonText(line, vendor)?.text ?? blankSecretStrings(line))));
  const out = lines.join('\n');
  return out === text.split(/\r?\n/).join('\n') ? raw : Buffer.from(out, 'utf8');
}
