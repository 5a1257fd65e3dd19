// Alerter metrics. Registered on the one registry every /metrics serves.
import { Counter } from 'prom-client';
import { registry } from '../../core/metrics.ts';

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
