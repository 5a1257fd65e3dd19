// Shared pieces of the property-based fuzz suite (fast-check):
// - FUZZ_RUNS: cases per source (CI default small; `FUZZ_RUNS=10000 npm run test:fuzz` for the full run);
// - arbitraries that start from real vendor payloads (fixtures, sample deliveries) and break them
//   structurally (wrong types, missing/extra keys, deep nesting, huge strings and arrays) and at
//   the byte level (truncation, invalid UTF-8, BOM), plus purely random bytes / JSON;
// - a per-source tally (cases, outcomes, slowest case) printed at the end of each file, and a heap
//   check: memory after the run (after a full GC) must not have grown without bound.
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 150) || 150);
/** Seed for reproducing a run (printed with the counts); fast-check prints the failing seed/path too. */
export const FUZZ_SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
/** A case taking longer than this is a hang, not slowness (generous: 2 cores, parallel test files). */
export const CASE_BOUND_MS = 15_000;

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixtureFiles(vendor: string): unknown[] {
  const dir = path.join(FIXTURES_DIR, vendor);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown);
}

// --- JSON surgery ----------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type PathStep = string | number;

/** Every path to a value inside `v` (the root included as []), breadth-first, capped. */
export function pathsOf(v: unknown, cap = 400): PathStep[][] {
  const out: PathStep[][] = [[]];
  const queue: { v: unknown; p: PathStep[] }[] = [{ v, p: [] }];
  while (queue.length && out.length < cap) {
    const { v: cur, p } = queue.shift()!;
    if (Array.isArray(cur))
      cur.forEach((x, i) => {
        out.push([...p, i]);
        queue.push({ v: x, p: [...p, i] });
      });
    else if (cur !== null && typeof cur === 'object')
      for (const [k, x] of Object.entries(cur)) {
        out.push([...p, k]);
        queue.push({ v: x, p: [...p, k] });
      }
  }
  return out;
}

function getAt(root: unknown, p: PathStep[]): unknown {
  let cur = root;
  for (const s of p) cur = (cur as Record<string | number, unknown>)?.[s as never];
  return cur;
}

/** Returns a new root with the value at `p` replaced (undefined = removed). */
function setAt(root: unknown, p: PathStep[], value: unknown): unknown {
  if (p.length === 0) return value;
  const parent = getAt(root, p.slice(0, -1));
  const last = p[p.length - 1]!;
  if (Array.isArray(parent) && typeof last === 'number') {
    if (value === undefined) parent.splice(last, 1);
    else parent[last] = value;
  } else if (parent !== null && typeof parent === 'object') {
    if (value === undefined) delete (parent as Record<string, unknown>)[last as string];
    else (parent as Record<string, unknown>)[last as string] = value;
  }
  return root;
}

export function deepNest(depth: number, kind: 'array' | 'object', leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** Deep nesting as text (no JS recursion needed to build or to serialize it). */
export function deepNestText(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + '1' + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

const STRANGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff',
  '\u202e',
  '\ufeff',
  'null',
  'undefined',
  '0',
  '-1',
  '1e309',
  'NaN',
  '2025-13-45T99:99:99Z',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '<script>',
  "'; DROP TABLE identity_events; --",
  '{{x}}',
  '${x}',
  '../../etc/passwd',
  'a'.repeat(300),
  '😀'.repeat(50),
  'user@',
  '@x',
  'UPPER@ACME.EXAMPLE',
];

export type Mutation =
  | { kind: 'set'; at: number; value: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'strange'; at: number; pick: number }
  | { kind: 'hugeString'; at: number; size: number }
  | { kind: 'hugeArray'; at: number; size: number }
  | { kind: 'nest'; at: number; depth: number; shape: 'array' | 'object' }
  | { kind: 'number'; at: number; value: number }
  | { kind: 'wrap'; at: number };

const jsonValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: jsonValue }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('strange' as const), at: fc.nat(), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('number' as const),
      at: fc.nat(),
      value: fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -1, 2 ** 53, -(2 ** 63), 1e308, 5e-324)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('hugeString' as const), at: fc.nat(), size: fc.integer({ min: 10_000, max: 400_000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('hugeArray' as const), at: fc.nat(), size: fc.integer({ min: 100, max: 4000 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('nest' as const),
      at: fc.nat(),
      depth: fc.integer({ min: 50, max: 20_000 }),
      shape: fc.constantFrom('array' as const, 'object' as const),
    }),
  },
);

