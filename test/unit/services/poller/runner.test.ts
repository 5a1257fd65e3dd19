// The poll runner with an in-memory store and a scripted vendor module: ordering of publish and
// checkpoint, malformed pages, auth failures, and inventory diffs (removed exactly once, never from
// a partial snapshot).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { startPollRunner } from '../../../../services/poller/runner.ts';
import { MemoryPollerStore } from '../../../../store/poller-state.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE, normalizeInventoryRemoved, removedEventId } from '../../../../source-kit/poll/inventory.ts';
import { PollAuthError } from '../../../../source-kit/poll/fetch.ts';
import { PageError, type InventoryPage, type PollContext, type PolledPage, type PollerModule } from '../../../../source-kit/poller.ts';
import type { SourceModule } from '../../../../source-kit/source-module.ts';
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import type { DeadLetter } from '../../../../core/events/dead-letter.ts';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';

const log = pino({ level: 'silent' });
const map = BoundaryMapSchema.parse({ connections: [{ id: 'acme-main', vendor: 'acme', transport: 'poll', api_key_env: 'ACME_KEY' }] });

type Step = PolledPage | Error;
function moduleOf(pages: Step[][], snapshots: (InventoryPage | Error)[][]): { source: SourceModule; seenCheckpoints: unknown[] } {
  const seenCheckpoints: unknown[] = [];
  const poller: PollerModule = {
    defaultBaseUrl: 'https://api.acme.test/v1',
    async *pages(ctx: PollContext) {
      seenCheckpoints.push(ctx.checkpoint);
      for (const step of pages.shift() ?? []) {
        if (step instanceof Error) throw step;
        yield step;
      }
    },
    async *inventory() {
      for (const step of snapshots.shift() ?? []) {
        if (step instanceof Error) throw step;
        yield step;
      }
    },
    describeCheckpoint: (cp) => `at ${JSON.stringify(cp)}`,
  };
  return { source: { name: 'acme', defaultPlane: 'platform', poller, normalize: () => ({ events: [], rejected: [] }) }, seenCheckpoints };
}

function harness(mod: SourceModule, opts: { failPublishAt?: number } = {}) {
  const store = new MemoryPollerStore();
  const published: RawEnvelope[] = [];
  const dead: DeadLetter[] = [];
  const order: string[] = [];
  const origSave = store.saveCheckpoint.bind(store);
  store.saveCheckpoint = async (c, s, cp, summary) => {
    order.push(`checkpoint ${JSON.stringify(cp)}`);
    return origSave(c, s, cp, summary);
  };
  let n = 0;
  const runner = startPollRunner({
    map,
    sources: { acme: mod },
    store,
    log,
    autoStart: false,
    env: { ACME_KEY: 'k-secret' },
    now: () => 1_800_000_000_000,
    publishers: {
      publish: async (e) => {
        n++;
        if (opts.failPublishAt === n) throw new Error('broker down');
        order.push(`publish ${e.body.toString()}`);
        published.push(e);
      },
      publishDeadLetter: async (d) => void dead.push(d),
    },
  });
  return { runner, store, published, dead, order };
}

const page = (body: string, checkpoint: unknown, extra: Partial<PolledPage> = {}): PolledPage => ({
  body: Buffer.from(body),
  contentType: 'application/json',
  checkpoint,
  items: 1,
  ...extra,
});
const inv = (body: string, objects: InventoryPage['objects']): InventoryPage => ({
  body: Buffer.from(body),
  contentType: 'application/json; listing=x',
  items: objects.length,
  objects,
});

