// Removing secret members from a vendor's JSON body before it becomes a raw envelope (the
// WebhookHandler.redactBody step, the SCIM service's request handling, a poller's page). WHICH
// members are secret is a vendor fact and stays in sources/<vendor>/redact.ts; this is the walk
// they all share.
//
// Pure and deterministic. When nothing is removed the ORIGINAL bytes are returned (byte-exact
// evidence); otherwise the body is re-serialized as compact JSON without them. The collector
// refuses bodies nested deeper than MAX_JSON_DEPTH before any of this runs, so the recursion is
// bounded.
import { bodyText } from './json-body.ts';

/** Decides, for one member `key` of the object `parent`, whether the member is removed. */
export type SecretMember = (key: string, parent: Record<string, unknown>) => boolean;

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

/**
 * A JSON body without the members `isSecret` names: the original buffer when there is none (or
 * when the body is not JSON: checkBody rejects it and it is never stored), else the stripped value
 * as compact JSON.
 */
export function redactJsonMembers(raw: Buffer, isSecret: SecretMember): Buffer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText(raw));
  } catch {
    return raw;
  }
  const { value, stripped } = stripMembers(parsed, isSecret);
  return stripped ? Buffer.from(JSON.stringify(value), 'utf8') : raw;
}
