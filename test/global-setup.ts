// vitest globalSetup: a current build in dist/ (test/helpers/build-dist.ts) and one Kafka broker for
// the whole test run.
// - KAFKA_BROKERS set: use that cluster, start nothing.
// - otherwise: a local broker under <tmp>/planewatch-test-<pid>, stopped (and its dir removed) in teardown.
// Workers see the brokers two ways: inject('kafkaBrokers') and process.env.KAFKA_BROKERS (the forks
// pool builds each worker's env from process.env when the tests are scheduled, which is after this
// setup function has run).
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { resolveKafka, type ResolvedKafka } from '../local-broker/index.ts';
import { logger } from '../core/log.ts';
import { buildDist } from './helpers/build-dist.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma-separated bootstrap servers of the test broker (same value as KAFKA_BROKERS). */
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await buildDist();
  const external = process.env.KAFKA_BROKERS?.trim();
  let dataDir: string | undefined;
  let kafka: ResolvedKafka;
  if (external) {
    kafka = await resolveKafka(process.env);
  } else {
    dataDir = path.join(os.tmpdir(), `planewatch-test-${process.pid}`);
    await fsp.rm(dataDir, { recursive: true, force: true });
    const started = Date.now();
    kafka = await resolveKafka({}, { dataDir, log: logger.child({ scope: 'test-global-setup' }) });
    logger.info({ brokers: kafka.brokers, ms: Date.now() - started }, 'test kafka broker started');
  }
  const brokers = kafka.brokers.join(',');
  process.env.KAFKA_BROKERS = brokers;
  project.provide('kafkaBrokers', brokers);

  return async () => {
    await kafka.stop();
    if (dataDir) await fsp.rm(dataDir, { recursive: true, force: true });
  };
}
