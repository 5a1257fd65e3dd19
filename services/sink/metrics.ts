// ClickHouse sink metrics. Registered on the one registry every /metrics serves.
import { Counter, Histogram } from 'prom-client';
import { registry } from '../../core/metrics.ts';

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

export const sinkInsertFailures = new Counter({
  name: 'planewatch_sink_insert_failures_total',
  help: 'Failed ClickHouse inserts (retried)',
  labelNames: ['table'] as const,
  registers: [registry],
});
