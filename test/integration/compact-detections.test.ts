// A detection with many open findings is re-run compactly (services/detector/evaluation/compact.ts): ClickHouse
// returns each row's fingerprint and the compared fields, and only the rows that make a transition
// are read in full. The transitions are the ones a full run makes, on real embedded ClickHouse with
// the real migrations: evidence changed, a row gone, a new row, two rows on one fingerprint, a
// changed person, a changed detail, a resolved finding matching again, most rows changed at once; a
// NULL tenant and non-ASCII ids and details are recognised as unchanged (the fingerprint and the
// detail digest in SQL equal fingerprintOf's and detailDigest's), and a volatile detail key
// changing at every run (idle_ms, declared in volatile_detail) changes nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { separateConnection } from '../../core/clickhouse/client.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { evaluate, type EvaluationResult } from '../../services/detector/evaluation/evaluate.ts';
import { COMPACT_MIN_OPEN } from '../../services/detector/evaluation/plan.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { fingerprintOf } from '../../store/findings/lifecycle.ts';
import type { Detection } from '../../store/detections/metadata.ts';
import { migratedStore } from '../helpers/migrated-store.ts';

const SQL = `SELECT 'human' AS subject_kind, id AS subject_id, email AS subject_email, 'platform' AS plane, tenant, 'openai' AS source,
       k AS key, sev AS severity, ev AS event_ids, arrayMap(x -> concat('raw-', x), ev) AS raw_ids,
       map('id', id, 'note', note, 'idle_ms', toString({now_ms:Int64})) AS detail
FROM t_compact_rows -- a trailing comment, as detection.sql files may end`;
const DETECTION: Detection = {
  id: 'PW-TEST-COMPACT',
  title: 'Compact test',
  severity: 'medium',
  planes: ['platform'],
  kind: 'state',
  description: 'rows of t_compact_rows',
  remediation: 'none',
  mappings: { owasp_nhi: [], nist_csf: [], mitre_attack: [], soc2: [] },
  scope: 'all',
  volatile_detail: ['idle_ms'],
  enabled: true,
  dir: '',
  origin: 'custom',
  sql: SQL,
  template: SQL,
};
const MAP = validateBoundaryMap({}, 'test');
const T0 = Date.parse('2027-03-01T00:00:00Z');
const N = COMPACT_MIN_OPEN + 100;
const ids = Array.from({ length: N }, (_, i) => `u${String(i).padStart(5, '0')}`);

const store = migratedStore('pw-compact-');
let client: ClickHouseClient;
/** Every query's text and parameters, as the engine sent them through `client`. */
const sent: { query: string; params: Record<string, unknown> }[] = [];

beforeAll(async () => {
  await store.client.command({
    query: `CREATE TABLE t_compact_rows (id String, email String, tenant Nullable(String), k String, sev String, ev Array(String), note String DEFAULT 'ß 日本')
            ENGINE = MergeTree ORDER BY (id, k)`,
  });
  const rows = ids.map((id) => ({
    id,
    email: `${id}@acme.example`,
    tenant: id === 'u00005' ? null : 't1',
    k: '',
    sev: '',
    ev: [`e-${id}`],
  }));
  rows.push({ id: 'ü-ß-日本', email: 'jörg@acme.example', tenant: 'tenant-é', k: 'κ', sev: 'high', ev: ['e-2', 'e-1'] });
  await store.client.insert({ table: 't_compact_rows', values: rows, format: 'JSONEachRow' });
  const target = store.client;
  client = new Proxy(target, {
    get(obj, prop) {
      const v = Reflect.get(obj, prop, obj) as unknown;
      if (prop !== 'query' || typeof v !== 'function') return typeof v === 'function' ? v.bind(obj) : v;
      return (args: { query: string; query_params?: Record<string, unknown> }) => {
        sent.push({ query: args.query, params: args.query_params ?? {} });
        return (v as (a: unknown) => unknown).call(obj, args);
      };
    },
  });
});

const run = (c: ClickHouseClient, minutes: number) =>
  evaluate(c, { cache: cacheOf(c), detections: [DETECTION], map: MAP, now: T0 + minutes * 60_000, defaultPlaneOf: () => 'platform' });
const transitions = (r: EvaluationResult) =>
  r.changes.map((c) => [c.finding.subject_id, c.transition, c.finding.evidence_event_ids, c.finding.subject_email]);
const compactRuns = () => sent.filter((s) => /SHA256/.test(s.query) && / AS fp,/.test(s.query)).length;
const fp = (id: string) =>
  fingerprintOf(DETECTION.id, { plane: 'platform', source: 'openai', tenant: 't1', subject_kind: 'human', subject_id: id, key: '' });
const fetched = () => sent.filter((s) => 'pw_fingerprints' in s.params).map((s) => [...(s.params.pw_fingerprints as string[])].sort());

