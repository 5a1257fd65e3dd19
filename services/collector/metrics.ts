// Webhook collector metrics. Registered on the one registry every /metrics serves.
import { Counter, Histogram } from 'prom-client';
import { registry } from '../../core/metrics.ts';

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