/** A hugeArray mutation stops growing at about this many bytes of JSON. */
const MAX_HUGE_ARRAY_BYTES = 1_500_000;

export function applyMutations(seed: unknown, mutations: Mutation[]): unknown {
  let root: unknown = structuredClone(seed);
  for (const m of mutations) {
    const paths = pathsOf(root);
    const p = paths[m.at % paths.length]!;
    switch (m.kind) {
      case 'set':
        root = setAt(root, p, m.value);
        break;
      case 'delete':
        if (p.length) root = setAt(root, p, undefined);
        break;
      case 'strange':
        root = setAt(root, p, STRANGE_STRINGS[m.pick % STRANGE_STRINGS.length]);
        break;
      case 'number':
        root = setAt(root, p, m.value);
        break;
      case 'wrap':
        root = setAt(root, p, [getAt(root, p)]);
        break;
      case 'hugeString':
        root = setAt(root, p, 'x'.repeat(m.size));
        break;
      case 'hugeArray': {
        const cur = getAt(root, p);
        const el = Array.isArray(cur) && cur.length ? cur[0] : cur;
        // Bounded so the whole body stays around the collector's limit (a few MB at most), not gigabytes.
        const count = Math.max(1, Math.min(m.size, Math.floor(MAX_HUGE_ARRAY_BYTES / Math.max(1, stringifyLoose(el).length))));
        root = setAt(
          root,
          p,
          Array.from({ length: count }, () => el),
        ); // shared references: JSON has no identity
        break;
      }
      case 'nest':
        root = setAt(root, p, deepNest(m.depth, m.shape));
        break;
    }
  }
  return root;
}

/** JSON.stringify that tolerates what the mutations build (deep nesting beyond the stack): falls back to a marker. */
export function stringifyLoose(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '{"unserializable":true}';
  }
}

// --- byte-level corruption -------------------------------------------------------------------------

export type ByteFault =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'invalidUtf8'; at: number; bytes: readonly number[] }
  | { kind: 'bom' }
  | { kind: 'flip'; at: number; xor: number };

export const byteFaultArb: fc.Arbitrary<ByteFault> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('invalidUtf8' as const),
      at: fc.nat(),
      bytes: fc.constantFrom(
        [0xff],
        [0xfe, 0xff],
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0xc3],
        [0xe2, 0x82],
        [0x80],
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'bom' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }) },
);

export function applyByteFault(body: Buffer, f: ByteFault): Buffer {
  switch (f.kind) {
    case 'none':
      return body;
    case 'truncate':
      return body.subarray(0, body.length ? f.at % body.length : 0);
    case 'invalidUtf8': {
      const at = body.length ? f.at % body.length : 0;
      return Buffer.concat([body.subarray(0, at), Buffer.from(f.bytes), body.subarray(at)]);
    }
    case 'bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]);
    case 'flip': {
      if (body.length === 0) return body;
      const out = Buffer.from(body);
      out[f.at % out.length] = out[f.at % out.length]! ^ f.xor;
      return out;
    }
  }
}

// --- bodies ----------------------------------------------------------------------------------------

export type BodyCase =
  | { kind: 'mutated'; seed: number; mutations: Mutation[]; fault: ByteFault }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'json'; value: Json; fault: ByteFault }
  | { kind: 'deep'; depth: number; shape: 'array' | 'object' }
  | { kind: 'oversized'; extra: number };

