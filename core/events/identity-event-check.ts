// A hand-written check of IdentityEventSchema for the normalizer's hot path: every mapped event is
// validated, and the zod parse of a valid one (nested objects, a record, per-field wrappers) was a
// visible share of the normalizer's CPU. This check accepts only what the schema certainly accepts
// and builds what the schema would return (known keys in schema order, nested objects and arrays
// copied, unknown keys dropped). Anything else gets null, and the caller asks the schema itself, so
// an invalid event is still rejected by zod, with zod's reasons. test/unit/core/identity-event-check.test.ts
// compares the two on every fixture event and on mutations of each field.
import {
  ACTIONS,
  CATEGORIES,
  PLANES,
  SUBJECT_KINDS,
  type Actor,
  type Credential,
  type IdentityEvent,
  type Subject,
} from './identity-event.ts';

const PLANE_SET: ReadonlySet<unknown> = new Set(PLANES);
const CATEGORY_SET: ReadonlySet<unknown> = new Set(CATEGORIES);
const ACTION_SET: ReadonlySet<unknown> = new Set(ACTIONS);
const SUBJECT_KIND_SET: ReadonlySet<unknown> = new Set(SUBJECT_KINDS);
const OUTCOME_SET: ReadonlySet<unknown> = new Set(['success', 'failure']);

type Fields = Record<string, unknown>;

/** A literal-made object (prototype Object.prototype); anything more unusual is left to the schema. */
function plainObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const textOrNull = (v: unknown): v is string | null => v === null || text(v);
const epochMs = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const epochMsOrNull = (v: unknown): v is number | null => v === null || epochMs(v);
const intOrNull = (v: unknown): v is number | null => v === null || Number.isSafeInteger(v);

function subjectOf(v: unknown): Subject | null {
  if (!plainObject(v)) return null;
  const { kind, id, email, name } = v;
  if (!SUBJECT_KIND_SET.has(kind) || !text(id) || !textOrNull(email) || !textOrNull(name)) return null;
  return { kind: kind as Subject['kind'], id, email, name };
}

/** `[actor]`, `[null]` for a null actor, or null when it may not pass. */
function actorOf(v: unknown): [Actor | null] | null {
  if (v === null) return [null];
  if (!plainObject(v)) return null;
  const { kind, id, email, ip, user_agent, credential_id } = v;
  if (!text(kind) || !textOrNull(id) || !textOrNull(email) || !textOrNull(ip) || !textOrNull(user_agent) || !textOrNull(credential_id)) {
    return null;
  }
  return [{ kind, id, email, ip, user_agent, credential_id }];
}

function credentialOf(v: unknown): [Credential | null] | null {
  if (v === null) return [null];
  if (!plainObject(v)) return null;
  const { id, kind, owner_id, owner_kind, scopes, created_at, last_used_at } = v;
  if (!text(id) || !text(kind) || !textOrNull(owner_id) || !textOrNull(owner_kind)) return null;
  if (!epochMsOrNull(created_at) || !epochMsOrNull(last_used_at) || !Array.isArray(scopes)) return null;
  const copied = new Array<string>(scopes.length);
  for (let i = 0; i < scopes.length; i++) {
    const scope: unknown = scopes[i];
    if (typeof scope !== 'string') return null;
    copied[i] = scope;
  }
  return [{ id, kind, owner_id, owner_kind, scopes: copied, created_at, last_used_at }];
}

function attributesOf(v: unknown): Record<string, string> | null {
  if (!plainObject(v)) return null;
  const out: Record<string, string> = {};
  // Own keys of every kind, as the schema's record walks them: a symbol or hidden key goes to the schema.
  for (const key of Reflect.ownKeys(v)) {
    if (typeof key !== 'string' || key === '__proto__' || !Object.prototype.propertyIsEnumerable.call(v, key)) return null;
    const value = v[key];
    if (typeof value !== 'string') return null;
    out[key] = value;
  }
  return out;
}

/**
 * `candidate` as `IdentityEventSchema.parse` returns it, when it certainly passes the schema; null
 * when it may not (then only the schema decides, and says why).
 */
export function identityEventIfValid(candidate: unknown): IdentityEvent | null {
  if (!plainObject(candidate)) return null;
  const c = candidate;
  if (!text(c.event_id) || !text(c.source) || !text(c.connection_id) || !PLANE_SET.has(c.plane)) return null;
  if (!textOrNull(c.tenant_id) || !textOrNull(c.authoritative_for)) return null;
  if (!CATEGORY_SET.has(c.category) || !ACTION_SET.has(c.action) || !(c.outcome === null || OUTCOME_SET.has(c.outcome))) return null;
  if (!epochMs(c.occurred_at) || !epochMs(c.received_at) || !text(c.raw_id) || !text(c.vendor_type)) return null;
  if (!intOrNull(c.ocsf_class_uid) || !intOrNull(c.ocsf_activity_id)) return null;
  const subject = subjectOf(c.subject);
  const actor = actorOf(c.actor);
  const credential = credentialOf(c.credential);
  const attributes = attributesOf(c.attributes);
  if (subject === null || actor === null || credential === null || attributes === null) return null;
  return {
    event_id: c.event_id,
    source: c.source,
    connection_id: c.connection_id,
    plane: c.plane as IdentityEvent['plane'],
    tenant_id: c.tenant_id,
    authoritative_for: c.authoritative_for,
    category: c.category as IdentityEvent['category'],
    action: c.action as IdentityEvent['action'],
    outcome: c.outcome as IdentityEvent['outcome'],
    subject,
    actor: actor[0],
    credential: credential[0],
    occurred_at: c.occurred_at,
    received_at: c.received_at,
    raw_id: c.raw_id,
    vendor_type: c.vendor_type,
    ocsf_class_uid: c.ocsf_class_uid,
    ocsf_activity_id: c.ocsf_activity_id,
    attributes,
  };
}
