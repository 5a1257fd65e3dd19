// SCIM filter expressions (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): a tokenizer and a
// recursive-descent parser for the whole grammar (attrExp with eq ne co sw ew gt lt ge le pr,
// and / or / not with RFC precedence, parentheses, valuePath `attr[filter]`, schema-URN-qualified
// attribute paths), plus an evaluator for value filters inside multi-valued attributes.
// Operators and logical words are case-insensitive; string literals are JSON strings (escapes
// decoded as JSON does); attribute names are kept as written and resolved case-insensitively
// later against the schema. Which filters the store can answer is decided by filter-sql.ts.
//
// Why not scim2-parse-filter 0.2.10: checked in a scratch project, it keeps JSON escapes of
// string literals undecoded (`"a\u00e9"` stays `a\u00e9`, `"a\\b"` stays `a\\b`), so an exact
// match on such a value can never succeed; the grammar is small enough to own.

export class FilterSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterSyntaxError';
  }
}

export interface AttrPath {
  /** Schema URN prefix as written (e.g. the enterprise extension), or null. */
  uri: string | null;
  name: string;
  sub: string | null;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export type CompValue = string | number | boolean | null;

export type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  | { op: 'pr'; attr: AttrPath }
  | { op: CompareOp; attr: AttrPath; value: CompValue }
  | { op: 'valuePath'; attr: AttrPath; filter: Filter };

export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le'];

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'str'; v: string; at: number }
  | { t: 'num'; v: number; at: number }
  | { t: '(' | ')' | '[' | ']'; at: number }
  | { t: 'end'; at: number };

