// Bench stage: the normalizer alone (services/normalizer), consuming planewatch.raw.v1 with the
// consumer group the parent prepared (its offsets set where the measured input starts).
import { bootstrap } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startNormalizer } from '../../services/normalizer/normalizer.ts';
import { sendReady, serveStage } from '../lib/proc.ts';

const groupId = process.env.BENCH_GROUP;
if (!groupId) throw new Error('BENCH_GROUP not set');
const rt = await bootstrap({ service: 'bench-normalizer', knownVendors: KNOWN_VENDORS, needClickHouse: false, needSecrets: false });
const normalizer = await startNormalizer({
  kafka: rt.kafka,
  producer: rt.producer,
  map: rt.config.map,
  sources: SOURCES,
  log: rt.log,
  groupId,
});

serveStage({}, async () => {
  await normalizer.stop();
  await rt.close();
});
sendReady();
