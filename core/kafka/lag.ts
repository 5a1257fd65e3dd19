// Consumer lag of one group, for the planewatch_consumer_lag gauge (core/metrics.ts): kafkajs admin
// fetchOffsets (the group's committed offsets) vs fetchTopicOffsets (high watermarks).
import type { Admin, Kafka } from 'kafkajs';
import { registerConsumerLag } from '../metrics.ts';

/** Lag per partition: high − committed; a partition the group never committed counts from its low watermark. */
export function lagRows(
  topic: string,
  watermarks: { partition: number; high: string; low: string }[],
  committed: { partition: number; offset: string }[],
): { topic: string; partition: number; lag: number }[] {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return watermarks.map((w) => {
    const high = Number(w.high);
    const c = byPartition.get(w.partition);
    const from = c === undefined || c < 0 ? Number(w.low) : c;
    return { topic, partition: w.partition, lag: Math.max(0, high - from) };
  });
}

/** Registers `group` on the lag gauge while the returned stop function has not been called. */
export function trackConsumerLag(kafka: Kafka, group: string, topics: readonly string[]): () => Promise<void> {
  let admin: Admin | null = null;
  let connecting: Promise<void> | null = null;
  const connected = async (): Promise<Admin> => {
    if (!admin) {
      admin = kafka.admin();
      connecting = admin.connect();
    }
    try {
      await connecting;
    } catch (err) {
      admin = null;
      connecting = null;
      throw err;
    }
    return admin!;
  };
  const unregister = registerConsumerLag({
    group,
    topics,
    async sample() {
      const a = await connected();
      const committed = await a.fetchOffsets({ groupId: group, topics: [...topics] });
      const rows = [];
      for (const topic of topics) {
        const marks = await a.fetchTopicOffsets(topic);
        rows.push(...lagRows(topic, marks, committed.find((c) => c.topic === topic)?.partitions ?? []));
      }
      return rows;
    },
  });
  return async () => {
    unregister();
    const a = admin;
    admin = null;
    if (a) await a.disconnect().catch(() => undefined);
  };
}
