// Prometheus instruments of the SCIM service provider, on the shared registry (served at /metrics).
import { Counter } from 'prom-client';
import { registry } from '../../core/metrics.ts';

export const scimRequests = new Counter({
  name: 'planewatch_scim_requests_total',
  help: 'SCIM service-provider requests by connection, method and HTTP status answered',
  labelNames: ['connection', 'method', 'status'] as const,
  registers: [registry],
});

export const scimStateWriteFailures = new Counter({
  name: 'planewatch_scim_state_write_failures_total',
  help: 'SCIM changes whose event Kafka acknowledged but whose state write to ClickHouse failed after retries (the client was answered 503)',
  labelNames: ['connection'] as const,
  registers: [registry],
});
