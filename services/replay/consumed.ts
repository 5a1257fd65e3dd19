// "Fully consumed": a replay waits until the normalizer has committed past everything it published
// to planewatch.raw.v1, and then until the sink has committed past everything the normalizer had
// published to planewatch.events.v1 and planewatch.dlq.v1 by then. Both services commit a batch's
// offsets only after its outputs were acknowledged (normalizer) or inserted (sink), so a committed
// offset at or past the target means the replayed rows are in ClickHouse.
import type { Admin } from 'kafkajs';

export interface PartitionTarget {
  partition: number;
  /** High watermark when the target was taken: every message below it must be committed. */
  high: string;
  low: string;
}

/** Partitions of `targets` the group has not committed up to yet (pure). */
export function behind(targets: readonly PartitionTarget[], committed: readonly { partition: number; offset: string }[]): number[] {
  const byPartition = new Map(committed.map((c) => [c.partition, BigInt(c.offset)]));
  const out: number[] = [];
  for (const t of targets) {
    const high = BigInt(t.high);
    if (high <= BigInt(t.low)) continue; // empty partition: nothing to consume
    const c = byPartition.get(t.partition);
    if (c === undefined || c < high) out.push(t.partition);
  }
  return out;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long without reaching the target (default 10 min). */
  timeoutMs?: number;
  pollMs?: number;
}

/** Current high watermarks of a topic (the target for "everything published so far"). */
export async function targetsOf(admin: Admin, topic: string): Promise<PartitionTarget[]> {
  return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: p.high, low: p.low }));
}

/** Resolves once `group` has committed every partition of every topic up to its target. */
export async function waitCommitted(
  admin: Admin,
  group: string,
  targets: Readonly<Record<string, PartitionTarget[]>>,
  opts: WaitOptions = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 600_000);
  const pollMs = opts.pollMs ?? 100;
  const topics = Object.keys(targets);
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('replay aborted');
    const committed = await admin.fetchOffsets({ groupId: group, topics });
    const lagging = topics.flatMap((topic) =>
      behind(targets[topic]!, committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => `${topic}/${p}`),
    );
    if (lagging.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `consumer group ${group} has not consumed the replayed messages within ${Math.round((opts.timeoutMs ?? 600_000) / 1000)} s (behind on ${lagging.join(', ')}); is it running? Re-run the same replay to resume`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