describe('compact re-runs of a detection with many open findings', () => {
  it('reads in full only the rows that make a transition, and makes the transitions of a full run', async () => {
    const first = await run(client, 0);
    expect(first.changes.length).toBe(N + 1);
    expect(compactRuns()).toBe(0); // the first run in a process reads every row (and validates them)

    await store.client.command({
      query: `ALTER TABLE t_compact_rows UPDATE ev = ['e-x', 'e-a'] WHERE id = 'u00001'`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    await store.client.command({
      query: `ALTER TABLE t_compact_rows DELETE WHERE id = 'u00002'`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    await store.client.command({
      query: `ALTER TABLE t_compact_rows UPDATE email = 'new@acme.example' WHERE id = 'u00004'`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    await store.client.insert({
      table: 't_compact_rows',
      format: 'JSONEachRow',
      values: [
        { id: 'u00003', email: 'u00003@acme.example', tenant: 't1', k: '', sev: '', ev: ['e-z'] }, // a second row on u00003's fingerprint
        { id: 'u99999', email: 'u99999@acme.example', tenant: 't1', k: '', sev: '', ev: ['e-new'] },
      ],
    });
    sent.length = 0;
    const second = await run(client, 1);
    expect(compactRuns()).toBe(1);
    // Only the four rows that change were read in full: not u00005 (NULL tenant) nor the non-ASCII row.
    expect(fetched()).toEqual([['u00001', 'u00003', 'u00004', 'u99999'].map(fp).sort()]);
    expect(transitions(second).sort()).toEqual([
      ['u00001', 'updated', ['e-a', 'e-x'], 'u00001@acme.example'],
      ['u00002', 'resolved', ['e-u00002'], 'u00002@acme.example'],
      ['u00003', 'updated', ['e-u00003', 'e-z'], 'u00003@acme.example'],
      ['u00004', 'updated', ['e-u00004'], 'new@acme.example'],
      ['u99999', 'opened', ['e-new'], 'u99999@acme.example'],
    ]);
    expect(second.matches).toBe(N + 1 + 1); // one row gone, two added

    // Nothing changed: one compact run, no transition; only the fingerprint with two rows is read
    // in full (rows to merge are always read).
    sent.length = 0;
    const third = await run(client, 2);
    expect([compactRuns(), third.changes.length]).toEqual([1, 0]);
    expect(fetched()).toEqual([[fp('u00003')]]);

    // A detail changed (here a note): the finding is updated with it, and only its row is read in full besides u00003.
    await store.client.command({
      query: `ALTER TABLE t_compact_rows UPDATE note = 'changed' WHERE id = 'u00006'`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    sent.length = 0;
    const detailChanged = await run(client, 2.5);
    expect(fetched()).toEqual([[fp('u00003'), fp('u00006')].sort()]);
    expect(transitions(detailChanged)).toEqual([['u00006', 'updated', ['e-u00006'], 'u00006@acme.example']]);
    expect(detailChanged.changes[0]!.finding.detail).toEqual({ id: 'u00006', note: 'changed', idle_ms: String(T0 + 150_000) });

    // A resolved finding matching again is reopened.
    await store.client.insert({
      table: 't_compact_rows',
      format: 'JSONEachRow',
      values: [{ id: 'u00002', email: 'u00002@acme.example', tenant: 't1', k: '', sev: '', ev: ['e-back'] }],
    });
    const fourth = await run(client, 3);
    expect(transitions(fourth)).toEqual([['u00002', 'reopened', ['e-back'], 'u00002@acme.example']]);

    // Most rows changed: the detection is read in full once more (no fingerprint list), every change made.
    await store.client.command({
      query: `ALTER TABLE t_compact_rows UPDATE ev = ['e-all'] WHERE id LIKE 'u0%'`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    sent.length = 0;
    const fifth = await run(client, 4);
    expect([compactRuns(), fetched().length]).toEqual([1, 0]);
    expect(fifth.changes.length).toBe(N);
    expect(new Set(fifth.changes.map((c) => `${c.transition} ${c.finding.evidence_event_ids.join(',')}`))).toEqual(
      new Set(['updated e-all']),
    );

    // A full run on a connection of its own (no previous run in memory) finds nothing left to change.
    const other = separateConnection(store.client)!;
    try {
      const check = await run(other, 4);
      expect([check.changes.length, check.matches]).toEqual([0, N + 3]);
    } finally {
      await other.close();
    }

    // A resolved finding is kept in memory by fingerprint only; matching again — here in a fresh
    // process's first evaluation (a connection of its own) — it is reopened with its history.
    await store.client.command({
      query: `ALTER TABLE t_compact_rows DELETE WHERE id = 'u00010'`,
      clickhouse_settings: { mutations_sync: '1' },
    });
    expect(transitions(await run(client, 5))).toEqual([['u00010', 'resolved', ['e-all'], 'u00010@acme.example']]);
    await store.client.insert({
      table: 't_compact_rows',
      format: 'JSONEachRow',
      values: [{ id: 'u00010', email: 'u00010@acme.example', tenant: 't1', k: '', sev: '', ev: ['e-again'] }],
    });
    const fresh = separateConnection(store.client)!;
    try {
      const back = await run(fresh, 6);
      expect(
        back.changes.map((c) => [c.finding.subject_id, c.transition, c.finding.reopen_count, new Date(c.finding.first_seen).toISOString()]),
      ).toEqual([['u00010', 'reopened', 1, '2027-03-01T00:00:00.000Z']]);
    } finally {
      await fresh.close();
    }
  }, 120_000);
});
