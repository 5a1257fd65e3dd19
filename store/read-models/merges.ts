// Large background merges: a freshly filled store (a bulk import, a restore, the first start on
// events written by another process) has many large parts the engine merges right after it opens,
// and each such merge holds hundreds of MiB while it runs. A full snapshot build is the largest
// query of an evaluation; run at the same time, the two add up in one process (embedded engine).
// So a full build first waits, bounded, until no large merge runs.
import type { ClickHouseClient } from '@clickhouse/client';

/** A merge of parts at least this large (compressed) counts as large. */
export const LARGE_MERGE_BYTES = 32 * 1024 ** 2;
/** The longest a full build waits for large merges; after that it runs anyway. */
export const LARGE_MERGES_MAX_WAIT_MS = 60_000;
const POLL_MS = 1000;

export interface MergeWaitOptions {
  minBytes?: number;
  maxWaitMs?: number;
  pollMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Large merges of this database's tables running now. */
export async function largeMerges(client: ClickHouseClient, minBytes: number = LARGE_MERGE_BYTES): Promise<number> {
  const rs = await client.query({
    query: `SELECT count() AS n FROM system.merges WHERE database = currentDatabase() AND total_size_bytes_compressed >= {min:UInt64}`,
    query_params: { min: minBytes },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string | number }>();
  return Number(row?.n ?? 0);
}

/**
 * Waits until no large merge runs, at most `maxWaitMs`. Returns how long it waited (0 when none
 * ran). Never fails the caller: a store whose system.merges cannot be read is not waited for.
 */
export async function waitForLargeMerges(client: ClickHouseClient, opts: MergeWaitOptions = {}): Promise<number> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxWaitMs = opts.maxWaitMs ?? LARGE_MERGES_MAX_WAIT_MS;
  const t0 = now();
  for (;;) {
    const n = await largeMerges(client, opts.minBytes ?? LARGE_MERGE_BYTES).catch(() => 0);
    const waited = now() - t0;
    if (n === 0 || waited >= maxWaitMs) return waited;
    await sleep(Math.min(opts.pollMs ?? POLL_MS, maxWaitMs - waited));
  }
}