/** Bodies for one vendor: mostly mutated real payloads (`seeds`), some random, some pathological. */
export function bodyCaseArb(seedCount: number): fc.Arbitrary<BodyCase> {
  return fc.oneof(
    {
      weight: 14,
      arbitrary: fc.record({
        kind: fc.constant('mutated' as const),
        seed: fc.nat({ max: seedCount - 1 }),
        mutations: fc.array(mutationArb, { minLength: 0, maxLength: 4 }),
        fault: byteFaultArb,
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 2048 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('json' as const),
        value: fc.jsonValue({ maxDepth: 5 }) as fc.Arbitrary<Json>,
        fault: byteFaultArb,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('deep' as const),
        depth: fc.integer({ min: 1000, max: 200_000 }),
        shape: fc.constantFrom('array' as const, 'object' as const),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('oversized' as const), extra: fc.integer({ min: 1, max: 64 * 1024 }) }) },
  );
}

/** The bytes of a body case; `limit` is the collector's body limit (oversized cases exceed it). */
export function bodyBytes(c: BodyCase, seeds: readonly unknown[], limit: number): Buffer {
  switch (c.kind) {
    case 'mutated': {
      const seed = seeds[c.seed]!;
      const value = typeof seed === 'string' ? seed : stringifyLoose(applyMutations(seed, c.mutations));
      const text = typeof seed === 'string' && c.mutations.length ? mutateText(seed, c.mutations) : value;
      return applyByteFault(Buffer.from(text, 'utf8'), c.fault);
    }
    case 'bytes':
      return Buffer.from(c.bytes);
    case 'json':
      return applyByteFault(Buffer.from(stringifyLoose(c.value), 'utf8'), c.fault);
    case 'deep':
      return Buffer.from(deepNestText(c.depth, c.shape), 'utf8');
    case 'oversized':
      return Buffer.from(`{"id":"evt","data":"${'x'.repeat(limit + c.extra)}"}`, 'utf8');
  }
}

/** Seeds that are text (JSONLINES bodies): mutate each line that parses, keep the others. */
function mutateText(text: string, mutations: Mutation[]): string {
  const lines = text.split('\n');
  return lines
    .map((line, i) => {
      if (line.trim() === '') return line;
      try {
        const v = JSON.parse(line) as unknown;
        return stringifyLoose(
          applyMutations(
            v,
            mutations.filter((_, j) => j % lines.length === i % Math.max(1, mutations.length)),
          ),
        );
      } catch {
        return line;
      }
    })
    .join('\n');
}

// --- tally and memory ------------------------------------------------------------------------------

export class Tally {
  readonly perSource = new Map<string, { cases: number; outcomes: Map<string, number>; slowestMs: number }>();

  record(source: string, outcome: string, ms: number): void {
    let t = this.perSource.get(source);
    if (!t) {
      t = { cases: 0, outcomes: new Map(), slowestMs: 0 };
      this.perSource.set(source, t);
    }
    t.cases++;
    t.outcomes.set(outcome, (t.outcomes.get(outcome) ?? 0) + 1);
    t.slowestMs = Math.max(t.slowestMs, ms);
  }

  cases(source: string): number {
    return this.perSource.get(source)?.cases ?? 0;
  }

  print(title: string): void {
    const lines = [`fuzz ${title} (FUZZ_RUNS=${FUZZ_RUNS}, FUZZ_SEED=${FUZZ_SEED}):`];
    for (const [source, t] of this.perSource) {
      const outcomes = [...t.outcomes]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}=${n}`)
        .join(' ');
      lines.push(`  ${source.padEnd(22)} ${String(t.cases).padStart(6)} cases   slowest ${t.slowestMs.toFixed(0)} ms   ${outcomes}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  }
}

let gcFn: (() => void) | null = null;
/** Heap in use after a full garbage collection (--expose-gc switched on at run time). */
export function heapAfterGc(): number {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}
