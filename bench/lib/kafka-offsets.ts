// Parent-side Kafka helpers of the bench: topic end offsets, consumer-group offsets and progress,
// pre-filling a topic (setup work, not measured), and the drain rate of a stage reading one.
import type { Admin, Message, Producer } from 'kafkajs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries a metadata call for a while: right after topic creation a partition may not have its leader yet. */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

export async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offs = await retrying(() => admin.fetchTopicOffsets(topic));
  return new Map(offs.map((o) => [o.partition, BigInt(o.high)]));
}

export const sumOf = (m: Map<number, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);

/** Points a (new, empty) consumer group at the given offsets of a topic. */
export async function setGroupOffsets(admin: Admin, groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void> {
  await retrying(() =>
    admin.setOffsets({ groupId, topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })) }),
  );
}

/** Sum over partitions of (committed − start) for a group on a topic. */
export async function groupProgress(admin: Admin, groupId: string, topic: string, start: Map<number, bigint>): Promise<bigint> {
  const [t] = await retrying(() => admin.fetchOffsets({ groupId, topics: [topic] }));
  let sum = 0n;
  for (const p of t?.partitions ?? []) {
    const committed = BigInt(p.offset);
    const s = start.get(p.partition) ?? 0n;
    if (committed > s) sum += committed - s;
  }
  return sum;
}

/** Produces messages in large acks=all batches (setup work, not measured). */
export async function prefill(producer: Producer, topic: string, messages: Message[], chunk = 2000): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < messages.length; i += chunk) {
    inFlight.push(producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: messages.slice(i, i + chunk) }] }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/** Waits until `progress()` reaches `target`; rate measured from the first progress seen (start-up and group join excluded). */
export async function drainRate(progress: () => Promise<number>, target: number, timeoutMs: number, everyMs = 100) {
  const t0 = performance.now();
  let first: { t: number; n: number } | null = null;
  let n: number;
  for (;;) {
    n = await progress();
    const t = performance.now();
    if (n > 0 && !first) first = { t, n };
    if (n >= target) break;
    if (t - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms at ${n}/${target}`);
    await sleep(everyMs);
  }
  const done = performance.now();
  const drainMs = first ? done - first.t : done - t0;
  const perSec = first && drainMs > 0 ? (n - first.n) / (drainMs / 1000) : n / ((done - t0) / 1000);
  return { n, perSec, drainMs, totalMs: done - t0, firstAfterMs: first ? first.t - t0 : null };
}
