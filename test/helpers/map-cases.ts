// Scaffolding shared by the vendor mapping tests (test/unit/sources/<vendor>/map.test.ts): reading
// a vendor's fixtures, building the NormalizeInput of a webhook delivery, completing a MappedEvent
// the way the normalizer does before the IdentityEvent schema check, and the property test every
// vendor runs (mutated fixtures and random bodies never make normalize() throw anything but a
// described Error, and every event it gives passes the schema). The literal expectations stay in
// each vendor's test file.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';
import { IdentityEventSchema, type MappedEvent } from '../../core/events/identity-event.ts';
import type { NormalizeInput, NormalizeOutcome, RejectedItem } from '../../source-kit/source-module.ts';

/** The JSON fixtures of one vendor (test/fixtures/<vendor>/*.json). */
export function vendorFixtures(vendor: string) {
  const dir = fileURLToPath(new URL(`../fixtures/${vendor}/`, import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const read = (file: string): string => readFileSync(dir + file, 'utf8');
  return {
    /** The fixture file names (`<name>.json`), sorted. */
    files,
    /** The text of one fixture file, named with its extension. */
    read,
    /** The parsed fixture `<name>.json`, named without its extension. */
    json: <T = Record<string, unknown>>(name: string): T => JSON.parse(read(name + '.json')) as T,
    /** Every fixture, parsed, in file-name order. */
    all: (): unknown[] => files.map((f) => JSON.parse(read(f)) as unknown),
  };
}

/**
 * The NormalizeInput of a webhook delivery as the collector builds it: a Buffer as it is, a string
 * as UTF-8, anything else as its JSON.
 */
export function webhookInput(body: unknown, receivedAt = 1_750_000_000_000): NormalizeInput {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return { body: bytes, contentType: 'application/json', transport: 'webhook', receivedAt, rawId: 'raw-1' };
}

/** What the normalizer adds to a MappedEvent before validating it; plane_keys is mapper-to-normalizer only. */
export function completer(plane: 'platform' | 'application', source: string): (mapped: MappedEvent) => unknown {
  return (mapped) => {
    const { plane_keys: _planeKeys, ...rest } = mapped;
    return { ...rest, plane, connection_id: 'c', raw_id: 'r', received_at: 1, authoritative_for: null, source };
  };
}

/** Asserts that the completed event passes the IdentityEvent schema (the issues are the failure message). */
export function expectValidEvent(complete: (mapped: MappedEvent) => unknown, ev: MappedEvent): void {
  const check = IdentityEventSchema.safeParse(complete(ev));
  expect(check.success, check.success ? '' : JSON.stringify(check.error.issues)).toBe(true);
}

/** Asserts that a delivery gave exactly one event, rejected nothing, and the event passes the schema; returns it. */
export function expectOneValidEvent(complete: (mapped: MappedEvent) => unknown, out: NormalizeOutcome): MappedEvent {
  expect(out.rejected).toEqual([]);
  expect(out.events).toHaveLength(1);
  const ev = out.events[0]!;
  expectValidEvent(complete, ev);
  return ev;
}

// --- property test ---------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path inside `v` (depth first, the root included as []). */
export function jsonPaths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => jsonPaths(x, [...prefix, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) jsonPaths(x, [...prefix, k], out);
  return out;
}

/** A copy of `root` with each edit applied: [which path (mod their count), the new value, remove the member instead]. */
export function mutateJson(root: Json, edits: Array<[number, Json, boolean]>): Json {
  let doc = structuredClone(root);
  for (const [pick, value, remove] of edits) {
    const all = jsonPaths(doc);
    const path = all[pick % all.length]!;
    if (path.length === 0) {
      doc = value;
      continue;
    }
    let parent: Json = doc;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key]!;
    const last = path[path.length - 1]!;
    if (remove && !Array.isArray(parent)) delete (parent as Record<string, Json>)[last];
    else (parent as Record<string | number, Json>)[last] = value;
  }
  return doc;
}

/** Up to four edits for mutateJson. */
export const jsonEdits = fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, fc.boolean()), { maxLength: 4 });

/** One of `fixtures`, broken by up to four edits. */
export function mutatedFixture(fixtures: readonly unknown[]): fc.Arbitrary<Json> {
  return fc.tuple(fc.constantFrom(...fixtures), jsonEdits).map(([fx, e]) => mutateJson(fx as Json, e));
}

export interface NormalizeProperty<B> {
  bodies: fc.Arbitrary<B>;
  normalize(body: B): NormalizeOutcome;
  complete(mapped: MappedEvent): unknown;
  /** The vendor's assertions on the message of a body normalize() refused as a whole. */
  thrown(message: string): void;
  /** The vendor's assertions on one rejected item. */
  rejected(item: RejectedItem): void;
  numRuns: number;
}

/** normalize() never throws anything but an Error (checked by `thrown`), and every event it gives passes the schema. */
export function assertNormalizeProperty<B>(p: NormalizeProperty<B>): void {
  fc.assert(
    fc.property(p.bodies, (body) => {
      let out: NormalizeOutcome;
      try {
        out = p.normalize(body);
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        p.thrown((e as Error).message);
        return;
      }
      for (const ev of out.events) {
        const r = IdentityEventSchema.safeParse(p.complete(ev));
        if (!r.success) throw new Error(`schema failure for ${String(body)}: ${JSON.stringify(r.error.issues)}`);
      }
      for (const rej of out.rejected) p.rejected(rej);
    }),
    { numRuns: p.numRuns },
  );
}
