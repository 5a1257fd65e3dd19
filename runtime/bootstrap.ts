// Start-up shared by every service entry point: validate the environment and the boundary map,
// load connection secrets, reach (or start) Kafka, open ClickHouse and apply migrations.
// Everything here fails fast with a message naming the setting to fix.
import path from 'node:path';
import type { Kafka, Producer } from 'kafkajs';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadEnv, type Env } from '../core/config/env.ts';
import { loadBoundaryMap, type LoadedConfig } from '../core/config/load.ts';
import { resolveSecrets } from '../core/config/secrets.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { resolveKafka, type LocalBroker } from '../local-broker/index.ts';
import { superviseBroker } from '../local-broker/supervisor.ts';
import { createKafka, createProducer, ensureTopics } from '../core/kafka/client.ts';
import { TOPICS } from '../core/kafka/topics.ts';
import { createClickHouse, fromEnv as clickhouseFromEnv } from '../core/clickhouse/client.ts';
import { migrate } from '../core/clickhouse/migrate.ts';
import { withLease } from '../core/kafka/lease.ts';
import { assertClickHouseReachable, type CheckResult } from '../core/readiness.ts';

export interface Runtime {
  env: Env;
  config: LoadedConfig;
  secrets: Map<string, string>;
  dataDir: string;
  log: Logger;
  kafka: Kafka;
  brokers: string[];
  producer: Producer;
  clickhouse: ClickHouseClient;
  clickhouseMode: 'embedded' | 'server';
  /** The broker this process started and supervises (no KAFKA_BROKERS), else undefined. */
  localBroker?: LocalBroker;
  /**
   * Liveness (/healthz): false only when this process cannot heal itself, i.e. the local broker it
   * supervises did not come back. An external cluster being down is a readiness matter (/readyz).
   */
  liveness(): CheckResult;
  /** Stops what this runtime started, in reverse order. */
  close(): Promise<void>;
}

export interface BootstrapOptions {
  service: string;
  knownVendors: readonly string[];
  processEnv?: NodeJS.ProcessEnv;
  /** Start a local Kafka broker when KAFKA_BROKERS is not set (all-in-one, dev). */
  startBroker?: boolean;
  needKafka?: boolean;
  needClickHouse?: boolean;
  needSecrets?: boolean;
}

export async function bootstrap(opts: BootstrapOptions): Promise<Runtime> {
  const processEnv = opts.processEnv ?? process.env;
  const env = loadEnv(processEnv);
  const log = createLogger({ level: env.PLANEWATCH_LOG_LEVEL, name: `planewatch-${opts.service}` });
  const dataDir = path.resolve(env.PLANEWATCH_DATA_DIR);
  const config = loadBoundaryMap({ configPath: env.PLANEWATCH_CONFIG, knownVendors: opts.knownVendors });
  const secrets =
    opts.needSecrets === false
      ? new Map<string, string>()
      : resolveSecrets(config.map, { env: processEnv, dataDir, generateMissing: config.embedded });

  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch((err: unknown) => log.warn({ err }, 'error while stopping'));
  };

  try {
    let brokers: string[] = [];
    let kafka: Kafka | undefined;
    let producer: Producer | undefined;
    let localBroker: LocalBroker | undefined;
    let liveness = (): CheckResult => ({ ok: true });
    if (opts.needKafka !== false) {
      if (!env.KAFKA_BROKERS && !opts.startBroker) {
        throw new Error(
          'KAFKA_BROKERS is not set: point it at your Kafka cluster (host:port,...), or use `npm start` / `npm run kafka` to run a local broker',
        );
      }
      const k = await resolveKafka(processEnv, { dataDir, port: env.KAFKA_PORT, log });
      closers.push(k.stop);
      if (k.local) {
        localBroker = k.local;
        const supervisor = superviseBroker(k.local, {
          log,
          maxAttempts: env.PLANEWATCH_BROKER_RESTART_ATTEMPTS,
          initialBackoffMs: env.PLANEWATCH_BROKER_RESTART_BACKOFF_MS,
        });
        closers.push(() => supervisor.stop()); // runs before k.stop (closers run in reverse)
        liveness = supervisor.liveness;
      }
      brokers = k.brokers;
      kafka = createKafka(brokers, `planewatch-${opts.service}`, { log });
      await ensureTopics(
        kafka,
        Object.values(TOPICS).map((topic) => ({ topic, numPartitions: env.PLANEWATCH_PARTITIONS })),
      );
      producer = createProducer(kafka);
      await producer.connect();
      closers.push(() => producer!.disconnect());
    }
    let clickhouse: ClickHouseClient | undefined;
    let clickhouseMode: 'embedded' | 'server' = 'embedded';
    if (opts.needClickHouse !== false) {
      const ch = await createClickHouse(clickhouseFromEnv(processEnv, dataDir));
      closers.push(() => ch.close());
      clickhouse = ch.client;
      clickhouseMode = ch.mode;
      if (ch.mode === 'server') await assertClickHouseReachable(clickhouse, processEnv.CLICKHOUSE_URL ?? '');
      // One line per migration file is detail (debug); the summary below says what changed.
      const migrateNow = () => migrate(ch.client, { cluster: ch.cluster, log: { info: (obj, msg) => log.debug(obj, msg) } });
      // A server may be shared by processes starting at once: one migrates under the 'migrations'
      // lease, the others wait, then find nothing pending and verify the checksums. Embedded chDB
      // allows one process per data directory, so there the lease would only cost start-up time.
      const applied =
        ch.mode === 'server' && kafka
          ? await withLease(kafka, 'migrations', migrateNow, { sessionTimeoutMs: env.PLANEWATCH_LEASE_SESSION_TIMEOUT_MS, log })
          : await migrateNow();
      if (applied.length) log.info({ applied }, 'ClickHouse migrations applied');
    }
    return {
      env,
      config,
      secrets,
      dataDir,
      log,
      brokers,
      clickhouseMode,
      close,
      localBroker,
      liveness,
      kafka: kafka as Kafka,
      producer: producer as Producer,
      clickhouse: clickhouse as ClickHouseClient,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