const MAX_LENGTH = 4096;
const MAX_DEPTH = 32;
const WORD = /[A-Za-z$_][A-Za-z0-9$_:.-]*/y;
// eslint-disable-next-line no-control-regex -- RFC 8259: control characters must be escaped inside a JSON string
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_$])/y;
const ATTRNAME = /^(?:\$ref|[A-Za-z][A-Za-z0-9_-]*)$/;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === '[' || c === ']') {
      out.push({ t: c, at: i });
      i++;
      continue;
    }
    if (c === '"') {
      STRING.lastIndex = i;
      const m = STRING.exec(text);
      if (!m)
        throw new FilterSyntaxError(
          `unterminated or invalid string literal at position ${i + 1} (expected a JSON string in double quotes)`,
        );
      out.push({ t: 'str', v: JSON.parse(m[0]) as string, at: i });
      i += m[0].length;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw new FilterSyntaxError(`invalid number at position ${i + 1}`);
      out.push({ t: 'num', v: Number(m[0]), at: i });
      i += m[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const m = WORD.exec(text);
    if (!m) {
      const hint = c === "'" ? ' (string values take double quotes)' : '';
      throw new FilterSyntaxError(`unexpected character ${JSON.stringify(c)} at position ${i + 1}${hint}`);
    }
    out.push({ t: 'word', v: m[0], at: i });
    i += m[0].length;
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

/** Splits `urn:…:User:name.givenName` into uri / name / sub; validates the names. */
export function parseAttrPath(word: string): AttrPath {
  let uri: string | null = null;
  let rest = word;
  const colon = word.lastIndexOf(':');
  if (colon >= 0) {
    uri = word.slice(0, colon);
    rest = word.slice(colon + 1);
    if (!/^urn:/i.test(uri)) throw new FilterSyntaxError(`"${word}" is not an attribute path (a schema prefix must be a URN)`);
  }
  const parts = rest.split('.');
  if (parts.length > 2) throw new FilterSyntaxError(`"${word}" is not an attribute path: at most attribute.subAttribute`);
  const [name, sub] = parts as [string, string | undefined];
  if (!ATTRNAME.test(name)) throw new FilterSyntaxError(`"${word}" is not an attribute path: "${name}" is not an attribute name`);
  if (sub !== undefined && !ATTRNAME.test(sub))
    throw new FilterSyntaxError(`"${word}" is not an attribute path: "${sub}" is not a sub-attribute name`);
  return { uri, name, sub: sub ?? null };
}

export function formatAttrPath(a: AttrPath): string {
  return `${a.uri ? `${a.uri}:` : ''}${a.name}${a.sub ? `.${a.sub}` : ''}`;
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isWord(tok: Token, ...words: string[]): boolean {
    return tok.t === 'word' && words.includes(tok.v.toLowerCase());
  }
  private describe(tok: Token): string {
    if (tok.t === 'end') return 'the end of the filter';
    if (tok.t === 'word') return `"${tok.v}" at position ${tok.at + 1}`;
    if (tok.t === 'str') return `the string ${JSON.stringify(tok.v)} at position ${tok.at + 1}`;
    if (tok.t === 'num') return `the number ${tok.v} at position ${tok.at + 1}`;
    return `"${tok.t}" at position ${tok.at + 1}`;
  }
  private expect(kind: ')' | ']', what: string): void {
    const tok = this.next();
    if (tok.t !== kind) throw new FilterSyntaxError(`expected "${kind}" ${what}, found ${this.describe(tok)}`);
  }

  parseAll(): Filter {
    const f = this.parseOr(false);
    const tok = this.peek();
    if (tok.t !== 'end') throw new FilterSyntaxError(`expected "and", "or" or the end of the filter, found ${this.describe(tok)}`);
    return f;
  }

  private parseOr(inValuePath: boolean): Filter {
    let left = this.parseAnd(inValuePath);
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { op: 'or', left, right: this.parseAnd(inValuePath) };
    }
    return left;
  }

  private parseAnd(inValuePath: boolean): Filter {
    let left = this.parseUnary(inValuePath);
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { op: 'and', left, right: this.parseUnary(inValuePath) };
    }
    return left;
  }

  private parseUnary(inValuePath: boolean): Filter {
    if (++this.depth > MAX_DEPTH) throw new FilterSyntaxError(`filter nested deeper than ${MAX_DEPTH} levels`);
    try {
      const tok = this.peek();
      if (this.isWord(tok, 'not')) {
        this.next();
        if (this.peek().t !== '(') throw new FilterSyntaxError(`expected "(" after "not", found ${this.describe(this.peek())}`);
        this.next();
        const inner = this.parseOr(inValuePath);
        this.expect(')', 'to close "not ("');
        return { op: 'not', filter: inner };
      }
      if (tok.t === '(') {
        this.next();
        const inner = this.parseOr(inValuePath);
        this.expect(')', 'to close "("');
        return inner;
      }
      if (tok.t !== 'word') throw new FilterSyntaxError(`expected an attribute name, "not" or "(", found ${this.describe(tok)}`);
      this.next();
      const attr = parseAttrPath(tok.v);
      if (this.peek().t === '[') {
        if (inValuePath)
          throw new FilterSyntaxError(`a value filter cannot be nested inside another one ("${tok.v}[" at position ${tok.at + 1})`);
        if (attr.sub)
          throw new FilterSyntaxError(`"${tok.v}[": a value filter applies to a multi-valued attribute, not to a sub-attribute`);
        this.next();
        const inner = this.parseOr(true);
        this.expect(']', `to close "${tok.v}["`);
        return { op: 'valuePath', attr, filter: inner };
      }
      const opTok = this.next();
      if (opTok.t !== 'word') {
        throw new FilterSyntaxError(
          `expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le, pr) after "${tok.v}", found ${this.describe(opTok)}`,
        );
      }
      const op = opTok.v.toLowerCase();
      if (op === 'pr') return { op: 'pr', attr };
      if (!(COMPARE_OPS as readonly string[]).includes(op)) {
        throw new FilterSyntaxError(
          `unknown operator "${opTok.v}" after "${tok.v}"; expected one of eq, ne, co, sw, ew, gt, lt, ge, le, pr`,
        );
      }
      const valTok = this.next();
      let value: CompValue;
      if (valTok.t === 'str' || valTok.t === 'num') value = valTok.v;
      else if (this.isWord(valTok, 'true')) value = true;
      else if (this.isWord(valTok, 'false')) value = false;
      else if (this.isWord(valTok, 'null')) value = null;
      else {
        const hint = valTok.t === 'word' ? ' (string values take double quotes)' : '';
        throw new FilterSyntaxError(
          `expected a value ("string", number, true, false or null) after "${tok.v} ${opTok.v}", found ${this.describe(valTok)}${hint}`,
        );
      }
      return { op: op as CompareOp, attr, value };
    } finally {
      this.depth--;
    }
  }
}

/** Parses a filter expression; throws FilterSyntaxError naming what is wrong and where. */
export function parseFilter(text: string): Filter {
  if (text.length > MAX_LENGTH) throw new FilterSyntaxError(`filter longer than ${MAX_LENGTH} characters`);
  if (text.trim() === '') throw new FilterSyntaxError('filter is empty');
  return new Parser(tokenize(text)).parseAll();
}

export interface PatchPath {
  /** The path as written. */
  raw: string;
  attr: AttrPath;
  /** `attr[filter]` */
  filter: Filter | null;
  /** `attr[filter].sub` */
  subAfterFilter: string | null;
}

