// PATCH (RFC 7644 §3.5.2) applied to a resource's attributes, schema-aware, pure.
//
// Accepted the way real clients send it:
//  - `op` in any case ("replace", Entra's "Replace", "ADD"); `Operations` key in any case;
//  - no-path operations whose value object holds attribute names, dotted sub-attribute paths
//    ("name.givenName") or schema-qualified names ("urn:…:enterprise:2.0:User:department");
//  - string booleans ("False") wherever the schema says boolean, and a bare id string for a
//    complex attribute with a `value` (Entra's manager);
//  - value filters in paths: `members[value eq "x"]`, `emails[type eq "work"].value`, with the
//    full filter grammar (filter.ts);
//  - `remove` of `members` with a value list (Entra) removes the listed members by `value`;
//  - `add` to a multi-valued attribute skips values already present (members by `value`);
//  - a `replace`/`add` whose value filter matches no element creates the element when the filter
//    is a conjunction of `eq` terms (Entra replaces `emails[type eq "work"].value` on users that
//    have no work email yet); any other unmatched filter is `noTarget`, as the RFC says;
//  - readOnly attributes (id, meta, schemas, groups) inside a no-path value object are ignored
//    (Okta sends the id when renaming a group); a path naming one is `mutability`;
//  - the password attribute is never applied: the operation only sets `passwordSupplied`.
// Refused: a body whose `schemas` is not exactly [PatchOp] (invalidSyntax); a path (or a no-path
// attribute name) naming an undeclared attribute or sub-attribute, or a schema that is not the
// resource type's or one of its declared extensions (invalidPath); a path to an immutable
// sub-attribute (mutability); a value of another type than the attribute's (invalidValue).
//
// Why not scim-patch 0.8.3: checked in a scratch project on Node 20, it keeps Entra's
// "False" as a string (active stays truthy), treats attribute names case-sensitively ("Active"
// adds a second attribute), accepts only add/Add/replace/Replace/remove/Remove spellings,
// removes members given as a value list only when the whole stored member object deep-equals
// the given one (Okta stores `display` too, so Entra's removal silently misses), crashes on a
// "Remove" without path, and mutates its input by default. Wrapping all of that would be more
// code than this engine.
import { isPasswordAttribute } from '../../sources/scim/password.ts';
import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget, ScimError } from './errors.ts';
import { eqConjunction, FilterSyntaxError, formatAttrPath, matchesElement, parsePatchPath, type Filter, type PatchPath } from './filter.ts';
import { canonicalAttribute, canonicalSingle, describe, getAttr, isObj, keyOf, sameValue, setAttr, type Obj } from './resource.ts';
import { coreAttributes, findAttr, findExtension, MSG_PATCH, type AttrDef, type ResourceTypeDef } from './schema.ts';
import { allowedSchemas } from './schema-check.ts';

export const MAX_OPERATIONS = 1000;

type Op = 'add' | 'replace' | 'remove';

export interface PatchOutcome {
  /** The patched attributes (a new object; the input is not modified). */
  body: Obj;
  passwordSupplied: boolean;
}

interface Target {
  /** Extension URN holding the attribute, or null for the core schema. */
  ext: string | null;
  def: AttrDef | null;
  name: string;
  sub: string | null;
  subDef: AttrDef | null;
}

