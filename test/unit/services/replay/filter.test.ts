// Pure parts of `planewatch replay`: filter → SQL and parameters, page walking (keyset cursor and
// byte budget), the wave comparison, "fully consumed" per partition, the replay mark, and the CLI's
// option parsing.
import { describe, expect, it } from 'vitest';
import { countQuery, cutPage, filterWhere, pageKeysQuery, ReplayFilterSchema, replaySpec } from '../../../../services/replay/filter.ts';
import { classifyWave } from '../../../../services/replay/classify.ts';
import { behind } from '../../../../services/replay/consumed.ts';
import { replayIdOf, REPLAY_HEADER } from '../../../../core/events/replay-marker.ts';
import { filterOf, parseWhen, replayProgressLine } from '../../../../cli/commands/replay.ts';
import { convertBatch } from '../../../../services/sink/sink.ts';
import { TOPICS } from '../../../../core/kafka/topics.ts';
import { rawEnvelopeCodec } from '../../../../core/avro/codecs.ts';

const f = (v: Record<string, unknown>) => ReplayFilterSchema.parse(v);

describe('replay filter → SQL', () => {
  it('--all has no condition', () => {
    expect(filterWhere(f({ all: true }))).toEqual({ where: '1', params: {} });
  });

  it('source, connection and a received_at range [since, until)', () => {
    expect(
      filterWhere(
        f({ source: 'workos', connection: 'workos-main', since: Date.UTC(2026, 10, 1), until: Date.UTC(2026, 10, 15, 12, 30, 0, 5) }),
      ),
    ).toEqual({
      where:
        "source = {f_source:String} AND connection_id = {f_connection:String} AND received_at >= {f_since:DateTime64(3, 'UTC')} AND received_at < {f_until:DateTime64(3, 'UTC')}",
      params: { f_source: 'workos', f_connection: 'workos-main', f_since: '2026-11-01 00:00:00.000', f_until: '2026-11-15 12:30:00.005' },
    });
  });

  it('values never reach the SQL text (parameters only)', () => {
    const q = pageKeysQuery(f({ source: "x' OR 1=1 --" }), { source: "a'b", connection_id: 'c', id: 'raw_1' }, 100);
    expect(q.query).not.toContain("x'");
    expect(q.query).not.toContain("a'b");
    expect(q.params).toEqual({ f_source: "x' OR 1=1 --", limit: 100, c_source: "a'b", c_connection: 'c', c_id: 'raw_1' });
  });

  it('keyset pages in the table order, after the cursor', () => {
    expect(pageKeysQuery(f({ all: true }), null, 500)).toEqual({
      query:
        'SELECT source, connection_id, id, length(body) AS size FROM raw_envelopes FINAL WHERE 1 ORDER BY source, connection_id, id LIMIT {limit:UInt32}',
      params: { limit: 500 },
    });
    expect(pageKeysQuery(f({ connection: 'okta-main' }), { source: 'okta', connection_id: 'okta-main', id: 'raw_9' }, 2).query).toBe(
      'SELECT source, connection_id, id, length(body) AS size FROM raw_envelopes FINAL WHERE connection_id = {f_connection:String} AND (source, connection_id, id) > ({c_source:String}, {c_connection:String}, {c_id:String}) ORDER BY source, connection_id, id LIMIT {limit:UInt32}',
    );
    expect(countQuery(f({ source: 'okta' })).query).toBe(
      'SELECT source, connection_id, count() AS envelopes, sum(length(body)) AS bytes FROM raw_envelopes FINAL WHERE source = {f_source:String} GROUP BY source, connection_id ORDER BY source, connection_id',
    );
  });

  it('refuses an empty filter, --all with narrowing, and an empty range', () => {
    expect(ReplayFilterSchema.safeParse({}).error?.issues.map((i) => i.message)).toEqual([
      'expected all=true or at least one of source, connection, since, until',
    ]);
    expect(ReplayFilterSchema.safeParse({ all: true, source: 'okta' }).error?.issues.map((i) => i.message)).toEqual([
      'expected either all=true or source/connection/since/until, not both',
    ]);
    expect(ReplayFilterSchema.safeParse({ since: 2000, until: 1000 }).error?.issues.map((i) => i.message)).toEqual([
      'expected until (1000) after since (2000)',
    ]);
    expect(ReplayFilterSchema.safeParse({ all: true, extra: 1 }).success).toBe(false);
  });

  it('the spec keeps relative times unresolved (the same command resumes)', () => {
    expect(replaySpec({ since: '7d', source: 'okta' })).toBe('{"all":false,"source":"okta","connection":null,"since":"7d","until":null}');
  });
});

