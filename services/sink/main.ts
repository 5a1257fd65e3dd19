// Stand-alone sink: `tsx services/sink/main.ts` (KAFKA_BROKERS required; CLICKHOUSE_URL for a
// server, else embedded chDB in the data dir). More instances share the planewatch-sink group.
import { runService } from '../../runtime/service-main.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { startSink } from './sink.ts';
import { startOpsServer } from '../../core/http/ops-server.ts';
import { clickhouseCheck, kafkaCheck, readinessOf } from '../../core/readiness.ts';

runService({ service: 'sink', knownVendors: KNOWN_VENDORS, needSecrets: false }, async (rt) => {
  const sink = await startSink({ kafka: rt.kafka, producer: rt.producer, clickhouse: rt.clickhouse, log: rt.log });
  // /healthz, /readyz (Kafka, ClickHouse, the last insert), /metrics on PLANEWATCH_HTTP_PORT.
  const ops = await startOpsServer({
    host: rt.env.PLANEWATCH_HTTP_HOST,
    port: rt.env.PLANEWATCH_HTTP_PORT,
    readiness: readinessOf({
      kafka: kafkaCheck(rt.kafka),
      clickhouse: clickhouseCheck(rt.clickhouse),
      sink: async () => (sink.health.lastError ? { ok: false, detail: sink.health.lastError } : { ok: true }),
    }),
    log: rt.log,
  });
  return {
    stop: async () => {
      await ops.stop();
      await sink.stop();
    },
  };
});