function resolveTarget(rt: ResourceTypeDef, path: PatchPath, where: string): Target | { extContainer: string } {
  const whole = findExtension(rt, path.raw);
  if (whole && !path.filter) return { extContainer: whole.id };
  const a = path.attr;
  let ext: string | null = null;
  let schema = rt.schema;
  if (a.uri !== null && a.uri.toLowerCase() !== rt.schema.id.toLowerCase()) {
    const extension = findExtension(rt, a.uri);
    // RFC 7644 §3.5.2: a path naming an attribute the resource type does not have is invalidPath.
    if (!extension)
      throw invalidPath(
        `${where}: "${path.raw}" names the schema "${a.uri}", which is not a schema of the ${rt.name} resource type; expected ${allowedSchemas(rt).join(' or ')}`,
      );
    ext = extension.id;
    schema = extension;
  }
  const def = findAttr(ext === null ? coreAttributes(rt) : schema.attributes, a.name);
  if (!def) throw invalidPath(`${where}: "${a.name}" (in "${path.raw}") is not an attribute of the ${schema.name} schema (${schema.id})`);
  const subName = a.sub ?? path.subAfterFilter;
  if (path.filter && a.sub) throw invalidPath(`${where}: "${path.raw}" is not a valid path`);
  let subDef: AttrDef | null = null;
  if (subName) {
    if (def.type !== 'complex') throw invalidPath(`${where}: "${def.name}" has no sub-attributes (in "${path.raw}")`);
    subDef = findAttr(def.subAttributes, subName) ?? null;
    if (!subDef)
      throw invalidPath(
        `${where}: "${subName}" (in "${path.raw}") is not a sub-attribute of "${def.name}" (declared: ${(def.subAttributes ?? []).map((x) => x.name).join(', ')})`,
      );
  }
  return { ext, def, name: def.name, sub: subDef?.name ?? null, subDef };
}

function containerOf(body: Obj, ext: string | null, create: boolean): Obj | undefined {
  if (ext === null) return body;
  const k = keyOf(body, ext);
  const cur = k === undefined ? undefined : body[k];
  if (isObj(cur)) return cur;
  if (!create) return undefined;
  const fresh: Obj = {};
  setAttr(body, ext, fresh);
  return fresh;
}

function dropEmptyContainer(body: Obj, ext: string | null): void {
  if (ext === null) return;
  const k = keyOf(body, ext);
  if (k !== undefined && isObj(body[k]) && Object.keys(body[k] as Obj).length === 0) delete body[k];
}

function caseExactOf(def: AttrDef | null): (name: string) => boolean {
  return (name) => findAttr(def?.subAttributes, name)?.caseExact ?? false;
}

function elementDef(def: AttrDef): AttrDef {
  return { ...def, multiValued: false };
}

/** Same element for de-duplication: members by value, everything else by equal content. */
function sameElement(def: AttrDef | null, a: unknown, b: unknown, isMembers: boolean): boolean {
  if (isMembers && isObj(a) && isObj(b)) return a.value === b.value;
  return sameValue(a, b);
}

/** Whether `el` has every field of `item` (remove-by-value: `{value:"x"}` matches `{value:"x", display:"…"}`). */
function matchesItem(def: AttrDef | null, el: unknown, item: unknown): boolean {
  if (!isObj(item)) return sameValue(isObj(el) ? el.value : el, item);
  if (!isObj(el)) return false;
  const exact = caseExactOf(def);
  return Object.entries(item).every(([k, v]) => {
    const actual = getAttr(el, k);
    if (typeof v === 'string' && typeof actual === 'string') return exact(k) ? v === actual : v.toLowerCase() === actual.toLowerCase();
    return sameValue(actual, v);
  });
}

function canonicalElement(def: AttrDef | null, v: unknown, where: string): unknown {
  return def ? canonicalSingle(elementDef(def), v, where, false) : v;
}

function canonicalWhole(def: AttrDef | null, v: unknown, where: string): unknown {
  if (!def) return v === null ? undefined : v;
  return canonicalAttribute(def, v, where);
}

