// Bench stage: the Kafka client library's own limit, no planewatch code in the loop — produce
// `records` opaque records of planewatch's RawEnvelope size with acks=all (idempotent producer,
// batches of 1000, 2 in flight: what the collector's BatchingProducer does under load), then
// consume them with a consumer group (no work per record). Every phase reports records/s and CPU
// per record (process.cpuUsage() over the phase ÷ records; the JS main thread's share beside it),
// see client-common.ts. BENCH_CLIENT_LIB picks the library:
//   kafkajs      the project's client (client-kafkajs.ts)
//   platformatic @platformatic/kafka, pure JS, a devDependency for this bench (client-platformatic.ts)
//   rdkafka      node-rdkafka on Debian's librdkafka, when built by bench/setup-rdkafka.sh (client-rdkafka.ts)
//   confluent    @confluentinc/kafka-javascript when it is installed (it is not a dependency of the
//                project: it does not install here, see docs/PERFORMANCE.md "Kafka clients")
import { createRequire } from 'node:module';
import { sendReady, serveStage } from '../lib/proc.ts';
import type { ClientDriver, ClientRunArgs } from './client-common.ts';

const lib = process.env.BENCH_CLIENT_LIB ?? 'kafkajs';
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('KAFKA_BROKERS not set');

/** An AggregateError's own message says little ("Producing messages failed."): name the errors inside it. */
function withCauses(err: unknown): unknown {
  const inner = (err as { errors?: unknown }).errors;
  if (!(err instanceof Error) || !Array.isArray(inner) || inner.length === 0) return err;
  const causes = [...new Set(inner.map((e) => (e instanceof Error ? e.message : String(e))))];
  return new Error(`${err.message} (${causes.join('; ')})`, { cause: err });
}

function serve(driver: ClientDriver): void {
  serveStage(
    {
      run: async (a: ClientRunArgs) => {
        try {
          return await driver.run(a);
        } catch (err) {
          throw withCauses(err);
        }
      },
    },
    async () => undefined,
  );
  sendReady({ available: true });
}

function unavailable(reason: string): void {
  serveStage({}, async () => undefined);
  sendReady({ available: false, reason });
}

if (lib === 'confluent') {
  const require = createRequire(import.meta.url);
  let reason: string;
  try {
    require.resolve('@confluentinc/kafka-javascript');
    reason = 'installed, but this bench has no driver for it yet';
  } catch {
    reason =
      '@confluentinc/kafka-javascript is not installed (its install needs a prebuilt binary from GitHub or a librdkafka source build that downloads zlib/OpenSSL/zstd/curl: neither is reachable here)';
  }
  unavailable(reason);
} else if (lib === 'kafkajs') {
  const { kafkajsDriver } = await import('./client-kafkajs.ts');
  serve(kafkajsDriver(brokers));
} else if (lib === 'platformatic') {
  let driver: ClientDriver | null = null;
  try {
    const { platformaticDriver } = await import('./client-platformatic.ts');
    driver = platformaticDriver(brokers);
  } catch (err) {
    unavailable(
      `@platformatic/kafka does not load (a devDependency: is it installed?): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (driver) serve(driver);
} else if (lib === 'rdkafka') {
  const { loadRdkafka, rdkafkaDriver } = await import('./client-rdkafka.ts');
  const loaded = loadRdkafka();
  if (loaded.ok) serve(rdkafkaDriver(brokers, loaded.mod, loaded.version));
  else unavailable(loaded.reason);
} else {
  throw new Error(`BENCH_CLIENT_LIB: unknown library "${lib}" (expected kafkajs, platformatic, rdkafka or confluent)`);
}
