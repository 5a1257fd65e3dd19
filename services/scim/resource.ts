// Pure resource handling for the SCIM service provider: canonicalization of request bodies against
// the schemas (case-insensitive attribute names → schema spelling; Entra's string booleans →
// booleans; numbers given for string attributes → strings; readOnly attributes dropped; password
// dropped), validation of required attributes, the lookup columns the store indexes, the change
// summary of an update, rendering (meta.location, User.groups) and attribute projection.
// Attributes no schema defines are kept as the client sent them (clients read back what they
// wrote), password-stripped.
import { isPasswordAttribute } from '../../sources/scim/password.ts';
import { invalidValue } from './errors.ts';
import {
  coreAttributes,
  findAttr,
  findExtension,
  type AttrDef,
  type ResourceTypeDef,
} from './schema.ts';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
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

export function coerceBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return null;
}

/** One (non-multi) value of `def`; undefined means "unassigned". Throws invalidValue. */
export function canonicalSingle(def: AttrDef, v: unknown, where: string): unknown {
  if (v === null || v === undefined) return undefined;
  switch (def.type) {
    case 'complex': {
      // Entra ID sends a manager (complex, with a `value`) as a bare id string.
      if ((typeof v === 'string' || typeof v === 'number') && findAttr(def.subAttributes, 'value')) return { value: String(v) };
      if (!isObj(v)) throw invalidValue(`${where}: expected an object with sub-attributes, got ${describe(v)}`);
      const out: Obj = {};
      for (const [k, sv] of Object.entries(v)) {
        if (isPasswordAttribute(k)) continue;
        const sd = findAttr(def.subAttributes, k);
        if (!sd) {
          if (sv !== undefined) setAttr(out, k, sv);
          continue;
        }
        const cv = canonicalSingle(sd, sv, `${where}.${sd.name}`);
        setAttr(out, sd.name, cv);
      }
      return Object.keys(out).length ? out : undefined;
    }
    case 'boolean': {
      const b = coerceBoolean(v);
      if (b === null) throw invalidValue(`${where}: expected true or false (or the strings "True" / "False"), got ${describe(v)}`);
      return b;
    }
    case 'integer':
    case 'decimal': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n) || (def.type === 'integer' && !Number.isInteger(n))) {
        throw invalidValue(`${where}: expected ${def.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(v)}`);
      }
      return n;
    }
    default:
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw invalidValue(`${where}: expected a string, got ${describe(v)}`);
  }
}

/** A whole attribute of `def` (array for multi-valued ones); undefined means "unassigned". */
export function canonicalAttribute(def: AttrDef, v: unknown, where: string): unknown {
  if (v === null || v === undefined) return undefined;
  if (!def.multiValued) return canonicalSingle(def, v, where);
  const element: AttrDef = { ...def, multiValued: false };
  const list = Array.isArray(v) ? v : [v];
  const out = list.map((e, i) => canonicalSingle(element, e, Array.isArray(v) ? `${where}[${i}]` : where)).filter((e) => e !== undefined);
  return out.length ? out : undefined;
}

/** Canonicalizes the attributes of one schema (core or an extension) given as an object. */
function canonicalizeAttributes(defs: readonly AttrDef[], input: Obj, out: Obj, where: string): void {
  for (const [k, v] of Object.entries(input)) {
    if (isPasswordAttribute(k)) continue;
    const def = findAttr(defs, k);
    if (!def) {
      if (v !== undefined && v !== null) setAttr(out, k, v);
      continue;
    }
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
  for (const [k, v] of Object.entries(input)) {
    if (isPasswordAttribute(k) || k.toLowerCase() === 'schemas') continue;
    if (k.toLowerCase() === rt.schema.id.toLowerCase()) {
      // Core attributes nested under the core schema URN: accepted as if top-level.
      if (!isObj(v)) throw invalidValue(`${k}: expected an object of ${rt.name} attributes, got ${describe(v)}`);
      canonicalizeAttributes(core, v, out, '');
      continue;
    }
    const ext = findExtension(rt, k);
    if (ext) {
      if (v === null || v === undefined) continue;
      if (!isObj(v)) throw invalidValue(`${ext.id}: expected an object of ${ext.name} attributes, got ${describe(v)}`);
      const extOut: Obj = {};
      canonicalizeAttributes(ext.attributes, v, extOut, ext.id);
      setAttr(out, ext.id, Object.keys(extOut).length ? extOut : undefined);
      continue;
    }
    canonicalizeAttributes(core, { [k]: v }, out, '');
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
  const required = rt.uniqueAttr;
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
  const members = Array.isArray(res.members) ? res.members.map((m) => (isObj(m) && typeof m.value === 'string' ? m.value : null)).filter((m): m is string => !!m) : [];
  return {
    user_name_lc: rt.name === 'User' ? str(res.userName)?.toLowerCase() ?? null : null,
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
  return res && Array.isArray(res.members) ? res.members.map((m) => (isObj(m) ? m.value : null)).filter((m): m is string => typeof m === 'string') : [];
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

/**
 * Applies `attributes` / `excludedAttributes` (RFC 7644 §3.9; top-level names, or name.sub);
 * `schemas` and `id` are always returned. Names are case-insensitive.
 */
export function project(res: Obj, attributes: string[] | null, excluded: string[] | null): Obj {
  if (attributes && attributes.length) {
    const out: Obj = { schemas: res.schemas, id: res.id };
    for (const a of attributes) {
      const [name, sub] = a.split('.', 2) as [string, string | undefined];
      const cleanName = name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : name;
      const k = keyOf(res, cleanName);
      if (k === undefined) continue;
      if (!sub) out[k] = res[k];
      else {
        const val = res[k];
        const pick = (o: unknown) => {
          if (!isObj(o)) return undefined;
          const sk = keyOf(o, sub);
          return sk === undefined ? undefined : { [sk]: o[sk] };
        };
        if (Array.isArray(val)) out[k] = val.map(pick).filter((x) => x !== undefined);
        else {
          const picked = pick(val);
          if (picked) out[k] = { ...(isObj(out[k]) ? out[k] : {}), ...picked };
        }
      }
    }
    return out;
  }
  if (excluded && excluded.length) {
    const out: Obj = { ...res };
    for (const a of excluded) {
      const [name, sub] = a.split('.', 2) as [string, string | undefined];
      const k = keyOf(out, name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : name);
      if (k === undefined || k === 'id' || k === 'schemas') continue;
      if (!sub) delete out[k];
      else if (isObj(out[k])) {
        const copy = { ...(out[k] as Obj) };
        const sk = keyOf(copy, sub);
        if (sk) delete copy[sk];
        out[k] = copy;
      }
    }
    return out;
  }
  return res;
}

export function parseAttributeList(v: string | null): string[] | null {
  if (v === null) return null;
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length ? list : null;
}