function applyToTarget(
  op: Op,
  body: Obj,
  t: Target,
  filter: Filter | null,
  value: unknown,
  hasValue: boolean,
  where: string,
  isMembers: boolean,
  valueAt = `${where}.value`,
): void {
  const container = containerOf(body, t.ext, op !== 'remove');
  if (!container) return; // remove from an extension that is not there: nothing to do
  const existing = getAttr(container, t.name);
  const multi = t.def ? t.def.multiValued : Array.isArray(existing);
  const complex = t.def ? t.def.type === 'complex' : isObj(existing);

  if (filter) {
    if (!multi) throw invalidPath(`${where}: a value filter needs a multi-valued attribute, and "${t.name}" is not one`);
    const list: unknown[] = Array.isArray(existing) ? [...existing] : [];
    const exact = caseExactOf(t.def);
    const matched = list.map((el, i) => (matchesElement(filter, el, exact) ? i : -1)).filter((i) => i >= 0);
    if (op === 'remove') {
      if (t.sub === null) {
        const kept = list.filter((_, i) => !matched.includes(i));
        setAttr(container, t.name, kept.length ? kept : undefined);
      } else {
        for (const i of matched) {
          const el = list[i];
          if (isObj(el)) {
            const copy = { ...el };
            setAttr(copy, t.sub, undefined);
            list[i] = copy;
          }
        }
        setAttr(container, t.name, list);
      }
      dropEmptyContainer(body, t.ext);
      return;
    }
    if (!hasValue) throw invalidValue(`${where}: "${op}" needs a value`);
    const newSub = t.sub !== null ? (t.subDef ? canonicalSingle(t.subDef, value, valueAt) : value) : undefined;
    const newElement = t.sub === null ? canonicalElement(t.def, value, valueAt) : undefined;
    if (t.sub === null && newElement !== undefined && !isObj(newElement))
      throw invalidValue(`${where}.value: expected an object for the matching "${t.name}" values, got ${describe(value)}`);
    if (matched.length === 0) {
      const pinned = eqConjunction(filter);
      if (!pinned) throw noTarget(`${where}: no value of "${t.name}" matches the filter in "${where}"`);
      const created: Obj = {};
      for (const [k, v] of Object.entries(pinned)) {
        const sd = findAttr(t.def?.subAttributes, k);
        if (!sd)
          throw invalidPath(`${where}.path: "${k}" is not a sub-attribute of "${t.name}", so no value can be created for the filter`);
        setAttr(created, sd.name, canonicalSingle(sd, v, `${where}.path`));
      }
      if (t.sub !== null) setAttr(created, t.sub, newSub);
      else Object.assign(created, newElement as Obj | undefined);
      setAttr(container, t.name, [...list, created]);
      return;
    }
    for (const i of matched) {
      const el = isObj(list[i]) ? { ...(list[i] as Obj) } : {};
      if (t.sub !== null) setAttr(el, t.sub, newSub);
      else if (op === 'replace') {
        list[i] = newElement;
        continue;
      } else Object.assign(el, newElement as Obj);
      list[i] = el;
    }
    setAttr(
      container,
      t.name,
      list.filter((e) => e !== undefined),
    );
    return;
  }

  if (t.sub !== null) {
    if (multi) {
      // "emails.value" without a filter: every element.
      const list = Array.isArray(existing) ? existing.map((el) => (isObj(el) ? { ...el } : el)) : [];
      const v = op === 'remove' ? undefined : t.subDef ? canonicalSingle(t.subDef, value, valueAt) : value;
      for (const el of list) if (isObj(el)) setAttr(el, t.sub, v);
      setAttr(container, t.name, list.length ? list : undefined);
      dropEmptyContainer(body, t.ext);
      return;
    }
    const parent: Obj = isObj(existing) ? { ...existing } : {};
    if (op === 'remove') setAttr(parent, t.sub, undefined);
    else {
      if (!hasValue) throw invalidValue(`${where}: "${op}" needs a value`);
      setAttr(parent, t.sub, t.subDef ? canonicalSingle(t.subDef, value, valueAt) : value === null ? undefined : value);
    }
    setAttr(container, t.name, Object.keys(parent).length ? parent : undefined);
    dropEmptyContainer(body, t.ext);
    return;
  }

  if (op === 'remove') {
    if (multi && hasValue && value !== null) {
      // Remove the listed values only (Entra: {"op":"Remove","path":"members","value":[{"value":"id"}]}).
      const items = Array.isArray(value) ? value : [value];
      const list = Array.isArray(existing) ? existing : [];
      const kept = list.filter((el) => !items.some((item) => matchesItem(t.def, el, item)));
      setAttr(container, t.name, kept.length ? kept : undefined);
    } else setAttr(container, t.name, undefined);
    dropEmptyContainer(body, t.ext);
    return;
  }
  if (!hasValue) throw invalidValue(`${where}: "${op}" needs a value`);
  if (multi) {
    const incoming = (canonicalWhole(t.def, value, valueAt) as unknown[] | undefined) ?? [];
    const list = Array.isArray(incoming) ? incoming : [incoming];
    if (op === 'replace') setAttr(container, t.name, list.length ? list : undefined);
    else {
      const merged = Array.isArray(existing) ? [...existing] : [];
      for (const item of list) {
        const at = merged.findIndex((el) => sameElement(t.def, el, item, isMembers));
        if (at < 0) merged.push(item);
        else if (isMembers && isObj(merged[at]) && isObj(item)) merged[at] = { ...(merged[at] as Obj), ...item };
      }
      setAttr(container, t.name, merged.length ? merged : undefined);
    }
  } else if (complex && (isObj(value) || value === null)) {
    // add or replace on a complex attribute: the given sub-attributes replace, the others stay.
    const incoming = canonicalWhole(t.def, value, valueAt);
    if (incoming === undefined && op === 'replace' && value === null) setAttr(container, t.name, undefined);
    else {
      const merged: Obj = { ...(isObj(existing) ? existing : {}), ...(isObj(incoming) ? incoming : {}) };
      setAttr(container, t.name, Object.keys(merged).length ? merged : undefined);
    }
  } else {
    setAttr(container, t.name, canonicalWhole(t.def, value, valueAt));
  }
  dropEmptyContainer(body, t.ext);
}

