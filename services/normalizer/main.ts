// Stand-alone normalizer: `tsx services/normalizer/main.ts` (KAFKA_BROKERS required). Scale out by
// running more of them: they share the planewatch-normalizer consumer group.
import { runService } from '../../core/service-main.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startNormalizer } from './normalizer.ts';

runService({ service: 'normalizer', knownVendors: KNOWN_VENDORS, needClickHouse: false, needSecrets: false }, (rt) =>
  startNormalizer({ kafka: rt.kafka, producer: rt.producer, map: rt.config.map, sources: SOURCES, log: rt.log }),
);
