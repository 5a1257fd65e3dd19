// Stand-alone alerter: `node dist/services/alerter/main.js` (KAFKA_BROKERS required). Reads finding
// transitions from planewatch.alerts.v1 and delivers them to the boundary map's alert channels
// (webhook, Slack, PagerDuty, log), once per transition and channel: the delivery log in ClickHouse
// makes a redelivered transition a duplicate, so more instances may share the consumer group.
import { runService } from '../../runtime/service-main.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { startOpsServer } from '../../core/http/ops-server.ts';
import { clickhouseCheck, kafkaCheck, readinessOf } from '../../core/readiness.ts';
import { startAlerter } from './alerter.ts';

runService({ service: 'alerter', knownVendors: KNOWN_VENDORS }, async (rt) => {
  if (rt.config.map.alerts.channels.length === 0)
    rt.log.warn('no alert channel in the boundary map: transitions are read and nothing is sent');
  const alerter = await startAlerter({
    kafka: rt.kafka,
    producer: rt.producer,
    clickhouse: rt.clickhouse,
    map: rt.config.map,
    log: rt.log,
  });
  // /healthz, /readyz (Kafka, ClickHouse), /metrics (planewatch_alert_*) on PLANEWATCH_HTTP_PORT.
  const ops = await startOpsServer({
    host: rt.env.PLANEWATCH_HTTP_HOST,
    port: rt.env.PLANEWATCH_HTTP_PORT,
    log: rt.log,
    readiness: readinessOf({ kafka: kafkaCheck(rt.kafka), clickhouse: clickhouseCheck(rt.clickhouse) }),
  });
  return {
    stop: async () => {
      await ops.stop();
      await alerter.stop();
    },
  };
});
