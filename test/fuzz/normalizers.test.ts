// Property-based fuzzing of the normalizer mappings of the polled sources (pages and inventory
// listings the poll runner publishes: OpenAI audit log + inventories, Anthropic inventories,
// WorkOS Events API pages, Okta System Log pages, inventory `removed` bodies), through the
// normalizer's batch function exactly as it runs on planewatch.raw.v1: Avro decode → the vendor
// module → zod → Avro encode. Bodies are mutated real pages (fixtures), random bytes/JSON and
// pathological shapes; content types are the ones the pollers write, sometimes damaged.
//
// Property, for every case: the batch function returns (never throws, within CASE_BOUND_MS);
// every event round-trips through Avro and carries the envelope's raw id; every dead letter has a
// reason; an envelope that yields nothing at all is a page with nothing in it (counted, checked).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoundaryMapSchema } from '../../core/config/boundary-map.ts';
import { normalizeMessages } from '../../services/normalizer/normalizer.ts';
import { deadLetterCodec, identityEventCodec, rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE, removedBody } from '../../source-kit/poll/inventory.ts';
import { SOURCES } from '../../sources/registry.ts';
import { CASE_BOUND_MS, FUZZ_RUNS, FUZZ_SEED, Tally, bodyBytes, bodyCaseArb, fixtureFiles, heapAfterGc, type BodyCase } from './harness.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES_DIR } from './harness.ts';

const map = BoundaryMapSchema.parse({
  connections: [
    { id: 'fz-openai', vendor: 'openai', transport: 'poll', api_key_env: 'FZ_OPENAI' },
    { id: 'fz-anthropic', vendor: 'anthropic', transport: 'inventory', api_key_env: 'FZ_ANTHROPIC' },
    { id: 'fz-workos-events', vendor: 'workos', transport: 'poll', api_key_env: 'FZ_WORKOS' },
    { id: 'fz-okta-log', vendor: 'okta', transport: 'poll', api_key_env: 'FZ_OKTA' },
    { id: 'fz-github-alerts', vendor: 'github', transport: 'poll', organization: 'acme', api_key_env: 'FZ_GITHUB' },
  ],
});

const json = (file: string) => JSON.parse(readFileSync(path.join(FIXTURES_DIR, file), 'utf8')) as Record<string, unknown>;
const list = (data: unknown[]) => ({ object: 'list', data, first_id: null, last_id: null, has_more: false });
const ct = (listing: string, scope?: string) =>
  `application/json; planewatch-listing=${listing}${scope ? `; planewatch-scope=${scope}` : ''}`;

interface Seed {
  contentType: string;
  body: unknown;
}

