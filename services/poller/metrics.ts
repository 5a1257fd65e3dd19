// API poller metrics. Registered on the one registry every /metrics serves.
import { Counter } from 'prom-client';
import { registry } from '../../core/metrics.ts';

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
