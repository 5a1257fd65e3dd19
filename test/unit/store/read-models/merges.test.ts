// A full snapshot build's wait for large background merges (store/read-models/merges.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { waitForLargeMerges } from '../../../../store/read-models/merges.ts';

/** A client whose system.merges count answers come from `answers` in turn (the last one repeats), on a fake clock. */
function fakeStore(answers: (number | Error)[]) {
  let t = 0;
  const queries: { query: string; params: unknown }[] = [];
  const sleeps: number[] = [];
  const client = {
    query: async (q: { query: string; query_params: unknown }) => {
      queries.push({ query: q.query, params: q.query_params });
      const a = answers[Math.min(queries.length - 1, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return { json: async () => [{ n: String(a) }] };
    },
  } as unknown as ClickHouseClient;
  const opts = {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
  return { client, opts, queries, sleeps };
}

describe('waitForLargeMerges', () => {
  it('does not wait when no large merge runs, and asks only about this database at 32 MiB', async () => {
    const s = fakeStore([0]);
    expect(await waitForLargeMerges(s.client, s.opts)).toBe(0);
    expect(s.sleeps).toEqual([]);
    expect(s.queries).toHaveLength(1);
    expect(s.queries[0]!.query).toContain('FROM system.merges WHERE database = currentDatabase()');
    expect(s.queries[0]!.params).toEqual({ min: 33554432 });
  });

  it('polls every second until the large merges are done', async () => {
    const s = fakeStore([3, 2, 1, 0]);
    expect(await waitForLargeMerges(s.client, s.opts)).toBe(3000);
    expect(s.sleeps).toEqual([1000, 1000, 1000]);
  });

  it('gives up at the bound, the last pause cut to it', async () => {
    const s = fakeStore([1]);
    expect(await waitForLargeMerges(s.client, { ...s.opts, maxWaitMs: 2500, minBytes: 100 })).toBe(2500);
    expect(s.sleeps).toEqual([1000, 1000, 500]);
    expect(s.queries.map((q) => q.params)).toEqual([{ min: 100 }, { min: 100 }, { min: 100 }, { min: 100 }]);
  });

  it('does not wait on a store whose system.merges cannot be read', async () => {
    const s = fakeStore([new Error('Code: 60. UNKNOWN_TABLE')]);
    expect(await waitForLargeMerges(s.client, s.opts)).toBe(0);
    expect(s.sleeps).toEqual([]);
  });
});
