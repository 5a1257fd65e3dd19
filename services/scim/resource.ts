// Pure resource handling for the SCIM service provider: canonicalization of request bodies against
// the schemas (case-insensitive attribute names → schema spelling; Entra's string booleans →
// booleans; readOnly attributes dropped; password dropped), validation of required attributes, the
// lookup columns the store indexes, the change summary of an update, rendering (meta.location,
// User.groups) and attribute projection. Undeclared schemas and attributes, and values that do not
// fit their declared type, are refused (schema-check.ts).
import { isPasswordAttribute } from '../../sources/scim/password.ts';
import { invalidValue } from './errors.ts';
import { coreAttributes, findAttr, findExtension, type AttrDef, type ResourceTypeDef } from './schema.ts';
import {
  checkRequestSchemas,
  checkScalar,
  describe,
  undeclaredAttribute,
  undeclaredSchema,
  undeclaredSubAttribute,
} from './schema-check.ts';

export { coerceBoolean, describe } from './schema-check.ts';
export { project } from './projection.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Existing key of `obj` equal to `name` ignoring case, if any. */
export function keyOf(obj: Obj, name: string): string | undefined {
  if (name in obj) return name;
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

export function getAttr(obj: Obj, name: string): unknown {
  const k = keyOf(obj, name);
  return k === undefined ? undefined : obj[k];
}

/** Sets `name` (removing any differently-cased spelling of it); undefined deletes. */
export function setAttr(obj: Obj, name: string, value: unknown): void {
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k !== name && k.toLowerCase() === lower) delete obj[k];
  if (value === undefined) delete obj[name];
  else obj[name] = value;
}

/**
 * One (non-multi) value of `def`; undefined means "unassigned". Throws invalidValue.
 * `bareValue`: a singular complex attribute with a `value` sub-attribute may be given as that
 * value alone (Entra ID sends the enterprise manager as a bare id string).
 */
export function canonicalSingle(def: AttrDef, v: unknown, where: string, bareValue = true): unknown {
  if (v === null || v === undefined) return undefined;
  if (def.type !== 'complex') return checkScalar(def, v, where);
  if (bareValue && typeof v === 'string' && findAttr(def.subAttributes, 'value')) return { value: v };
  if (!isObj(v)) throw invalidValue(`${where}: "${def.name}" is complex, expected an object of its sub-attributes, got ${describe(v)}`);
  const out: Obj = {};
  for (const [k, sv] of Object.entries(v)) {
    if (isPasswordAttribute(k)) continue;
    const sd = findAttr(def.subAttributes, k);
    if (!sd) throw undeclaredSubAttribute(`${where}.${k}`, k, def);
    // RFC 7644 §3.3 / §3.5.1: readOnly values in a request are ignored.
    if (sd.mutability === 'readOnly') continue;
    setAttr(out, sd.name, canonicalSingle(sd, sv, `${where}.${sd.name}`));
  }
  return Object.keys(out).length ? out : undefined;
}

/** A whole attribute of `def` (array for multi-valued ones); undefined means "unassigned". */
export function canonicalAttribute(def: AttrDef, v: unknown, where: string): unknown {
  if (v === null || v === undefined) return undefined;
  if (!def.multiValued) return canonicalSingle(def, v, where);
  const element: AttrDef = { ...def, multiValued: false };
  const list = Array.isArray(v) ? v : [v];
  const out = list
    .map((e, i) => canonicalSingle(element, e, Array.isArray(v) ? `${where}[${i}]` : where, false))
    .filter((e) => e !== undefined);
  return out.length ? out : undefined;
}

/** Canonicalizes the attributes of one schema (core or an extension) given as an object. */
function canonicalizeAttributes(defs: readonly AttrDef[], input: Obj, out: Obj, where: string, owner: string): void {
  for (const [k, v] of Object.entries(input)) {
    if (isPasswordAttribute(k)) continue;
    const def = findAttr(defs, k);
    if (!def) throw undeclaredAttribute(where ? `${where}.${k}` : k, k, owner);
    if (def.mutability === 'readOnly' || def.mutability === 'writeOnly') continue;
    setAttr(out, def.name, canonicalAttribute(def, v, where ? `${where}.${def.name}` : def.name));
  }
}

/**
 * A POST/PUT body (already password-stripped) → the canonical resource attributes: no id, meta,
 * schemas or other readOnly attributes (the provider sets those). Throws invalidValue.
 */
export function canonicalizeResource(rt: ResourceTypeDef, input: unknown): Obj {
  if (!isObj(input)) throw invalidValue(`body: expected a JSON object (a ${rt.name} resource), got ${describe(input)}`);
  const out: Obj = {};
  const core = coreAttributes(rt);
  const coreOwner = `the ${rt.name} schema (${rt.schema.id})`;
  for (const [k, v] of Object.entries(input)) {
    if (isPasswordAttribute(k)) continue;
    if (k.toLowerCase() === 'schemas') {
      checkRequestSchemas(rt, v);
      continue;
    }
    if (k.toLowerCase() === rt.schema.id.toLowerCase()) {
      // Core attributes nested under the core schema URN: accepted as if top-level.
      if (!isObj(v)) throw invalidValue(`${k}: expected an object of ${rt.name} attributes, got ${describe(v)}`);
      canonicalizeAttributes(core, v, out, '', coreOwner);
      continue;
    }
    const ext = findExtension(rt, k);
    if (ext) {
      if (v === null || v === undefined) continue;
      if (!isObj(v)) throw invalidValue(`${ext.id}: expected an object of ${ext.name} attributes, got ${describe(v)}`);
      const extOut: Obj = {};
      canonicalizeAttributes(ext.attributes, v, extOut, ext.id, `the ${ext.name} schema (${ext.id})`);
      setAttr(out, ext.id, Object.keys(extOut).length ? extOut : undefined);
      continue;
    }
    if (/^urn:/i.test(k) && isObj(v)) throw undeclaredSchema(rt, k, k);
    canonicalizeAttributes(core, { [k]: v }, out, '', coreOwner);
  }
  finishResource(rt, out);
  return out;
}