describe('poll runner: pages', () => {
  it('publishes each page and only then stores its checkpoint; the next cycle resumes from it', async () => {
    const { source, seenCheckpoints } = moduleOf(
      [[page('p1', { n: 1 }), page('p2', { n: 2 }), page('empty', { n: 3 }, { publish: false, items: 0 })], []],
      [],
    );
    const h = harness(source);
    const r = await h.runner.runCycle('acme-main', 'pages');
    expect(r).toEqual({
      connectionId: 'acme-main',
      stream: 'pages',
      ok: true,
      pages: 3,
      items: 2,
      removed: 0,
      complete: null,
      error: null,
      errorKind: null,
    });
    expect(h.order).toEqual(['publish p1', 'checkpoint {"n":1}', 'publish p2', 'checkpoint {"n":2}', 'checkpoint {"n":3}']);
    expect(h.published.map((e) => [e.transport, e.source, e.connection_id, e.verification])).toEqual([
      ['poll', 'acme', 'acme-main', { scheme: 'api-fetch', verified: true, detail: 'https://api.acme.test' }],
      ['poll', 'acme', 'acme-main', { scheme: 'api-fetch', verified: true, detail: 'https://api.acme.test' }],
    ]);
    await h.runner.runCycle('acme-main', 'pages');
    expect(seenCheckpoints).toEqual([null, { n: 3 }]);
    expect(await h.store.loadStatus('acme-main', 'pages')).toMatchObject({
      checkpoint_summary: 'at {"n":3}',
      pages_total: 3,
      items_total: 2,
      consecutive_failures: 0,
      last_error: null,
    });
  });

  it('a publish that fails leaves the checkpoint before that page (it is fetched again next cycle)', async () => {
    const { source, seenCheckpoints } = moduleOf([[page('p1', { n: 1 }), page('p2', { n: 2 })], []], []);
    const h = harness(source, { failPublishAt: 2 });
    const r = await h.runner.runCycle('acme-main', 'pages');
    expect([r.ok, r.pages, r.error, r.errorKind]).toEqual([false, 1, 'broker down', 'other']);
    await h.runner.runCycle('acme-main', 'pages');
    expect(seenCheckpoints).toEqual([null, { n: 1 }]);
  });

  it('a malformed page goes to the DLQ with its bytes and stops the cycle; status counts it', async () => {
    const { source } = moduleOf([[page('p1', { n: 1 }), new PageError('body is not valid JSON', Buffer.from('{"data":[{'))]], []);
    const h = harness(source);
    const r = await h.runner.runCycle('acme-main', 'pages');
    expect([r.ok, r.errorKind, r.error]).toEqual([false, 'page', 'malformed page: body is not valid JSON']);
    expect(h.dead.map((d) => [d.stage, d.reason, d.source, d.connection_id, d.payload.toString()])).toEqual([
      ['poller', 'acme pages page: body is not valid JSON', 'acme', 'acme-main', '{"data":[{'],
    ]);
    expect(await h.store.loadStatus('acme-main', 'pages')).toMatchObject({
      dlq_total: 1,
      consecutive_failures: 1,
      last_error_kind: 'page',
      last_error_at: 1_800_000_000_000,
    });
  });

  it('an auth failure (even wrapped by an SDK) is recorded with the vendor message', async () => {
    const wrapped = new Error('Connection error.', {
      cause: new PollAuthError(401, 'Incorrect API key provided', 'https://api.acme.test/v1/logs'),
    });
    const { source } = moduleOf([[wrapped], [wrapped]], []);
    const h = harness(source);
    await h.runner.runCycle('acme-main', 'pages');
    await h.runner.runCycle('acme-main', 'pages');
    expect(await h.store.loadStatus('acme-main', 'pages')).toMatchObject({
      last_error: 'authentication failed (HTTP 401): Incorrect API key provided',
      last_error_kind: 'auth',
      consecutive_failures: 2,
      last_success_at: null,
    });
  });

  it('a missing api key is a config error naming the variable', async () => {
    const { source } = moduleOf([[page('p', 1)]], []);
    const store = new MemoryPollerStore();
    const runner = startPollRunner({
      map,
      sources: { acme: source },
      store,
      log,
      autoStart: false,
      env: {},
      publishers: { publish: async () => {}, publishDeadLetter: async () => {} },
    });
    const r = await runner.runCycle('acme-main', 'pages');
    expect([r.errorKind, r.error]).toEqual([
      'config',
      'environment variable ACME_KEY is not set (the acme admin key of connection "acme-main")',
    ]);
  });
});

