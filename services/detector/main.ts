// Stand-alone detector: `tsx services/detector/main.ts`. Evaluates the detections on the boundary
// map's detections.evaluate_every and shortly after new events, publishes finding transitions to
// planewatch.alerts.v1. Several instances per ClickHouse store may run: they share the 'detector'
// lease (core/kafka/lease.ts, PLANEWATCH_LEASE_SESSION_TIMEOUT_MS), so one evaluates and the others
// stand by, taking over within the session timeout when it dies.
import { runService } from '../../runtime/service-main.ts';
import { KNOWN_VENDORS, SOURCES } from '../../sources/registry.ts';
import { startDetector } from './detector.ts';
import { startOpsServer } from '../../core/http/ops-server.ts';
import { clickhouseCheck, kafkaCheck, readinessOf } from '../../core/readiness.ts';
import { openFindingsFrom, registerOpenFindings } from './metrics.ts';
import { startLease } from '../../core/kafka/lease.ts';

runService({ service: 'detector', knownVendors: KNOWN_VENDORS, needSecrets: false }, async (rt) => {
  const lease = await startLease(rt.kafka, 'detector', { sessionTimeoutMs: rt.env.PLANEWATCH_LEASE_SESSION_TIMEOUT_MS, log: rt.log });
  const detector = await startDetector({
    lease,
    clickhouse: rt.clickhouse,
    map: rt.config.map,
    log: rt.log,
    kafka: rt.kafka,
    producer: rt.producer,
    defaultPlaneOf: (vendor) => SOURCES[vendor]?.defaultPlane ?? 'application',
  });
  // /healthz, /readyz, /metrics (planewatch_open_findings by detection) on PLANEWATCH_HTTP_PORT.
  const stopOpenFindings = registerOpenFindings(openFindingsFrom(rt.clickhouse));
  const ops = await startOpsServer({
    host: rt.env.PLANEWATCH_HTTP_HOST,
    port: rt.env.PLANEWATCH_HTTP_PORT,
    readiness: readinessOf({ kafka: kafkaCheck(rt.kafka), clickhouse: clickhouseCheck(rt.clickhouse) }),
    log: rt.log,
  });
  return {
    stop: async () => {
      stopOpenFindings();
      await ops.stop();
      await detector.stop();
      await lease.stop(); // leaves the group: a standby takes over at once
    },
  };
});
