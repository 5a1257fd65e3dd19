// The one Prometheus registry (prom-client) that /metrics on every HTTP surface serves, and the
// instruments every stage shares (dead letters, batch sizes, consumer lag). A service's own
// instruments live in its metrics.ts.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'planewatch_process_' });

export const deadLetters = new Counter({
  name: 'planewatch_dead_letters_total',
  help: 'Inputs sent to the dead-letter topic, by stage and source',
  labelNames: ['stage', 'source'] as const,
  registers: [registry],
});

export const batchMessages = new Histogram({
  name: 'planewatch_batch_messages',
  help: 'Messages per consumed Kafka batch, by stage (normalizer, sink) and topic',
  labelNames: ['stage', 'topic'] as const,
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  registers: [registry],
});

// --- Consumer lag (sampled when /metrics is scraped) ---------------------------------------------
// planewatch_consumer_lag{group,topic,partition} = the partition's high watermark − the group's
// committed offset (the whole retained partition when the group has committed nothing), read with
// kafkajs admin fetchTopicOffsets vs fetchOffsets. Each consuming service registers its group while
// it runs (registerConsumerLag); a scrape samples at most every LAG_CACHE_MS and never waits more
// than LAG_TIMEOUT_MS (a broker outage leaves the last sample in place and sets
// planewatch_consumer_lag_sample_ok 0).

export interface LagSource {
  group: string;
  topics: readonly string[];
  /** Committed offsets of the group minus high watermarks; see kafka/lag.ts. */
  sample(): Promise<{ topic: string; partition: number; lag: number }[]>;
}

const lagSources = new Set<LagSource>();
const LAG_CACHE_MS = 5000;
const LAG_TIMEOUT_MS = 2000;
const lagCache = new Map<LagSource, { at: number; rows: { topic: string; partition: number; lag: number }[]; ok: boolean }>();

export const consumerLagOk = new Gauge({
  name: 'planewatch_consumer_lag_sample_ok',
  help: '1 when the last consumer-lag sample of the group succeeded, 0 when the broker did not answer in time',
  labelNames: ['group'] as const,
  registers: [registry],
});

export const consumerLag = new Gauge({
  name: 'planewatch_consumer_lag',
  help: 'Messages not yet committed by a consumer group, per topic and partition (high watermark − committed offset)',
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [registry],
  async collect() {
    const now = Date.now();
    await Promise.all(
      [...lagSources].map(async (src) => {
        const cached = lagCache.get(src);
        if (cached && now - cached.at < LAG_CACHE_MS) return;
        let timer: NodeJS.Timeout | undefined;
        try {
          const rows = await Promise.race([
            src.sample(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('lag sample timed out')), LAG_TIMEOUT_MS);
            }),
          ]);
          lagCache.set(src, { at: now, rows, ok: true });
        } catch {
          lagCache.set(src, { at: now, rows: cached?.rows ?? [], ok: false });
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    this.reset();
    consumerLagOk.reset();
    for (const src of lagSources) {
      const c = lagCache.get(src);
      consumerLagOk.set({ group: src.group }, c?.ok ? 1 : 0);
      for (const r of c?.rows ?? []) this.set({ group: src.group, topic: r.topic, partition: String(r.partition) }, r.lag);
    }
  },
});

/** Adds a consumer group to the lag gauge; returns the function that removes it. */
export function registerConsumerLag(src: LagSource): () => void {
  lagSources.add(src);
  return () => {
    lagSources.delete(src);
    lagCache.delete(src);
  };
}
