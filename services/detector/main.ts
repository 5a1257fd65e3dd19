// Stand-alone detector: `tsx services/detector/main.ts`. Evaluates the detections on the boundary
// map's detections.evaluate_every and shortly after new events, publishes finding transitions to
// planewatch.alerts.v1. Run ONE instance per ClickHouse store (evaluations are not coordinated
// between processes).
import { runService } from '../../core/service-main.ts';
import { KNOWN_VENDORS, SOURCES } from '../../sources/registry.ts';
import { startDetector } from './detector.ts';

runService({ service: 'detector', knownVendors: KNOWN_VENDORS, needSecrets: false }, (rt) =>
  startDetector({
    clickhouse: rt.clickhouse,
    map: rt.config.map,
    log: rt.log,
    kafka: rt.kafka,
    producer: rt.producer,
    defaultPlaneOf: (vendor) => SOURCES[vendor]?.defaultPlane ?? 'application',
  }),
);