function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function sameValue(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

/**
 * Validates required attributes and de-duplicates multi-valued ones (Group members by `value`,
 * others by equal content). Mutates `res`. Throws invalidValue.
 */
export function finishResource(rt: ResourceTypeDef, res: Obj): void {
  const required = rt.nameAttr;
  const v = res[required];
  if (typeof v !== 'string' || v.trim() === '') {
    throw invalidValue(`${required}: required, a non-empty string${v === undefined ? ' (missing)' : `, got ${describe(v)}`}`);
  }
  const ext = typeof res.externalId;
  if (ext !== 'undefined' && ext !== 'string') throw invalidValue(`externalId: expected a string, got ${describe(res.externalId)}`);
  for (const def of rt.schema.attributes) {
    const list = res[def.name];
    if (!def.multiValued || !Array.isArray(list)) continue;
    const seen = new Set<string>();
    const out: unknown[] = [];
    list.forEach((el, i) => {
      if (rt.name === 'Group' && def.name === 'members') {
        const id = isObj(el) ? el.value : undefined;
        if (typeof id !== 'string' || id.trim() === '') throw invalidValue(`members[${i}].value: required, the id of the member resource`);
        if (seen.has(id)) return;
        seen.add(id);
      } else {
        const key = stableStringify(el);
        if (seen.has(key)) return;
        seen.add(key);
      }
      out.push(el);
    });
    if (out.length) res[def.name] = out;
    else delete res[def.name];
  }
}

export interface LookupFields {
  user_name_lc: string | null;
  display_name_lc: string | null;
  external_id: string | null;
  emails_lc: string[];
  active: number | null;
  member_ids: string[];
}

export function lookupFields(rt: ResourceTypeDef, res: Obj): LookupFields {
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const emails = Array.isArray(res.emails)
    ? res.emails.map((e) => (isObj(e) && typeof e.value === 'string' ? e.value.trim().toLowerCase() : null)).filter((e): e is string => !!e)
    : [];
  const members = Array.isArray(res.members)
    ? res.members.map((m) => (isObj(m) && typeof m.value === 'string' ? m.value : null)).filter((m): m is string => !!m)
    : [];
  return {
    user_name_lc: rt.name === 'User' ? (str(res.userName)?.toLowerCase() ?? null) : null,
    display_name_lc: str(res.displayName)?.toLowerCase() ?? null,
    external_id: str(res.externalId),
    emails_lc: [...new Set(emails)],
    active: typeof res.active === 'boolean' ? (res.active ? 1 : 0) : null,
    member_ids: rt.name === 'Group' ? members : [],
  };
}

/** Primary (else first) email, lower-cased. */
export function primaryEmail(res: Obj | null): string | null {
  if (!res || !Array.isArray(res.emails)) return null;
  const list = res.emails.filter((e): e is Obj => isObj(e) && typeof e.value === 'string' && e.value.trim() !== '');
  const chosen = list.find((e) => e.primary === true) ?? list[0];
  return chosen ? (chosen.value as string).trim().toLowerCase() : null;
}

export function memberIds(res: Obj | null): string[] {
  return res && Array.isArray(res.members)
    ? res.members.map((m) => (isObj(m) ? m.value : null)).filter((m): m is string => typeof m === 'string')
    : [];
}

const NOT_ATTRIBUTES = new Set(['id', 'meta', 'schemas', 'members', 'groups']);

/** Top-level attributes (members excluded: they are diffed separately) whose value changed. */
export function changedAttributes(before: Obj | null, after: Obj | null): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...keys].filter((k) => !NOT_ATTRIBUTES.has(k) && !sameValue(before?.[k], after?.[k])).sort();
}

/** The body attributes of a stored resource: everything but id, meta, schemas. */
export function bodyOf(stored: Obj): Obj {
  const { id: _id, meta: _meta, schemas: _schemas, ...rest } = stored;
  return JSON.parse(JSON.stringify(rest)) as Obj;
}

/** schemas[] of a resource: the core schema plus every extension URN it holds. */
export function schemasOf(rt: ResourceTypeDef, body: Obj): string[] {
  const list = [rt.schema.id];
  for (const k of Object.keys(body)) if (/^urn:/i.test(k) && isObj(body[k])) list.push(k);
  return list;
}

export interface Meta {
  resourceType: string;
  created: string;
  lastModified: string;
  version: string;
  location?: string;
}

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** Weak comparison of an If-Match / If-None-Match list with the current version. */
export function etagMatches(header: string, version: number): boolean {
  const current = String(version);
  return header.split(',').some((raw) => {
    const t = raw.trim();
    if (t === '*') return true;
    const m = /^(?:W\/)?"([^"]*)"$/.exec(t);
    return m !== null && m[1] === current;
  });
}

/** The stored form: schemas, id, externalId, attributes…, meta (without location). */
export function assemble(rt: ResourceTypeDef, id: string, body: Obj, meta: Meta): Obj {
  const { externalId, ...rest } = body;
  return {
    schemas: schemasOf(rt, body),
    id,
    ...(externalId !== undefined ? { externalId } : {}),
    ...rest,
    meta,
  };
}

export function parseAttributeList(v: string | null): string[] | null {
  if (v === null) return null;
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : null;
}
