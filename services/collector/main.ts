// Stand-alone collector: `tsx services/collector/main.ts` (KAFKA_BROKERS required). Its hot path
// needs only Kafka (202 after acks=all), so it never opens ClickHouse and its readiness is Kafka's:
// with ClickHouse down it keeps accepting deliveries, which Kafka holds until the sink can store them.
import http from 'node:http';
import { runService } from '../../runtime/service-main.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { kafkaCheck, readinessOf } from '../../core/readiness.ts';
import { createCollectorHandler } from './collector.ts';
import { rawEnvelopePublisher } from './publish.ts';

runService({ service: 'collector', knownVendors: KNOWN_VENDORS, needClickHouse: false }, async (rt) => {
  const handler = createCollectorHandler({
    map: rt.config.map,
    secrets: rt.secrets,
    sources: SOURCES,
    publish: rawEnvelopePublisher(rt.producer),
    readiness: readinessOf({ kafka: kafkaCheck(rt.kafka) }),
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
