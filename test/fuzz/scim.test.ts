// Property-based fuzzing of the SCIM 2.0 service provider (services/scim) on real embedded
// ClickHouse: random methods, paths (known and unknown ids, odd percent-encodings), query strings
// (filters from the grammar and mutated ones, startIndex/count/attributes), If-Match headers,
// bodies (mutated Users, Groups, PatchOps and SearchRequests — passwords included — byte faults,
// deep nesting, oversized) and credentials.
//
// Property, for every request: the answer is a SCIM status (2xx, 304, 400, 401, 404, 405, 409,
// 412, 413; 501 only for POST /Bulk, bulk being unsupported), never another 5xx, within
// CASE_BOUND_MS; every 4xx carries an RFC 7644 error body; missing or wrong credentials are 401.
// Every change the provider published (its operation record) maps through the normalizer into
// events and NO dead letter (the provider's own records must always map), and no published
// envelope or log line contains a password or the bearer token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { BoundaryMapSchema } from '../../core/config/boundary-map.ts';
import { rawEnvelopeCodec, identityEventCodec, deadLetterCodec } from '../../core/avro/codecs.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { createScimHandler } from '../../services/scim/handler.ts';
import { clickhouseScimStore } from '../../services/scim/store.ts';
import { MSG_ERROR, MSG_PATCH, MSG_SEARCH, CORE_USER, CORE_GROUP, ENTERPRISE_USER } from '../../services/scim/schema.ts';
import { normalizeMessages } from '../../services/normalizer/normalizer.ts';
import { SOURCES } from '../../sources/registry.ts';
import {
  CASE_BOUND_MS,
  FUZZ_RUNS,
  FUZZ_SEED,
  Tally,
  applyByteFault,
  applyMutations,
  byteFaultArb,
  deepNestText,
  heapAfterGc,
  mutationArb,
  stringifyLoose,
} from './harness.ts';

const CONN = 'fz-scim-sp';
const TOKEN = 'scim-bearer-fuzz-3f9c2a7e51';
const PASSWORD_MARK = 'Pw-fuzz-never-stored-';
const LIMIT = 128 * 1024;
const map = BoundaryMapSchema.parse({ connections: [{ id: CONN, vendor: 'scim', transport: 'scim', secret_env: 'FZ_SCIM' }] });

let ch: ClickHouse;
let server: http.Server;
let base: string;
const published: RawEnvelope[] = [];
const logLines: string[] = [];
const log = pino(
  { level: 'debug' },
  new Writable({
    write(chunk, _enc, cb) {
      logLines.push(String(chunk));
      cb();
    },
  }),
);
const tally = new Tally();
const known = { users: [] as string[], groups: [] as string[] };
let heapBefore = 0;
let passwordCounter = 0;

const user = (n: number) => ({
  schemas: [CORE_USER, ENTERPRISE_USER],
  userName: `fuzz.user${n}@acme.example`,
  externalId: `ext-${n}`,
  name: { givenName: 'Fuzz', familyName: `User${n}` },
  displayName: `Fuzz User ${n}`,
  emails: [{ value: `fuzz.user${n}@acme.example`, type: 'work', primary: true }],
  active: true,
  password: `${PASSWORD_MARK}seed-${n}`,
  [ENTERPRISE_USER]: { employeeNumber: String(n), department: 'R&D', manager: { value: 'm-1' } },
});
const group = (n: number, members: string[]) => ({
  schemas: [CORE_GROUP],
  displayName: `Fuzz Group ${n}`,
  externalId: `g-${n}`,
  members: members.map((value) => ({ value, type: 'User' })),
});

beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(join(tmpdir(), 'pw-fuzz-scim-')) });
  await migrate(ch.client);
  const handler = createScimHandler({
    map,
    secrets: new Map([[CONN, TOKEN]]),
    store: clickhouseScimStore(ch.client),
    publish: async (env) => {
      published.push(env);
    },
    log,
    maxBodyBytes: LIMIT,
    ackTimeoutMs: 10_000,
    stateWriteRetryDelaysMs: [10],
  });
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/${CONN}`;
  for (let i = 0; i < 4; i++) {
    const r = await fetch(`${base}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(user(i)),
    });
    known.users.push(((await r.json()) as { id: string }).id);
  }
  for (let i = 0; i < 2; i++) {
    const r = await fetch(`${base}/Groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(group(i, known.users.slice(i, i + 2))),
    });
    known.groups.push(((await r.json()) as { id: string }).id);
  }
  heapBefore = heapAfterGc();
}, 120_000);

afterAll(async () => {
  tally.print('SCIM service provider');
  await new Promise<void>((r) => {
    server?.close(() => r());
    server?.closeAllConnections();
  });
  await ch?.close();
});

const FILTERS = [
  'userName eq "fuzz.user1@acme.example"',
  'userName sw "fuzz"',
  'emails[type eq "work" and value co "acme"]',
  'active eq false',
  'name.familyName co "User" or displayName pr',
  'not (userName eq "x")',
  'meta.lastModified gt "2020-01-01T00:00:00Z"',
  'externalId eq "ext-1"',
  'displayName eq "Fuzz Group 0"',
  'members[value eq "x"]',
  'userName eq "x\' OR 1=1 --"',
  'userName eq "\\"); DROP TABLE scim_resources; --"',
  '((((((((((userName pr))))))))))',
  'userName eq',
  'eq eq eq',
  '"',
  '(',
  'a[b[c[d]]]',
];

const pathArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '/Users',
      '/Groups',
      '/Users/.search',
      '/Groups/.search',
      '/ServiceProviderConfig',
      '/Schemas',
      '/ResourceTypes',
      '/ResourceTypes/User',
      `/Schemas/${CORE_USER}`,
      '/',
      '/Bulk',
      '/Me',
    ),
  },
  { weight: 4, arbitrary: fc.nat().map((i) => `/Users/__USER${i}__`) },
  { weight: 2, arbitrary: fc.nat().map((i) => `/Groups/__GROUP${i}__`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/Users/${encodeURIComponent(s)}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/Users/%E0%A4%A',
      '/Users/%ff',
      '/Users/a/b/c',
      '//Users//',
      '/Users/../Groups',
      '/users',
      '/GROUPS/.SEARCH',
    ),
  },
);

const queryArb = fc.record({
  filter: fc.option(
    fc.oneof(
      fc.constantFrom(...FILTERS),
      fc.string({ maxLength: 120 }),
      fc.constantFrom(...FILTERS).chain((f) => fc.nat().map((i) => f.slice(0, i % (f.length + 1)))),
    ),
    { nil: undefined },
  ),
  startIndex: fc.option(fc.oneof(fc.integer({ min: -5, max: 50 }).map(String), fc.constantFrom('x', '1e9', '99999999999999999999', '')), {
    nil: undefined,
  }),
  count: fc.option(fc.oneof(fc.integer({ min: -5, max: 500 }).map(String), fc.constantFrom('x', '-0', '')), { nil: undefined }),
  attributes: fc.option(
    fc.constantFrom('userName', 'emails.value,name', 'members', 'x..y', ',,,', 'urn:ietf:params:scim:schemas:core:2.0:User:userName'),
    { nil: undefined },
  ),
  excludedAttributes: fc.option(fc.constantFrom('groups', 'members', 'id', 'meta'), { nil: undefined }),
});

const BODY_SEEDS: unknown[] = [
  user(100),
  group(100, ['__USER0__', '__USER1__']),
  { schemas: [MSG_PATCH], Operations: [{ op: 'replace', path: 'active', value: false }] },
  { schemas: [MSG_PATCH], Operations: [{ op: 'replace', value: { active: true, displayName: 'X', password: `${PASSWORD_MARK}patch` } }] },
  { schemas: [MSG_PATCH], Operations: [{ op: 'replace', path: 'password', value: `${PASSWORD_MARK}path` }] },
  {
    schemas: [MSG_PATCH],
    Operations: [
      { op: 'add', path: 'members', value: [{ value: '__USER2__' }] },
      { op: 'remove', path: 'members[value eq "__USER0__"]' },
    ],
  },
  {
    schemas: [MSG_PATCH],
    Operations: [
      { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@acme.example' },
      { op: 'remove', path: 'name.givenName' },
    ],
  },
  { schemas: [MSG_SEARCH], filter: 'userName sw "fuzz"', startIndex: 1, count: 5, attributes: ['userName'] },
];

type Auth = 'valid' | 'missing' | 'wrong' | 'basic';
/** Coherent operations (what an IdP sends) most of the time, anything at all otherwise. */
const operationArb: fc.Arbitrary<{ method: string; path: string; seed: number | null }> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ method: 'POST', path: '/Users', seed: 0 }) },
  { weight: 1, arbitrary: fc.constant({ method: 'POST', path: '/Groups', seed: 1 }) },
  { weight: 2, arbitrary: fc.nat().map((i) => ({ method: 'PUT', path: `/Users/__USER${i}__`, seed: 0 })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.nat(), fc.integer({ min: 2, max: 6 }))
      .map(([i, seed]) => ({ method: 'PATCH', path: `/Users/__USER${i}__`, seed })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.nat(), fc.constantFrom(2, 5)).map(([i, seed]) => ({ method: 'PATCH', path: `/Groups/__GROUP${i}__`, seed })),
  },
  { weight: 1, arbitrary: fc.nat().map((i) => ({ method: 'PUT', path: `/Groups/__GROUP${i}__`, seed: 1 })) },
  { weight: 2, arbitrary: fc.constantFrom('/Users', '/Groups').map((path) => ({ method: 'GET', path, seed: null })) },
  { weight: 1, arbitrary: fc.constantFrom('/Users/.search', '/Groups/.search').map((path) => ({ method: 'POST', path, seed: 7 })) },
  { weight: 1, arbitrary: fc.nat().map((i) => ({ method: 'GET', path: `/Users/__USER${i}__`, seed: null })) },
  { weight: 1, arbitrary: fc.nat().map((i) => ({ method: 'DELETE', path: `/Users/__USER${i + 4}__`, seed: null })) },
  {
    weight: 3,
    arbitrary: fc.record({
      method: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') },
        { weight: 1, arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PROPFIND', 'LOCK') },
      ),
      path: pathArb,
      seed: fc.option(fc.nat({ max: 7 }), { nil: null }),
    }),
  },
);
const reqArb = fc
  .record({
    op: operationArb,
    query: queryArb,
    body: fc.oneof(
      {
        weight: 10,
        arbitrary: fc.record({
          kind: fc.constant('mutated' as const),
          mutations: fc.array(mutationArb, { maxLength: 3 }),
          fault: byteFaultArb,
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('none' as const) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 512 }) }) },
      {
        weight: 1,
        arbitrary: fc.record({
          kind: fc.constant('deep' as const),
          depth: fc.integer({ min: 500, max: 60_000 }),
          shape: fc.constantFrom('array' as const, 'object' as const),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('oversized' as const), extra: fc.integer({ min: 1, max: 4096 }) }) },
    ),
    ifMatch: fc.option(fc.constantFrom('*', 'W/"1"', 'W/"2"', '"1"', 'W/"999"', 'garbage', '"', ''), { nil: undefined }),
    auth: fc.constantFrom<Auth>('valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'valid', 'missing', 'wrong', 'basic'),
  })
  .map((r) => ({ ...r, method: r.op.method, path: r.op.path }));
type Req = typeof reqArb extends fc.Arbitrary<infer T> ? T : never;

function resolveIds(text: string): string {
  return text
    .replace(/__USER(\d+)__/g, (_, i: string) => known.users[Number(i) % known.users.length]!)
    .replace(/__GROUP(\d+)__/g, (_, i: string) => known.groups[Number(i) % known.groups.length]!);
}

function bodyOf(r: Req): Buffer | undefined {
  const b = r.body;
  switch (b.kind) {
    case 'none':
      return undefined;
    case 'bytes':
      return Buffer.from(b.bytes);
    case 'deep':
      return Buffer.from(deepNestText(b.depth, b.shape));
    case 'oversized':
      return Buffer.from(JSON.stringify({ userName: 'big', displayName: 'x'.repeat(LIMIT + b.extra) }));
    case 'mutated': {
      if (r.op.seed === null) return undefined;
      // Fresh names (uniqueness) and a fresh password each time: any later occurrence of it outside the request is a leak.
      const n = ++passwordCounter;
      const text = resolveIds(stringifyLoose(applyMutations(BODY_SEEDS[r.op.seed], b.mutations)))
        .replaceAll(PASSWORD_MARK, `${PASSWORD_MARK}${n}-`)
        .replaceAll('fuzz.user100@', `fuzz.user100-${n}@`)
        .replaceAll('Fuzz Group 100', `Fuzz Group 100-${n}`);
      return applyByteFault(Buffer.from(text), b.fault);
    }
  }
}

function normalizePublished(env: RawEnvelope): number {
  const out = normalizeMessages([{ value: rawEnvelopeCodec.encode(env), offset: '0' }], TOPICS.raw, 0, map, SOURCES, Date.now());
  const reasons = out.dlq.map((m) => deadLetterCodec.decode(m.value as Buffer).reason);
  expect(reasons, "the provider's own operation record must always map").toEqual([]);
  for (const m of out.events) expect(identityEventCodec.decode(m.value as Buffer).raw_id).toBe(env.id);
  return out.events.length;
}

describe('fuzz SCIM service provider', () => {
  it(
    `answers every request with a SCIM status and publishes only mappable, password-free records (${FUZZ_RUNS} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(reqArb, async (r) => {
          const qs = new URLSearchParams(
            Object.entries(r.query)
              .filter(([, v]) => v !== undefined)
              .map(([k, v]) => [k, resolveIds(v!)]),
          );
          const body = bodyOf(r);
          const headers: Record<string, string> = { 'content-type': 'application/scim+json' };
          if (r.auth === 'valid') headers.authorization = `Bearer ${TOKEN}`;
          if (r.auth === 'wrong') headers.authorization = `Bearer ${TOKEN}0`;
          if (r.auth === 'basic') headers.authorization = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
          if (r.ifMatch !== undefined) headers['if-match'] = r.ifMatch;
          const before = published.length;
          const t0 = performance.now(); // the system's time only, not the generator's
          const res = await fetch(`${base}${resolveIds(r.path)}${qs.size ? `?${qs}` : ''}`, {
            method: r.method,
            headers,
            ...(body !== undefined && !['GET', 'HEAD'].includes(r.method) ? { body: new Uint8Array(body) } : {}),
            signal: AbortSignal.timeout(CASE_BOUND_MS),
          });
          const text = await res.text();
          // RFC 7644 §3.12 (Table 8): POST /Bulk is 501 Not Implemented, ServiceProviderConfig saying bulk is unsupported.
          const bulk = r.auth === 'valid' && r.method === 'POST' && r.path === '/Bulk';
          if (bulk) expect(res.status, text.slice(0, 300)).toBe(501);
          else expect(res.status, `${r.method} ${r.path}: ${text.slice(0, 300)}`).toBeLessThan(500);
          if (r.auth !== 'valid' && res.status !== 404 && res.status !== 429) expect(res.status).toBe(401);
          expect([200, 201, 204, 304, 400, 401, 404, 405, 409, 412, 413, ...(bulk ? [501] : [])]).toContain(res.status);
          if (res.status >= 400 && r.method !== 'HEAD') {
            const err = JSON.parse(text) as { schemas: string[]; status: string; detail: string };
            expect(err.schemas).toEqual([MSG_ERROR]);
            expect(err.status).toBe(String(res.status));
            expect(typeof err.detail).toBe('string');
          }
          expect(text.includes(PASSWORD_MARK)).toBe(false);
          let events = 0;
          for (const env of published.slice(before)) {
            expect(env.body.includes(PASSWORD_MARK)).toBe(false);
            events += normalizePublished(env);
          }
          if (res.status === 201 && known.users.length < 40 && r.path.startsWith('/Users'))
            known.users.push((JSON.parse(text) as { id: string }).id);
          const ms = performance.now() - t0;
          expect(ms).toBeLessThan(CASE_BOUND_MS);
          tally.record(
            'scim (service provider)',
            `${res.status}${published.length > before ? (events ? ':record+events' : ':record') : ''}`,
            ms,
          );
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED, endOnFailure: true },
      );
      expect(tally.cases('scim (service provider)')).toBeGreaterThanOrEqual(FUZZ_RUNS);
    },
    Math.max(180_000, FUZZ_RUNS * 400),
  );

  it('logged no handler crash, no password and no token, and kept the heap bounded', () => {
    const lines = logLines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(logLines.filter((l) => l.includes(PASSWORD_MARK) || l.includes(TOKEN))).toEqual([]);
    published.length = 0;
    expect(heapAfterGc() - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});
