// Stand-alone poller: `node dist/services/poller/main.js` (KAFKA_BROKERS required). Polls every enabled
// connection whose transport is `poll` or `inventory` (vendor audit logs and inventories) and
// publishes each page as raw envelopes (acks=all) before checkpointing it in ClickHouse. Several
// instances may run: only the holder of the 'poller' lease polls, the others stand by
// (leased-runner.ts).
import { runService } from '../../runtime/service-main.ts';
import { KNOWN_VENDORS, SOURCES } from '../../sources/registry.ts';
import { startLease } from '../../core/kafka/lease.ts';
import { startOpsServer } from '../../core/http/ops-server.ts';
import { clickhouseCheck, kafkaCheck, readinessOf } from '../../core/readiness.ts';
import { leasedPollerStore, startLeasedPollRunner } from './leased-runner.ts';
import { kafkaPollPublishers } from './publish.ts';

runService({ service: 'poller', knownVendors: KNOWN_VENDORS }, async (rt) => {
  const lease = await startLease(rt.kafka, 'poller', { sessionTimeoutMs: rt.env.PLANEWATCH_LEASE_SESSION_TIMEOUT_MS, log: rt.log });
  const runner = startLeasedPollRunner({
    map: rt.config.map,
    sources: SOURCES,
    publishers: kafkaPollPublishers(rt.producer),
    store: leasedPollerStore(rt.clickhouse, lease),
    lease,
    log: rt.log,
  });
  if (runner.targets.length === 0) rt.log.warn('no enabled poll or inventory connection in the boundary map: nothing to poll');
  // /healthz, /readyz (Kafka, ClickHouse), /metrics (planewatch_poller_*) on PLANEWATCH_HTTP_PORT;
  // per-stream status (last success, last error) is in `planewatch status` and GET /api/v1/status.
  const ops = await startOpsServer({
    host: rt.env.PLANEWATCH_HTTP_HOST,
    port: rt.env.PLANEWATCH_HTTP_PORT,
    log: rt.log,
    readiness: readinessOf({ kafka: kafkaCheck(rt.kafka), clickhouse: clickhouseCheck(rt.clickhouse) }),
  });
  return {
    stop: async () => {
      await ops.stop();
      await runner.stop();
      await lease.stop();
    },
  };
});
