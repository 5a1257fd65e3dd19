// Normalizer metrics (also counted by the all-in-one normalizer threads). Registered on the one registry every /metrics serves.
import { Counter } from 'prom-client';
import { registry } from '../../core/metrics.ts';

export const normalizedEvents = new Counter({
  name: 'planewatch_normalized_events_total',
  help: 'Identity events produced by the normalizer',
  labelNames: ['source', 'plane'] as const,
  registers: [registry],
});
