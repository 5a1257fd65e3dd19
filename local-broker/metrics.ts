// Supervision of the local Kafka broker planewatch started (no KAFKA_BROKERS). Registered on the one registry every /metrics serves.
import { Counter } from 'prom-client';
import { registry } from '../core/metrics.ts';

export const brokerRestarts = new Counter({
  name: 'planewatch_kafka_broker_restarts_total',
  help: 'Restart attempts of the local Kafka broker planewatch started (no KAFKA_BROKERS) after it exited unexpectedly, by outcome (ready, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
