// Prometheus metrics shared by all services (prom-client). Each service registers its own
// instruments on this registry; /metrics on every HTTP surface serves it.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'planewatch_process_' });

export const webhookDeliveries = new Counter({
  name: 'planewatch_webhook_deliveries_total',
  help: 'Webhook deliveries by source, connection and HTTP status answered',
  labelNames: ['source', 'connection', 'status'] as const,
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

export const sinkInsertFailures = new Counter({
  name: 'planewatch_sink_insert_failures_total',
  help: 'Failed ClickHouse inserts (retried)',
  labelNames: ['table'] as const,
  registers: [registry],
});