describe('poll runner: inventory diff', () => {
  const k1 = { kind: 'project_api_key', scope: 'proj_a', id: 'key_1', subject_kind: 'api_key', name: 'ci', credential_kind: 'project_key' };
  const k2 = {
    kind: 'project_api_key',
    scope: 'proj_a',
    id: 'key_2',
    subject_kind: 'api_key',
    name: 'bot',
    credential_kind: 'service_account_key',
  };
  const u1 = { kind: 'user', scope: null, id: 'user-1', subject_kind: 'human', email: 'Ada@Acme.example', name: 'Ada' };

  it('a key deleted between two complete snapshots produces exactly one removed event; a partial snapshot produces none', async () => {
    const { source } = moduleOf(
      [],
      [
        [inv('users-1', [u1]), inv('keys-1', [k1, k2])],
        [inv('users-2', [u1]), inv('keys-2', [k1])],
        [inv('users-3', [u1]), new PageError('bad page', Buffer.from('<html>'))],
        [inv('users-4', [u1]), inv('keys-4', [k1])],
      ],
    );
    const h = harness(source);
    const first = await h.runner.runCycle('acme-main', 'inventory');
    expect([first.ok, first.complete, first.removed]).toEqual([true, true, 0]);
    const snap1 = (await h.store.loadSnapshot('acme-main'))!;

    const second = await h.runner.runCycle('acme-main', 'inventory');
    expect([second.ok, second.complete, second.removed]).toEqual([true, true, 1]);
    const removed = h.published.filter((e) => e.content_type === INVENTORY_REMOVED_CONTENT_TYPE);
    expect(removed).toHaveLength(1);
    const out = normalizeInventoryRemoved({
      body: removed[0]!.body,
      contentType: removed[0]!.content_type,
      transport: 'inventory',
      receivedAt: 0,
      rawId: removed[0]!.id,
    })!;
    expect(
      out.events.map((e) => ({
        event_id: e.event_id,
        category: e.category,
        action: e.action,
        subject: e.subject,
        credential: e.credential,
        tenant_id: e.tenant_id,
        vendor_type: e.vendor_type,
        occurred_at: e.occurred_at,
      })),
    ).toEqual([
      {
        // documented formula: sha256 of connection, kind, scope, id, last snapshot seen in (each \0-terminated)
        event_id:
          'inv_removed_' +
          createHash('sha256').update(`acme-main\0project_api_key\0proj_a\0key_2\0${snap1.snapshotId}\0`).digest('hex').slice(0, 32),
        category: 'inventory',
        action: 'removed',
        subject: { kind: 'api_key', id: 'key_2', email: null, name: 'bot' },
        credential: {
          id: 'key_2',
          kind: 'service_account_key',
          owner_id: null,
          owner_kind: null,
          scopes: [],
          created_at: null,
          last_used_at: null,
        },
        tenant_id: 'proj_a',
        vendor_type: 'inventory.project_api_key.removed',
        occurred_at: 1_800_000_000_000,
      },
    ]);

    // Partial snapshot (failed page): key_1 is missing from what was listed, but nothing is removed
    // and the stored set stays the last complete one.
    const third = await h.runner.runCycle('acme-main', 'inventory');
    expect([third.ok, third.complete, third.removed, third.errorKind]).toEqual([false, false, 0, 'page']);
    expect(h.published.filter((e) => e.content_type === INVENTORY_REMOVED_CONTENT_TYPE)).toHaveLength(1);
    expect((await h.store.loadSnapshot('acme-main'))!.objects.map((o) => o.id)).toEqual(['user-1', 'key_1']);
    expect(h.dead.map((d) => d.reason)).toEqual(['acme inventory page: bad page']);

    // The next complete snapshot still has key_1: nothing removed.
    const fourth = await h.runner.runCycle('acme-main', 'inventory');
    expect([fourth.ok, fourth.removed]).toEqual([true, 0]);
  });

  it('a crash after publishing removals but before storing the set re-derives the same event id', () => {
    expect(removedEventId('c', k2, 'snap_1')).toBe(removedEventId('c', { ...k2 }, 'snap_1'));
    expect(removedEventId('c', k2, 'snap_1')).not.toBe(removedEventId('c', k2, 'snap_2'));
    expect(removedEventId('c', k2, 'snap_1')).not.toBe(removedEventId('other', k2, 'snap_1'));
  });

  it('the first snapshot of a connection removes nothing', async () => {
    const { source } = moduleOf([], [[inv('keys', [k1])]]);
    const h = harness(source);
    expect((await h.runner.runCycle('acme-main', 'inventory')).removed).toBe(0);
  });
});