describe('page walking: byte budget', () => {
  it('cuts before the key that would exceed the budget, but always takes one', () => {
    const keys = [
      { id: 'a', size: 400 },
      { id: 'b', size: 500 },
      { id: 'c', size: 200 },
      { id: 'd', size: 1 },
    ];
    expect(cutPage(keys, 1000).map((k) => k.id)).toEqual(['a', 'b']);
    expect(cutPage(keys, 900).map((k) => k.id)).toEqual(['a', 'b']);
    expect(cutPage(keys, 899).map((k) => k.id)).toEqual(['a']);
    expect(
      cutPage(
        [
          { id: 'huge', size: 5000 },
          { id: 'x', size: 1 },
        ],
        1000,
      ).map((k) => k.id),
    ).toEqual(['huge']);
    expect(cutPage(keys, 10_000).map((k) => k.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(cutPage([], 10)).toEqual([]);
  });
});

describe('wave comparison', () => {
  it('written, changed, new, unchanged and the events no longer produced', () => {
    const before = [
      { source: 'workos', event_id: 'e1', h: '1' },
      { source: 'workos', event_id: 'e2', h: '2' },
      { source: 'workos', event_id: 'e3', h: '3' },
      { source: 'okta', event_id: 'e1', h: '9' },
    ];
    const after = [
      { source: 'workos', event_id: 'e1', h: '1' },
      { source: 'workos', event_id: 'e2', h: '22' },
      { source: 'workos', event_id: 'e4', h: '4' },
      { source: 'workos', event_id: 'e4', h: '4' },
    ];
    expect(classifyWave(before, after)).toEqual({
      written: 3,
      changed: 1,
      added: 1,
      unchanged: 1,
      missing: [
        { source: 'workos', event_id: 'e3' },
        { source: 'okta', event_id: 'e1' },
      ],
    });
  });
});

describe('fully consumed', () => {
  it('every non-empty partition committed up to its high watermark', () => {
    const targets = [
      { partition: 0, high: '10', low: '0' },
      { partition: 1, high: '5', low: '5' },
      { partition: 2, high: '7', low: '3' },
    ];
    expect(
      behind(targets, [
        { partition: 0, offset: '10' },
        { partition: 2, offset: '7' },
      ]),
    ).toEqual([]);
    expect(
      behind(targets, [
        { partition: 0, offset: '9' },
        { partition: 2, offset: '-1' },
      ]),
    ).toEqual([0, 2]);
    expect(behind(targets, [{ partition: 0, offset: '12' }])).toEqual([2]);
  });
});

describe('replay mark', () => {
  it('reads the header as kafkajs delivers it', () => {
    expect(REPLAY_HEADER).toBe('pw-replay');
    expect(replayIdOf({ 'pw-replay': Buffer.from('replay_1') })).toBe('replay_1');
    expect(replayIdOf({ 'pw-replay': [Buffer.from('replay_2')] })).toBe('replay_2');
    expect(replayIdOf({ 'pw-source': Buffer.from('okta') })).toBeNull();
    expect(replayIdOf(undefined)).toBeNull();
    expect(replayIdOf({ 'pw-replay': '' })).toBeNull();
  });
});

describe('sink: a replayed envelope is not stored again', () => {
  it('skips raw-topic messages with the replay header, stores the others', () => {
    const env = (id: string) => ({
      id,
      source: 'workos',
      connection_id: 'workos-main',
      received_at: Date.UTC(2026, 10, 29),
      transport: 'webhook',
      content_type: 'application/json',
      headers: {},
      body: Buffer.from('{}'),
      verification: { scheme: 'workos-hmac-sha256', verified: true, detail: null },
    });
    const msg = (id: string, headers: Record<string, Buffer>) => ({
      key: Buffer.from(id),
      value: rawEnvelopeCodec.encode(env(id)),
      headers,
      offset: '0',
      timestamp: '0',
      attributes: 0,
    });
    const out = convertBatch(
      TOPICS.raw,
      0,
      [msg('raw_live', { 'pw-source': Buffer.from('workos') }), msg('raw_replayed', { 'pw-replay': Buffer.from('replay_1') })],
      0,
    );
    expect(out.rows.map((r) => r.id)).toEqual(['raw_live']);
    expect(out.undecodable).toEqual([]);
  });
});

describe('CLI options', () => {
  const now = Date.UTC(2026, 10, 29, 21, 0, 0);
  it('durations and ISO dates', () => {
    expect(parseWhen('7d', now)).toBe(Date.UTC(2026, 10, 22, 21, 0, 0));
    expect(parseWhen('2026-11-01', now)).toBe(Date.UTC(2026, 10, 1));
    expect(parseWhen('2026-11-01T10:00:00.250Z', now)).toBe(Date.UTC(2026, 10, 1, 10, 0, 0, 250));
    expect(parseWhen('yesterday', now)).toBeNull();
    expect(parseWhen('12', now)).toBeNull();
  });

  it('filters and usage errors', () => {
    expect(filterOf({ all: true, format: 'table' }, now)).toEqual({
      filter: { all: true, source: null, connection: null, since: null, until: null },
    });
    expect(filterOf({ source: 'workos', since: '2026-11-01', until: '1d', format: 'table' }, now)).toEqual({
      filter: { all: false, source: 'workos', connection: null, since: Date.UTC(2026, 10, 1), until: Date.UTC(2026, 10, 28, 21, 0, 0) },
    });
    expect(filterOf({ format: 'table' }, now)).toEqual({
      error: 'expected --all, or at least one of --source, --connection, --since, --until (not both)',
    });
    expect(filterOf({ all: true, connection: 'x', format: 'table' }, now)).toEqual({
      error: 'expected --all, or at least one of --source, --connection, --since, --until (not both)',
    });
    expect(filterOf({ source: 'nope', format: 'table' }, now)).toEqual({
      error: expect.stringMatching(/^--source: expected a vendor \(.*workos.*\), got "nope"$/),
    });
    expect(filterOf({ since: 'soon', format: 'table' }, now)).toEqual({
      error: '--since: expected a duration like 7d / 12h or an ISO date, got "soon"',
    });
    expect(filterOf({ since: '1d', until: '2d', format: 'table' }, now)).toEqual({
      error: `--until: expected until (${Date.UTC(2026, 10, 27, 21)}) after since (${Date.UTC(2026, 10, 28, 21)})`,
    });
  });

  it('progress line', () => {
    const totals = {
      envelopes_replayed: 250,
      events_written: 300,
      events_changed: 12,
      events_new: 0,
      events_unchanged: 288,
      events_removed: 1,
      dead_lettered: 2,
      waves: 1,
    };
    expect(replayProgressLine({ replay_id: 'r', phase: 'replaying', matched: 1000, totals, elapsed_ms: 5000 }, 0)).toBe(
      '⠋ replay █████░░░░░░░░░░░░░░░ 25% · 250/1,000 envelopes · 300 events written · 12 changed · 1 removed · 2 dead-lettered · 50 envelopes/s',
    );
    expect(replayProgressLine({ replay_id: 'r', phase: 'rebuilding', matched: 1000, totals, elapsed_ms: 5000 }, 1)).toBe(
      '⠙ rebuilding the detection state · 250 envelopes replayed',
    );
  });
});
