// `npm run test:containers`: the integration and end-to-end suites against Kafka and a ClickHouse
// *server* in containers (@testcontainers/kafka, @testcontainers/clickhouse) instead of the local
// broker and embedded chDB — the ClickHouse-over-HTTP path the embedded default never exercises.
// Without a reachable Docker engine it prints one line and exits 0. Selection logic:
// scripts/test-containers/selection.ts. Images: the ones docker-compose.yml runs where the module
// supports them (ClickHouse 25.8); Kafka as a Confluent image in KRaft mode, the image family
// @testcontainers/kafka configures.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { answering } from './test-containers/ping.ts';
import {
  chooseEngine,
  containersEnv,
  CONTAINER_SUITES,
  describeEndpoint,
  dockerCandidates,
  dockerHostFor,
} from './test-containers/selection.ts';

const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.1';
const CLICKHOUSE_IMAGE = 'clickhouse/clickhouse-server:25.8';
const KAFKA_PLAINTEXT_PORT = 9093; // the listener @testcontainers/kafka maps to the host

interface Started {
  getHost(): string;
  getMappedPort(port: number): number;
  stop(): Promise<unknown>;
}
interface KafkaModule {
  KafkaContainer: new (image: string) => { withKraft(): { start(): Promise<Started> } };
}
interface StartedClickHouse extends Started {
  getUsername(): string;
  getPassword(): string;
  getDatabase(): string;
}
interface ClickHouseModule {
  ClickHouseContainer: new (image: string) => { withDatabase(db: string): { start(): Promise<StartedClickHouse> } };
}

/** The dev dependency, or an error saying how to install it (a clear message when npm install left them out). */
async function load<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (err) {
    throw new Error(`test:containers: ${name} is not installed; run npm install (it is a dev dependency): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function main(): Promise<number> {
  const candidates = dockerCandidates(process.env, os.homedir());
  const choice = chooseEngine(candidates, await answering(candidates.endpoints));
  if ('skip' in choice) {
    process.stdout.write(`${choice.skip}\n`);
    return 0;
  }
  const engine = choice.engine;
  process.env.DOCKER_HOST = dockerHostFor(engine);
  process.stdout.write(`test:containers: Docker engine at ${describeEndpoint(engine)} (${engine.from}); starting Kafka and ClickHouse\n`);
  const { KafkaContainer } = await load<KafkaModule>('@testcontainers/kafka');
  const { ClickHouseContainer } = await load<ClickHouseModule>('@testcontainers/clickhouse');
  const [kafka, clickhouse] = await Promise.all([
    new KafkaContainer(KAFKA_IMAGE).withKraft().start(),
    new ClickHouseContainer(CLICKHOUSE_IMAGE).withDatabase('planewatch').start(),
  ]);
  try {
    const env = containersEnv(
      process.env,
      {
        kafka: { host: kafka.getHost(), port: kafka.getMappedPort(KAFKA_PLAINTEXT_PORT) },
        clickhouse: {
          host: clickhouse.getHost(),
          httpPort: clickhouse.getMappedPort(8123),
          user: clickhouse.getUsername(),
          password: clickhouse.getPassword(),
          database: clickhouse.getDatabase(),
        },
      },
      engine,
    );
    process.stdout.write(
      `test:containers: KAFKA_BROKERS=${env.KAFKA_BROKERS} CLICKHOUSE_URL=${env.CLICKHOUSE_URL}; running ${CONTAINER_SUITES.join(' ')}\n`,
    );
    const vitest = spawn('npx', ['vitest', 'run', ...CONTAINER_SUITES], { env, stdio: 'inherit' });
    return await new Promise<number>((resolve) => vitest.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    await Promise.allSettled([kafka.stop(), clickhouse.stop()]);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
