// Stand-alone collector: `tsx services/collector/main.ts` (KAFKA_BROKERS required). Readiness checks
// Kafka, and ClickHouse when CLICKHOUSE_URL is set (embedded chDB belongs to the sink's process).
import http from 'node:http';
import { runService } from '../../runtime/service-main.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { clickhouseCheck, kafkaCheck, readinessOf, type Check } from '../../core/readiness.ts';
import { createCollectorHandler } from './collector.ts';
import { rawEnvelopePublisher } from './publish.ts';

const withServerClickHouse = Boolean(process.env.CLICKHOUSE_URL);

runService({ service: 'collector', knownVendors: KNOWN_VENDORS, needClickHouse: withServerClickHouse }, async (rt) => {
  const checks: Record<string, Check> = { kafka: kafkaCheck(rt.kafka) };
  if (withServerClickHouse) checks.clickhouse = clickhouseCheck(rt.clickhouse);
  const handler = createCollectorHandler({
    map: rt.config.map,
    secrets: rt.secrets,
    sources: SOURCES,
    publish: rawEnvelopePublisher(rt.producer),
    readiness: readinessOf(checks),
    log: rt.log,
    maxBodyBytes: rt.env.PLANEWATCH_MAX_BODY_BYTES,
    ackTimeoutMs: 10_000,
    apiKeyOf: (c) => (c.api_key_env ? process.env[c.api_key_env] : undefined),
  });
  const server = http.createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, handler);
  await new Promise<void>((resolve) => server.listen(rt.env.PLANEWATCH_HTTP_PORT, rt.env.PLANEWATCH_HTTP_HOST, resolve));
  rt.log.info({ host: rt.env.PLANEWATCH_HTTP_HOST, port: rt.env.PLANEWATCH_HTTP_PORT }, 'collector listening');
  // Graceful stop: no new connections, idle ones closed, in-flight deliveries (waiting for their
  // Kafka acknowledgement) get their answer — up to the ack timeout — before the rest are closed.
  return {
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), 15_000);
      await closed;
      clearTimeout(deadline);
    },
  };
});
