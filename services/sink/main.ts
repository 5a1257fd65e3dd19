// Stand-alone sink: `tsx services/sink/main.ts` (KAFKA_BROKERS required; CLICKHOUSE_URL for a
// server, else embedded chDB in the data dir). More instances share the planewatch-sink group.
import { runService } from '../../core/service-main.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { startSink } from './sink.ts';

runService({ service: 'sink', knownVendors: KNOWN_VENDORS, needSecrets: false }, (rt) =>
  startSink({ kafka: rt.kafka, producer: rt.producer, clickhouse: rt.clickhouse, log: rt.log }),
);
