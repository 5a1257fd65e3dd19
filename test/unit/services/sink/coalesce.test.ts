// The sink's insert coalescing (services/sink/coalesce.ts): partition batches share one insert per
// table, the token names every batch, and a batch may commit only after its insert succeeded.
import { describe, expect, it } from 'vitest';
import { coalescedToken, InsertCoalescer, type InsertPart } from '../../../../services/sink/coalesce.ts';

interface Call {
  table: string;
  rows: unknown[];
  token: string;
}

function harness(opts: { lingerMs?: number; maxRows?: number; failures?: number } = {}) {
  const calls: Call[] = [];
  const failures: string[] = [];
  let failuresLeft = opts.failures ?? 0;
  const state = { stopping: false };
  const c = new InsertCoalescer({
    lingerMs: opts.lingerMs ?? 20,
    maxRows: opts.maxRows ?? 1000,
    insert: async (table, rows, token) => {
      calls.push({ table, rows: [...rows], token });
      if (failuresLeft > 0) {
        failuresLeft--;
        throw new Error('injected insert failure');
      }
    },
    onFailure: (table, err, token) => failures.push(`${table} ${token}: ${(err as Error).message}`),
    onSuccess: () => undefined,
    stopping: () => state.stopping,
    backoffMs: 1,
    maxBackoffMs: 4,
  });
  return { c, calls, failures, state };
}

function part(topic: string, partition: number, first: number, keys: string[], alive = () => true): InsertPart {
  return {
    topic,
    partition,
    first: String(first),
    last: String(first + keys.length - 1),
    rows: keys.map((k) => ({ k })),
    alive,
    heartbeat: async () => undefined,
  };
}

describe('coalescedToken', () => {
  it('is the old per-batch token for one batch, and order-independent for several', () => {
    expect(coalescedToken([{ topic: 't.events', partition: 2, first: '10', last: '19' }])).toBe('t.events:2:10-19');
    const a = { topic: 't.events', partition: 3, first: '5', last: '6' };
    const b = { topic: 't.events', partition: 0, first: '7', last: '9' };
    const c = { topic: 't.aaa', partition: 1, first: '1', last: '1' };
    expect(coalescedToken([a, b, c])).toBe('t.aaa:1:1-1,t.events:0:7-9,t.events:3:5-6');
    expect(coalescedToken([c, a, b])).toBe('t.aaa:1:1-1,t.events:0:7-9,t.events:3:5-6');
  });
});

describe('InsertCoalescer', () => {
  it('puts the batches of one table that arrive within the linger into one insert, other tables apart', async () => {
    const { c, calls } = harness();
    const results = await Promise.all([
      c.add('identity_events', part('ev', 0, 100, ['a', 'b'])),
      c.add('raw_envelopes', part('raw', 1, 7, ['r'])),
      c.add('identity_events', part('ev', 1, 40, ['c'])),
    ]);
    expect(results).toEqual([true, true, true]);
    expect(calls.sort((x, y) => x.table.localeCompare(y.table))).toEqual([
      { table: 'identity_events', rows: [{ k: 'a' }, { k: 'b' }, { k: 'c' }], token: 'ev:0:100-101,ev:1:40-40' },
      { table: 'raw_envelopes', rows: [{ k: 'r' }], token: 'raw:1:7-7' },
    ]);
  });

  it('sends at once when maxRows is reached, without waiting for the linger', async () => {
    const { c, calls } = harness({ lingerMs: 3_600_000, maxRows: 3 });
    const first = c.add('identity_events', part('ev', 0, 0, ['a', 'b']));
    const second = c.add('identity_events', part('ev', 1, 0, ['c']));
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(calls).toEqual([{ table: 'identity_events', rows: [{ k: 'a' }, { k: 'b' }, { k: 'c' }], token: 'ev:0:0-1,ev:1:0-0' }]);
  });

  it('retries a failed insert with the same rows and token until it succeeds', async () => {
    const { c, calls, failures } = harness({ failures: 2 });
    expect(await c.add('identity_events', part('ev', 2, 5, ['a']))).toBe(true);
    expect(calls.map((x) => x.token)).toEqual(['ev:2:5-5', 'ev:2:5-5', 'ev:2:5-5']);
    expect(failures).toEqual(['identity_events ev:2:5-5: injected insert failure', 'identity_events ev:2:5-5: injected insert failure']);
  });

  it('abandons a failing insert when the sink stops: the batches must not commit', async () => {
    const { c, calls, state } = harness({ failures: 1_000_000 });
    const pending = c.add('identity_events', part('ev', 0, 0, ['a']));
    while (calls.length < 2) await new Promise((r) => setTimeout(r, 5));
    state.stopping = true;
    expect(await pending).toBe(false);
  });

  it('does not insert when every batch in it went stale (partitions revoked)', async () => {
    const { c, calls } = harness();
    expect(
      await c.add(
        'identity_events',
        part('ev', 0, 0, ['a'], () => false),
      ),
    ).toBe(false);
    expect(calls).toEqual([]);
  });
});
