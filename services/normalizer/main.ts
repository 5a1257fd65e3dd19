// Stand-alone normalizer: `tsx services/normalizer/main.ts` (KAFKA_BROKERS required). Scale out by
// running more of them: they share the planewatch-normalizer consumer group.
import { runService } from '../../runtime/service-main.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startNormalizer } from './normalizer.ts';
import { startOpsServer } from '../../core/http/ops-server.ts';
import { kafkaCheck, readinessOf } from '../../core/readiness.ts';

runService({ service: 'normalizer', knownVendors: KNOWN_VENDORS, needClickHouse: false, needSecrets: false }, async (rt) => {
  const normalizer = await startNormalizer({ kafka: rt.kafka, producer: rt.producer, map: rt.config.map, sources: SOURCES, log: rt.log });
  // /healthz, /readyz, /metrics on PLANEWATCH_HTTP_PORT (consumer lag, batch sizes, DLQ counts).
  const ops = await startOpsServer({
    host: rt.env.PLANEWATCH_HTTP_HOST,
    port: rt.env.PLANEWATCH_HTTP_PORT,
    readiness: readinessOf({ kafka: kafkaCheck(rt.kafka) }),
    log: rt.log,
  });
  return {
    stop: async () => {
      await ops.stop();
      await normalizer.stop();
    },
  };
});
