// `attributes` / `excludedAttributes` (RFC 7644 §3.9) over a rendered resource. Names are
// case-insensitive and may be schema-qualified (RFC 7644 §3.10): "userName", "name.givenName",
// "urn:…:core:2.0:User:userName", "urn:…:enterprise:2.0:User:department" (inside the extension's
// object), or a whole extension URN. `schemas` and `id` (returned "always") are always kept.
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function keyOf(obj: Obj, name: string): string | undefined {
  const lower = name.toLowerCase();
  return Object.keys(obj).find((k) => k.toLowerCase() === lower);
}

interface Ref {
  /** Key of the extension object holding the attribute, or null for a top-level attribute. */
  ext: string | null;
  name: string;
  sub: string | undefined;
}

function refOf(res: Obj, a: string): Ref {
  const colon = a.lastIndexOf(':');
  const [name, sub] = a.slice(colon + 1).split('.', 2) as [string, string | undefined];
  const ext = colon >= 0 ? keyOf(res, a.slice(0, colon)) : undefined;
  return { ext: ext !== undefined && isObj(res[ext]) ? ext : null, name, sub };
}

function pickSub(v: unknown, sub: string): unknown {
  const one = (o: unknown) => {
    if (!isObj(o)) return undefined;
    const k = keyOf(o, sub);
    return k === undefined ? undefined : { [k]: o[k] };
  };
  if (Array.isArray(v)) return v.map(one).filter((x) => x !== undefined);
  return one(v);
}

function include(res: Obj, out: Obj, a: string): void {
  const whole = keyOf(res, a);
  if (whole !== undefined && a.includes(':')) {
    out[whole] = res[whole];
    return;
  }
  const ref = refOf(res, a);
  const from = ref.ext ? (res[ref.ext] as Obj) : res;
  const k = keyOf(from, ref.name);
  if (k === undefined) return;
  const into = ref.ext ? ((out[ref.ext] = isObj(out[ref.ext]) ? out[ref.ext] : {}) as Obj) : out;
  if (!ref.sub) into[k] = from[k];
  else {
    const picked = pickSub(from[k], ref.sub);
    if (Array.isArray(picked)) into[k] = picked;
    else if (picked !== undefined) into[k] = { ...(isObj(into[k]) ? into[k] : {}), ...picked };
  }
}

function exclude(out: Obj, a: string): void {
  const whole = keyOf(out, a);
  if (whole !== undefined && a.includes(':')) {
    delete out[whole];
    return;
  }
  const ref = refOf(out, a);
  const from = ref.ext ? ((out[ref.ext] = { ...(out[ref.ext] as Obj) }) as Obj) : out;
  const k = keyOf(from, ref.name);
  if (k === undefined || (!ref.ext && (k === 'id' || k === 'schemas'))) return;
  if (!ref.sub) delete from[k];
  else if (isObj(from[k])) {
    const copy = { ...(from[k] as Obj) };
    const sk = keyOf(copy, ref.sub);
    if (sk) delete copy[sk];
    from[k] = copy;
  }
  if (ref.ext && Object.keys(from).length === 0) delete out[ref.ext];
}

export function project(res: Obj, attributes: string[] | null, excluded: string[] | null): Obj {
  if (attributes && attributes.length) {
    const out: Obj = { schemas: res.schemas, id: res.id };
    for (const a of attributes) include(res, out, a);
    return out;
  }
  if (excluded && excluded.length) {
    const out: Obj = { ...res };
    for (const a of excluded) exclude(out, a);
    return out;
  }
  return res;
}