function parsePath(text: string, where: string): PatchPath {
  try {
    return parsePatchPath(text);
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw invalidPath(`${where}: ${err.message}`);
    throw err;
  }
}

function isReadOnly(t: Target): boolean {
  return (t.def !== null && t.def.mutability === 'readOnly' && t.ext === null) || t.subDef?.mutability === 'readOnly';
}

/** RFC 7644 §3.5.2 / RFC 7643 §2.2: the body must be a PatchOp message, schemas exactly [PatchOp]. */
function checkPatchSchemas(request: Obj): void {
  const key = keyOf(request, 'schemas');
  const schemas = key === undefined ? undefined : request[key];
  const ok =
    Array.isArray(schemas) &&
    schemas.length === 1 &&
    typeof schemas[0] === 'string' &&
    schemas[0].toLowerCase() === MSG_PATCH.toLowerCase();
  if (!ok)
    throw invalidSyntax(
      `schemas: a PATCH body must be a PatchOp message, expected ["${MSG_PATCH}"], got ${schemas === undefined ? 'no schemas' : JSON.stringify(schemas).slice(0, 200)}`,
    );
}

/** Applies a PatchOp request body to `current` (resource attributes without id/meta/schemas). */
export function applyPatch(rt: ResourceTypeDef, current: Obj, request: unknown): PatchOutcome {
  if (!isObj(request))
    throw invalidSyntax(`body: expected a PatchOp object {"schemas":[…PatchOp], "Operations":[…]}, got ${describe(request)}`);
  checkPatchSchemas(request);
  const opsKey = keyOf(request, 'Operations');
  const ops = opsKey === undefined ? undefined : request[opsKey];
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('Operations: expected a non-empty array of {op, path, value}');
  if (ops.length > MAX_OPERATIONS)
    throw new ScimError(413, null, `Operations: at most ${MAX_OPERATIONS} operations per request, got ${ops.length}`);
  const body = JSON.parse(JSON.stringify(current)) as Obj;
  let passwordSupplied = false;

  ops.forEach((raw, i) => {
    const where = `Operations[${i}]`;
    if (!isObj(raw)) throw invalidSyntax(`${where}: expected an object {op, path, value}, got ${describe(raw)}`);
    const opVal = getAttr(raw, 'op');
    const op = typeof opVal === 'string' ? opVal.trim().toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw invalidSyntax(`${where}.op: expected "add", "replace" or "remove" (any case), got ${describe(opVal)}`);
    }
    const pathKey = keyOf(raw, 'path');
    const pathVal = pathKey === undefined ? undefined : raw[pathKey];
    const valueKey = keyOf(raw, 'value');
    const hasValue = valueKey !== undefined;
    const value = hasValue ? raw[valueKey] : undefined;
    if (pathVal !== undefined && pathVal !== null && typeof pathVal !== 'string')
      throw invalidPath(`${where}.path: expected a string, got ${describe(pathVal)}`);
    const path = typeof pathVal === 'string' && pathVal.trim() !== '' ? pathVal : null;

    if (path === null) {
      if (op === 'remove') throw noTarget(`${where}: "remove" needs a path`);
      if (!isObj(value)) throw invalidValue(`${where}.value: without a path, expected an object of attributes, got ${describe(value)}`);
      for (const [k, v] of Object.entries(value)) {
        if (isPasswordAttribute(k)) {
          passwordSupplied = true;
          continue;
        }
        if (k.toLowerCase() === 'schemas') continue;
        const kw = `${where}.value.${k}`;
        const p = parsePath(k, kw);
        if (p.filter) throw invalidPath(`${kw}: a value filter is not allowed in an attribute name`);
        const t = resolveTarget(rt, p, kw);
        if ('extContainer' in t) {
          if (!isObj(v)) throw invalidValue(`${kw}: expected an object of extension attributes, got ${describe(v)}`);
          for (const [ek, ev] of Object.entries(v)) {
            if (isPasswordAttribute(ek)) {
              passwordSupplied = true;
              continue;
            }
            const ep = parsePath(`${t.extContainer}:${ek}`, `${kw}.${ek}`);
            const et = resolveTarget(rt, ep, `${kw}.${ek}`);
            if ('extContainer' in et || et.def?.mutability === 'readOnly') continue;
            applyToTarget(op, body, et, null, ev, true, `${kw}.${ek}`, false, `${kw}.${ek}`);
          }
          continue;
        }
        if (isReadOnly(t) || t.def?.mutability === 'writeOnly') continue;
        applyToTarget(op, body, t, null, v, true, kw, rt.name === 'Group' && t.name === 'members' && t.ext === null, kw);
      }
      return;
    }

    const p = parsePath(path, `${where}.path`);
    if (isPasswordAttribute(formatAttrPath(p.attr))) {
      passwordSupplied = true;
      return;
    }
    const t = resolveTarget(rt, p, `${where}.path`);
    if ('extContainer' in t) {
      if (op === 'remove') {
        setAttr(body, t.extContainer, undefined);
        return;
      }
      if (!isObj(value)) throw invalidValue(`${where}.value: expected an object of extension attributes, got ${describe(value)}`);
      for (const [ek, ev] of Object.entries(value)) {
        if (isPasswordAttribute(ek)) {
          passwordSupplied = true;
          continue;
        }
        const et = resolveTarget(rt, parsePath(`${t.extContainer}:${ek}`, `${where}.value.${ek}`), `${where}.value.${ek}`);
        if ('extContainer' in et || et.def?.mutability === 'readOnly') continue;
        applyToTarget(op, body, et, null, ev, true, `${where}.value.${ek}`, false, `${where}.value.${ek}`);
      }
      return;
    }
    if (isReadOnly(t)) throw mutability(`${where}.path: "${path}" is read-only`);
    // Immutable values (Group members' value, display, type, $ref) are set when the value is added.
    if (t.subDef?.mutability === 'immutable')
      throw mutability(`${where}.path: "${t.name}.${t.sub}" is immutable: it is set when the ${t.name} value is added`);
    if (t.def?.mutability === 'writeOnly') return;
    applyToTarget(op, body, t, p.filter, value, hasValue, where, rt.name === 'Group' && t.name === 'members' && t.ext === null);
  });
  return { body, passwordSupplied };
}