const BASE = 1_740_787_200;
const openaiAudit = Object.values(json('openai/audit-events.json'));
const openaiInventory: Seed[] = [
  {
    contentType: ct('users'),
    body: list([{ object: 'organization.user', id: 'user-1', name: 'User 1', email: 'User1@Acme.example', role: 'owner', added_at: BASE }]),
  },
  {
    contentType: ct('admin_api_keys'),
    body: list([
      {
        object: 'organization.admin_api_key',
        id: 'key_adm',
        name: 'ops',
        redacted_value: 'sk-admin...x',
        created_at: BASE,
        last_used_at: null,
        expires_at: null,
        owner: { type: 'user', id: 'user-1', name: 'User 1', role: 'owner' },
      },
    ]),
  },
  {
    contentType: ct('projects'),
    body: list([
      { object: 'organization.project', id: 'proj_a', name: 'Prod', created_at: BASE, status: 'active' },
      { object: 'organization.project', id: 'proj_old', name: 'Old', created_at: BASE, archived_at: BASE, status: 'archived' },
    ]),
  },
  {
    contentType: ct('project_users', 'proj_a'),
    body: list([
      { object: 'organization.project.user', id: 'user-1', name: 'User 1', email: 'User1@Acme.example', role: 'owner', added_at: BASE },
    ]),
  },
  {
    contentType: ct('project_service_accounts', 'proj_a'),
    body: list([{ object: 'organization.project.service_account', id: 'svc_1', name: 'bot', role: 'member', created_at: BASE }]),
  },
  {
    contentType: ct('project_api_keys', 'proj_a'),
    body: list([
      {
        object: 'organization.project.api_key',
        id: 'key_1',
        name: 'k1',
        redacted_value: 'sk-abc...def',
        created_at: BASE - 86400,
        last_used_at: BASE,
        owner_project_access: 'active',
        owner: { type: 'user', user: { id: 'user-1', email: 'User1@Acme.example', name: 'User 1', role: 'owner' } },
      },
      {
        object: 'organization.project.api_key',
        id: 'key_2',
        name: 'k2',
        redacted_value: 'sk-abc...def',
        created_at: BASE - 86400,
        last_used_at: null,
        owner_project_access: 'inactive',
        owner: { type: 'service_account', service_account: { id: 'svc_1', name: 'bot', role: 'member' } },
      },
    ]),
  },
];
const anthropicFixtures = json('anthropic/admin-api.json');
const anthropicListing = (key: string) =>
  key.startsWith('user')
    ? 'users'
    : key.startsWith('invite')
      ? 'invites'
      : key.startsWith('api_key')
        ? 'api_keys'
        : key.startsWith('workspace_member')
          ? 'workspace_members'
          : key.startsWith('workspace')
            ? 'workspaces'
            : 'service_accounts';
const anthropicSeeds: Seed[] = Object.entries(anthropicFixtures)
  .filter(([k]) => k !== '_comment')
  .map(([k, v]) => ({
    contentType: ct(anthropicListing(k), k.startsWith('workspace_member') ? 'wrkspc_1' : undefined),
    body: { data: [v], has_more: false, first_id: null, last_id: null },
  }));

const removed = (kind: string, id: string, extra: Record<string, unknown> = {}) =>
  removedBody(
    'fz',
    { kind, id, scope: null, ...extra },
    { snapshotId: 'snap_a', completedAt: BASE * 1000 },
    { snapshotId: 'snap_b', startedAt: BASE * 1000 + 3_600_000 },
  );

const SEEDS: Record<string, { connection: string; transport: 'poll' | 'inventory'; seeds: Seed[] }> = {
  'openai (audit+inventory)': {
    connection: 'fz-openai',
    transport: 'poll',
    seeds: [
      ...openaiAudit.map((e, i) => ({ contentType: ct('audit_logs'), body: list([e, openaiAudit[(i + 4) % openaiAudit.length]]) })),
      ...openaiInventory,
      {
        contentType: INVENTORY_REMOVED_CONTENT_TYPE,
        body: removed('project_api_key', 'key_9', { subject_kind: 'api_key', credential_kind: 'project_key', name: 'k9' }),
      },
    ],
  },
  'anthropic (inventory)': {
    connection: 'fz-anthropic',
    transport: 'inventory',
    seeds: [
      ...anthropicSeeds,
      { contentType: INVENTORY_REMOVED_CONTENT_TYPE, body: removed('user', 'user_9', { email: 'gone@acme.example' }) },
    ],
  },
  'workos (events API)': {
    connection: 'fz-workos-events',
    transport: 'poll',
    seeds: [
      { contentType: 'application/json; planewatch-listing=events', body: json('workos/events-api/page.json') },
      ...fixtureFiles('workos').map((e) => ({ contentType: 'application/json; planewatch-listing=events', body: list([e]) })),
    ],
  },
  'github (secret scanning: org listing pages and enriched deliveries)': {
    connection: 'fz-github-alerts',
    transport: 'poll',
    seeds: [
      {
        contentType: 'application/json; planewatch-listing=github-secret-scanning-alerts',
        body: (json('github/org-alerts.page.json') as unknown as Record<string, unknown>[]).map(({ secret: _s, ...a }) => a),
      },
      ...['created', 'resolved', 'reopened'].map((a) => ({
        contentType: 'application/json',
        body: json(`github/secret_scanning_alert.${a}.json`),
      })),
    ],
  },
  'okta (System Log)': {
    connection: 'fz-okta-log',
    transport: 'poll',
    seeds: fixtureFiles('okta').map((e, i, all) => ({ contentType: 'application/json', body: [e, all[(i + 3) % all.length]] })),
  },
};

