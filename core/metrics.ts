// Prometheus metrics shared by all services (prom-client). Each service registers its own
// instruments on this registry; /metrics on every HTTP surface serves it.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClickHouseClient } from '@clickhouse/client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'planewatch_process_' });

export const webhookDeliveries = new Counter({
  name: 'planewatch_webhook_deliveries_total',
  // Label values come from the boundary map only: a request for an unknown vendor/connection is
  // counted under source="unknown", connection="unknown" so URLs cannot mint new series.
  help: 'Webhook deliveries by source, connection, HTTP status answered and reason (accepted, unauthorized, bad_request, malformed, too_large, rate_limited, broker_unavailable, unknown_connection, not_configured, method_not_allowed, handshake, client_aborted with status 499: the client hung up mid-body, internal)',
  labelNames: ['source', 'connection', 'status', 'reason'] as const,
  registers: [registry],
});

export const webhookLatency = new Histogram({
  name: 'planewatch_webhook_seconds',
  help: 'Time from request start to answer, including the Kafka acknowledgement',
  labelNames: ['source'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [registry],
});

export const normalizedEvents = new Counter({
  name: 'planewatch_normalized_events_total',
  help: 'Identity events produced by the normalizer',
  labelNames: ['source', 'plane'] as const,
  registers: [registry],
});

export const deadLetters = new Counter({
  name: 'planewatch_dead_letters_total',
  help: 'Inputs sent to the dead-letter topic, by stage and source',
  labelNames: ['stage', 'source'] as const,
  registers: [registry],
});

export const sinkRows = new Counter({
  name: 'planewatch_sink_rows_total',
  help: 'Rows inserted into ClickHouse by table',
  labelNames: ['table'] as const,
  registers: [registry],
});

export const sinkInsertSeconds = new Histogram({
  name: 'planewatch_sink_insert_seconds',
  help: 'Duration of successful ClickHouse inserts of one consumed batch, by table',
  labelNames: ['table'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const batchMessages = new Histogram({
  name: 'planewatch_batch_messages',
  help: 'Messages per consumed Kafka batch, by stage (normalizer, sink) and topic',
  labelNames: ['stage', 'topic'] as const,
  buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
  registers: [registry],
});

export const sinkInsertFailures = new Counter({
  name: 'planewatch_sink_insert_failures_total',
  help: 'Failed ClickHouse inserts (retried)',
  labelNames: ['table'] as const,
  registers: [registry],
});

// --- Local Kafka broker supervision (core/kafka/broker-supervisor.ts) ---------------------------

export const brokerRestarts = new Counter({
  name: 'planewatch_kafka_broker_restarts_total',
  help: 'Restart attempts of the local Kafka broker planewatch started (no KAFKA_BROKERS) after it exited unexpectedly, by outcome (ready, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

// --- API pollers (core/poller/) ------------------------------------------------------------------

export const pollerPages = new Counter({
  name: 'planewatch_poller_pages_total',
  help: 'Pages fetched and acknowledged by Kafka, by connection and stream (pages | inventory)',
  labelNames: ['source', 'connection', 'stream'] as const,
  registers: [registry],
});

export const pollerItems = new Counter({
  name: 'planewatch_poller_items_total',
  help: 'Items (events or inventory objects) in acknowledged pages',
  labelNames: ['source', 'connection', 'stream'] as const,
  registers: [registry],
});

export const pollerCycleFailures = new Counter({
  name: 'planewatch_poller_cycle_failures_total',
  help: 'Poll cycles that stopped early, by kind: auth (401/403), page (malformed page), http, config, other',
  labelNames: ['source', 'connection', 'stream', 'kind'] as const,
  registers: [registry],
});

export const pollerMalformedPages = new Counter({
  name: 'planewatch_poller_malformed_pages_total',
  help: 'Pages whose shape was wrong: sent to the DLQ and retried on the next cycle',
  labelNames: ['source', 'connection', 'stream'] as const,
  registers: [registry],
});

export const pollerRetries = new Counter({
  name: 'planewatch_poller_http_retries_total',
  help: 'HTTP attempts retried by the poll fetch policy (429, 5xx, network errors, timeouts)',
  labelNames: ['source', 'connection'] as const,
  registers: [registry],
});

export const inventoryRemovals = new Counter({
  name: 'planewatch_inventory_removals_total',
  help: 'Objects present in the previous complete inventory snapshot and absent from the new one',
  labelNames: ['source', 'connection'] as const,
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
    await Promise.all([...lagSources].map(async (src) => {
      const cached = lagCache.get(src);
      if (cached && now - cached.at < LAG_CACHE_MS) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        const rows = await Promise.race([
          src.sample(),
          new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('lag sample timed out')), LAG_TIMEOUT_MS); }),
        ]);
        lagCache.set(src, { at: now, rows, ok: true });
      } catch {
        lagCache.set(src, { at: now, rows: cached?.rows ?? [], ok: false });
      } finally {
        clearTimeout(timer);
      }
    }));
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

// --- Alerter (services/alerter/) -----------------------------------------------------------------

export const alertDeliveries = new Counter({
  name: 'planewatch_alert_deliveries_total',
  help: 'Alert notifications finished, by channel type and outcome (delivered, dead, suppressed, duplicate = already delivered, skipped)',
  labelNames: ['channel_type', 'outcome'] as const,
  registers: [registry],
});

export const alertAttempts = new Counter({
  name: 'planewatch_alert_attempts_total',
  help: 'Alert delivery attempts, by channel type and outcome (ok, retry, failed)',
  labelNames: ['channel_type', 'outcome'] as const,
  registers: [registry],
});

// --- Open findings (sampled when /metrics is scraped) --------------------------------------------
// planewatch_open_findings{detection} = findings whose latest version is open or reopened. The
// process that runs the detector registers the query (registerOpenFindings); a scrape runs it at
// most every 15 s and never waits more than 2 s (the last sample stays on failure).

type OpenFindingsSampler = () => Promise<{ detection: string; open: number }[]>;
let openFindingsSampler: OpenFindingsSampler | null = null;
let openFindingsCache: { at: number; rows: { detection: string; open: number }[] } | null = null;

export const openFindings = new Gauge({
  name: 'planewatch_open_findings',
  help: 'Findings currently open (open or reopened), by detection',
  labelNames: ['detection'] as const,
  registers: [registry],
  async collect() {
    const sampler = openFindingsSampler;
    if (!sampler) return;
    const now = Date.now();
    if (!openFindingsCache || now - openFindingsCache.at >= 15_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const rows = await Promise.race([sampler(), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), 2000); })]);
        openFindingsCache = { at: now, rows };
      } catch {
        openFindingsCache = { at: now, rows: openFindingsCache?.rows ?? [] };
      } finally {
        clearTimeout(timer);
      }
    }
    this.reset();
    for (const r of openFindingsCache.rows) this.set({ detection: r.detection }, r.open);
  },
});

/** The sampler of a process that runs the detector: latest version of each finding in pw_findings, open or reopened, by detection. */
export function openFindingsFrom(client: ClickHouseClient): OpenFindingsSampler {
  return async () => {
    const rs = await client.query({
      query: `SELECT detection, toUInt64(count()) AS open FROM (
                SELECT fingerprint, argMax(detection, version) AS detection, argMax(status, version) AS status FROM pw_findings GROUP BY fingerprint)
              WHERE status IN ('open', 'reopened') GROUP BY detection ORDER BY detection`,
      format: 'JSONEachRow',
    });
    return (await rs.json<{ detection: string; open: string }>()).map((r) => ({ detection: r.detection, open: Number(r.open) }));
  };
}

/** Makes the open-findings gauge sample with `sampler`; returns the function that stops it. */
export function registerOpenFindings(sampler: OpenFindingsSampler): () => void {
  openFindingsSampler = sampler;
  openFindingsCache = null;
  return () => {
    if (openFindingsSampler === sampler) openFindingsSampler = null;
  };
}