/** Parses a PATCH `path` (RFC 7644 §3.5.2: attrPath / valuePath [subAttr]). */
export function parsePatchPath(path: string): PatchPath {
  const raw = path.trim();
  if (raw === '') throw new FilterSyntaxError('path is empty');
  if (raw.length > MAX_LENGTH) throw new FilterSyntaxError(`path longer than ${MAX_LENGTH} characters`);
  const open = raw.indexOf('[');
  if (open < 0) return { raw, attr: parseAttrPath(raw), filter: null, subAfterFilter: null };
  const attr = parseAttrPath(raw.slice(0, open).trim());
  if (attr.sub) throw new FilterSyntaxError(`"${raw}": a value filter applies to a multi-valued attribute, not to a sub-attribute`);
  // Find the "]" closing the filter, skipping string literals.
  let close = -1;
  let inString = false;
  for (let j = open + 1; j < raw.length; j++) {
    const c = raw[j]!;
    if (inString) {
      if (c === '\\') j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ']') {
      close = j;
      break;
    }
  }
  if (close < 0) throw new FilterSyntaxError(`"${raw}": missing "]" closing the value filter`);
  const inner = raw.slice(open + 1, close);
  let filter: Filter;
  try {
    filter = new Parser(tokenize(inner)).parseAll();
  } catch (err) {
    throw new FilterSyntaxError(`"${raw}": value filter: ${(err as Error).message}`);
  }
  if (containsValuePath(filter)) throw new FilterSyntaxError(`"${raw}": a value filter cannot be nested inside another one`);
  const rest = raw.slice(close + 1);
  if (rest === '') return { raw, attr, filter, subAfterFilter: null };
  const m = /^\.([A-Za-z$][A-Za-z0-9_\-$]*)$/.exec(rest);
  if (!m || !ATTRNAME.test(m[1]!)) throw new FilterSyntaxError(`"${raw}": expected ".subAttribute" or nothing after "]", found "${rest}"`);
  return { raw, attr, filter, subAfterFilter: m[1]! };
}

function containsValuePath(f: Filter): boolean {
  switch (f.op) {
    case 'and':
    case 'or':
      return containsValuePath(f.left) || containsValuePath(f.right);
    case 'not':
      return containsValuePath(f.filter);
    case 'valuePath':
      return true;
    default:
      return false;
  }
}

// --- evaluation of value filters (elements of a multi-valued complex attribute) -----------------

/** Whether the sub-attribute `name` compares case-sensitively (schema caseExact). */
export type CaseExactOf = (name: string) => boolean;

function lookup(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(obj)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function coerceBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return null;
}

function compare(op: CompareOp, actual: unknown, expected: CompValue, caseExact: boolean): boolean {
  if (expected === null) {
    const absent = actual === undefined || actual === null;
    return op === 'eq' ? absent : op === 'ne' ? !absent : false;
  }
  if (actual === undefined || actual === null) return op === 'ne';
  if (typeof expected === 'boolean') {
    const a = coerceBoolean(actual);
    if (a === null) return op === 'ne';
    return op === 'eq' ? a === expected : op === 'ne' ? a !== expected : false;
  }
  if (typeof expected === 'number') {
    const a = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : NaN;
    if (Number.isNaN(a)) return op === 'ne';
    switch (op) {
      case 'eq':
        return a === expected;
      case 'ne':
        return a !== expected;
      case 'gt':
        return a > expected;
      case 'ge':
        return a >= expected;
      case 'lt':
        return a < expected;
      case 'le':
        return a <= expected;
      default:
        return false;
    }
  }
  if (typeof actual !== 'string') {
    if (typeof actual === 'boolean' || typeof actual === 'number') return compare(op, String(actual), expected, caseExact);
    return op === 'ne';
  }
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'co':
      return a.includes(e);
    case 'sw':
      return a.startsWith(e);
    case 'ew':
      return a.endsWith(e);
    case 'gt':
      return a > e;
    case 'ge':
      return a >= e;
    case 'lt':
      return a < e;
    case 'le':
      return a <= e;
  }
}

/** Evaluates a value filter against one element of a multi-valued complex attribute. */
export function matchesElement(f: Filter, element: unknown, caseExactOf: CaseExactOf): boolean {
  const obj =
    element !== null && typeof element === 'object' && !Array.isArray(element) ? (element as Record<string, unknown>) : { value: element };
  switch (f.op) {
    case 'and':
      return matchesElement(f.left, obj, caseExactOf) && matchesElement(f.right, obj, caseExactOf);
    case 'or':
      return matchesElement(f.left, obj, caseExactOf) || matchesElement(f.right, obj, caseExactOf);
    case 'not':
      return !matchesElement(f.filter, obj, caseExactOf);
    case 'valuePath':
      return false;
    case 'pr': {
      const v = lookup(obj, f.attr.name);
      return v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0);
    }
    default:
      return compare(f.op, lookup(obj, f.attr.name), f.value, caseExactOf(f.attr.name));
  }
}

/**
 * The attribute values a filter pins with `eq` in a pure conjunction (`type eq "work"`,
 * `type eq "work" and primary eq true`), or null when it is anything else. Used to create the
 * element a replace/add with a value filter targets when no element matches yet.
 */
export function eqConjunction(f: Filter): Record<string, CompValue> | null {
  if (f.op === 'eq') return f.attr.sub || f.attr.uri ? null : { [f.attr.name]: f.value };
  if (f.op === 'and') {
    const l = eqConjunction(f.left);
    const r = eqConjunction(f.right);
    return l && r ? { ...l, ...r } : null;
  }
  return null;
}
