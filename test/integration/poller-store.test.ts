// The poller's ClickHouse state store on real chDB: checkpoints, inventory sets and status survive
// a reopen (a process restart), and the newest write wins (ReplacingMergeTree read with FINAL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { ClickHousePollerStore, emptyStatus } from '../../store/poller-state.ts';

const tmp = mkdtempSync(join(tmpdir(), 'planewatch-poller-store-'));
let ch: ClickHouse;

beforeAll(async () => {
  ch = createClickHouse({ dataDir: tmp });
  await migrate(ch.client);
});
afterAll(async () => {
  await ch?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('ClickHousePollerStore', () => {
  it('stores checkpoints per connection and stream; the newest wins, also after a reopen', async () => {
    let clock = 1_800_000_000_000;
    const store = new ClickHousePollerStore(ch.client, () => clock);
    expect(await store.loadCheckpoint('openai-main', 'pages')).toBeNull();
    await store.saveCheckpoint('openai-main', 'pages', { v: 1, watermark: 10, seen: ['a'] }, 'first');
    await store.saveCheckpoint('openai-main', 'pages', { v: 1, watermark: 20, seen: ['b'] }, 'second'); // same ms: the version still increases
    clock += 5;
    await store.saveCheckpoint('other', 'pages', { n: 1 }, 'other');
    await ch.close();
    ch = createClickHouse({ dataDir: tmp });
    const reopened = new ClickHousePollerStore(ch.client);
    expect(await reopened.loadCheckpoint('openai-main', 'pages')).toEqual({ v: 1, watermark: 20, seen: ['b'] });
    expect(await reopened.loadCheckpoint('other', 'pages')).toEqual({ n: 1 });
    expect(await reopened.loadCheckpoint('openai-main', 'inventory')).toBeNull();
  });

  it('stores the last complete snapshot set with its descriptive fields', async () => {
    const store = new ClickHousePollerStore(ch.client, () => 1_800_000_000_000);
    const objects = [
      { kind: 'project_api_key', scope: 'proj_a', id: 'key_1', subject_kind: 'api_key', name: 'ci', credential_kind: 'project_key' },
      { kind: 'user', scope: null, id: 'user-1', subject_kind: 'human', email: 'ada@acme.example', name: 'Ada' },
    ];
    await store.saveSnapshot('openai-main', { snapshotId: 'snap_1', completedAt: 1_800_000_000_123, objects });
    await store.saveSnapshot('openai-main', { snapshotId: 'snap_2', completedAt: 1_800_000_000_456, objects: objects.slice(1) });
    expect(await store.loadSnapshot('openai-main')).toEqual({
      snapshotId: 'snap_2',
      completedAt: 1_800_000_000_456,
      objects: objects.slice(1),
    });
    expect(await store.loadSnapshot('nobody')).toBeNull();
  });

  it('round-trips a status row', async () => {
    const store = new ClickHousePollerStore(ch.client, () => 1_800_000_000_000);
    const s = {
      ...emptyStatus('openai-main', 'pages' as const, 'openai'),
      last_attempt_at: 1_800_000_000_001,
      last_success_at: null,
      checkpoint_summary: 'effective_at >= …',
      last_error: 'authentication failed (HTTP 401): nope',
      last_error_kind: 'auth' as const,
      last_error_at: 1_800_000_000_002,
      consecutive_failures: 3,
      pages_total: 12,
      items_total: 1200,
      dlq_total: 1,
    };
    await store.saveStatus(s);
    expect(await store.loadStatus('openai-main', 'pages')).toEqual(s);
    expect(await store.loadStatus('openai-main', 'inventory')).toBeNull();
  });
});