const tally = new Tally();
let heapBefore = 0;
beforeAll(() => {
  heapBefore = heapAfterGc();
});
afterAll(() => tally.print('normalizer mappings (polled pages)'));

/** null = the seed's own content type; otherwise a damaged or foreign one. */
const contentTypeArb: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json',
      'text/plain',
      '',
      'application/json; planewatch-listing=',
      'application/json; planewatch-listing=nope',
      INVENTORY_REMOVED_CONTENT_TYPE,
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
);

describe.each(Object.keys(SEEDS))('fuzz normalizer %s', (name) => {
  const { connection, transport, seeds } = SEEDS[name]!;
  const vendor = map.connections.find((c) => c.id === connection)!.vendor;
  it(
    `maps or dead-letters every page without throwing (${FUZZ_RUNS} cases)`,
    async () => {
      const arb = fc.record({ body: bodyCaseArb(seeds.length), contentType: contentTypeArb });
      await fc.assert(
        fc.asyncProperty(arb, async ({ body: bc, contentType: ctOverride }: { body: BodyCase; contentType: string | null }) => {
          const seedIndex = bc.kind === 'mutated' ? bc.seed : 0;
          const bytes = bodyBytes(
            bc,
            seeds.map((s) => s.body),
            2 * 1024 * 1024,
          );
          const t0 = performance.now(); // the system's time only, not the generator's
          const contentType = ctOverride ?? seeds[seedIndex]!.contentType;
          const env: RawEnvelope = {
            id: rawEnvelopeId(vendor, connection, bytes),
            source: vendor,
            connection_id: connection,
            received_at: Date.now(),
            transport,
            content_type: contentType,
            headers: {},
            body: bytes,
            verification: { scheme: 'api-fetch', verified: true, detail: null },
          };
          const out = normalizeMessages([{ value: rawEnvelopeCodec.encode(env), offset: '7' }], TOPICS.raw, 0, map, SOURCES, Date.now());
          for (const m of out.events) expect(identityEventCodec.decode(m.value as Buffer).raw_id).toBe(env.id);
          for (const m of out.dlq) {
            const dl = deadLetterCodec.decode(m.value as Buffer);
            expect(dl.reason.length).toBeGreaterThan(0);
            expect(dl.raw_id).toBe(env.id);
          }
          let outcome =
            out.events.length && out.dlq.length ? 'events+dlq' : out.events.length ? 'events' : out.dlq.length ? 'dlq' : 'empty';
          if (outcome === 'empty') {
            // Nothing out and no reason: only for a well-formed page that lists nothing.
            const parsed = JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, '')) as unknown;
            const items = Array.isArray(parsed) ? parsed : (parsed as { data?: unknown[] }).data;
            expect(
              Array.isArray(items) && items.length === 0,
              `an envelope with items produced neither events nor dead letters: ${bytes.toString('utf8').slice(0, 300)}`,
            ).toBe(true);
            outcome = 'empty-page';
          }
          const ms = performance.now() - t0;
          expect(ms).toBeLessThan(CASE_BOUND_MS);
          tally.record(name, outcome, ms);
        }),
        { numRuns: FUZZ_RUNS, seed: FUZZ_SEED + name.length, endOnFailure: true },
      );
      expect(tally.cases(name)).toBeGreaterThanOrEqual(FUZZ_RUNS);
    },
    Math.max(120_000, FUZZ_RUNS * 100),
  );
});

describe('fuzz normalizers: over the whole run', () => {
  it('kept the heap bounded', () => {
    expect(heapAfterGc() - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });
});
