// Request values checked against what the provider declares (/Schemas, /ResourceTypes): which
// schema URIs a resource may list (RFC 7643 §3: its resource type's schema and declared
// extensions), which attribute names exist (an undeclared one is refused rather than stored: it
// would never be returned, filtered or mapped the way the client expects), and whether a value
// fits its declared type (RFC 7643 §2.3: string, boolean, decimal, integer, dateTime, binary,
// reference are JSON strings, booleans and numbers — "10" is not an integer, 10 is not a string).
// The one leniency kept: Entra ID sends booleans as the strings "True" / "False" (its documented
// PATCH requests), so those strings are read as booleans.
import { invalidSyntax, invalidValue, type ScimError } from './errors.ts';
import { coreAttributes, findAttr, findExtension, IGNORED_REQUEST_SCHEMAS, type AttrDef, type ResourceTypeDef } from './schema.ts';

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** The schema URIs a resource of `rt` may list: its schema, then its declared extensions. */
export function allowedSchemas(rt: ResourceTypeDef): string[] {
  return [rt.schema.id, ...rt.extensions.map((e) => e.schema.id)];
}

function isAllowedSchema(rt: ResourceTypeDef, uri: string): boolean {
  const lower = uri.toLowerCase();
  return [...allowedSchemas(rt), ...(IGNORED_REQUEST_SCHEMAS[rt.name] ?? [])].some((s) => s.toLowerCase() === lower);
}

/** Refuses a POST/PUT `schemas` that is not a list of the type's schema and declared extensions. */
export function checkRequestSchemas(rt: ResourceTypeDef, schemas: unknown): void {
  if (schemas === undefined || schemas === null) return;
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw invalidSyntax(`schemas: expected an array of schema URIs, got ${describe(schemas)}`);
  }
  for (const uri of schemas as string[]) {
    if (!isAllowedSchema(rt, uri)) throw undeclaredSchema(rt, 'schemas', uri);
  }
}

export function undeclaredSchema(rt: ResourceTypeDef, where: string, uri: string): ScimError {
  return invalidValue(
    `${where}: "${uri.slice(0, 200)}" is not a schema of the ${rt.name} resource type; expected ${allowedSchemas(rt).join(' or ')}`,
  );
}

/** An attribute name no declared schema holds. `owner` says where it was looked for. */
export function undeclaredAttribute(where: string, name: string, owner: string): ScimError {
  return invalidValue(`${where}: "${name.slice(0, 200)}" is not an attribute of ${owner}`);
}

/** A complex attribute given a sub-attribute it does not declare. */
export function undeclaredSubAttribute(where: string, name: string, def: AttrDef): ScimError {
  const declared = (def.subAttributes ?? []).map((s) => s.name).join(', ');
  return invalidValue(`${where}: "${name.slice(0, 200)}" is not a sub-attribute of "${def.name}" (declared: ${declared})`);
}

/** true / false, or Entra's string booleans "True" / "False" (any case); else null. */
export function coerceBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return null;
}

// xsd:dateTime (RFC 7643 §2.3.5), e.g. 2008-01-23T04:56:22Z or with an offset.
const DATE_TIME = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function mismatch(def: AttrDef, v: unknown, where: string, expected: string): ScimError {
  return invalidValue(`${where}: "${def.name}" is of type ${def.type}, expected ${expected}, got ${describe(v)}`);
}

/**
 * One non-complex value of `def` in its canonical JSON form (booleans from "True" / "False").
 * Throws invalidValue naming the attribute, its type and what was given.
 */
export function checkScalar(def: AttrDef, v: unknown, where: string): unknown {
  switch (def.type) {
    case 'boolean': {
      const b = coerceBoolean(v);
      if (b === null) throw mismatch(def, v, where, 'true or false (or the strings "True" / "False")');
      return b;
    }
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(def, v, where, 'a JSON integer');
      return v;
    case 'decimal':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw mismatch(def, v, where, 'a JSON number');
      return v;
    case 'dateTime':
      if (typeof v !== 'string' || !DATE_TIME.test(v) || Number.isNaN(Date.parse(v)))
        throw mismatch(def, v, where, 'an xsd:dateTime string such as "2008-01-23T04:56:22Z"');
      return v;
    case 'binary':
      if (typeof v !== 'string' || !BASE64.test(v)) throw mismatch(def, v, where, 'a base64-encoded string');
      return v;
    case 'string':
    case 'reference':
      if (typeof v !== 'string') throw mismatch(def, v, where, 'a JSON string');
      return v;
    case 'complex':
      throw new Error(`checkScalar called for the complex attribute "${def.name}"`);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function declaredValue(def: AttrDef, v: unknown): unknown {
  if (def.type !== 'complex') return v;
  const one = (x: unknown) => (isObj(x) ? Object.fromEntries(Object.entries(x).filter(([k]) => findAttr(def.subAttributes, k))) : x);
  return Array.isArray(v) ? v.map(one) : one(v);
}

/**
 * A stored resource's attributes without what no schema declares. Resources stored before
 * undeclared attributes were refused may hold some; a PATCH re-checks the whole resource, and
 * without this such a resource could never be patched again (not even deactivated).
 */
export function declaredOnly(rt: ResourceTypeDef, body: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(body)) {
    const def = findAttr(coreAttributes(rt), k);
    if (def) out[k] = declaredValue(def, v);
    const ext = findExtension(rt, k);
    if (ext && isObj(v)) {
      const kept = Object.entries(v).flatMap(([ek, ev]) => {
        const d = findAttr(ext.attributes, ek);
        return d ? [[ek, declaredValue(d, ev)] as const] : [];
      });
      if (kept.length) out[k] = Object.fromEntries(kept);
    }
  }
  return out;
}
