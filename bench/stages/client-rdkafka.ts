// node-rdkafka driver of the `client` bench stage (librdkafka, C, behind a Node addon). It is not a
// dependency of the project: `bash bench/setup-rdkafka.sh` (opt-in) apt-installs Debian's
// librdkafka-dev and builds node-rdkafka against it into bench/.rdkafka (git-ignored); the stage
// loads it from there when present and reports it as not available otherwise.
//
// Same workload as the kafkajs driver, mapped onto librdkafka's API: produce() is per record and
// librdkafka batches by itself (batch.num.messages=1000, idempotent, acks=-1, murmur2_random =
// the Java partitioner); the application keeps at most 2 × 1000 records unacknowledged, the same
// window as 2 sendBatch calls of 1000 in flight, and waits for every delivery report. Then a
// consumer group (subscribe, auto.offset.reset=earliest, auto commit) read with consume(1000):
// batches of up to 1000 records fetched by librdkafka's own threads.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { BENCH_DIR } from '../lib/proc.ts';
import {
  FETCH_MAX_BYTES_PER_PARTITION,
  PRODUCE_BATCH,
  PRODUCE_IN_FLIGHT,
  Phase,
  recordKey,
  type ClientDriver,
  type ClientRunArgs,
  type ClientRunResult,
} from './client-common.ts';

/** Where bench/setup-rdkafka.sh builds node-rdkafka (git-ignored). */
export const RDKAFKA_DIR = path.join(BENCH_DIR, '.rdkafka');
const MODULE_DIR = path.join(RDKAFKA_DIR, 'node_modules', 'node-rdkafka');

// The few parts of node-rdkafka's API this driver uses (its own typings live in the git-ignored build folder).
type Callback<T = unknown> = (err: Error | null | undefined, data?: T) => void;
interface RdClient {
  connect(metadataOptions: Record<string, unknown>, cb: Callback): unknown;
  disconnect(cb: Callback): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
}
interface RdProducer extends RdClient {
  produce(topic: string, partition: number | null, value: Buffer, key: string): unknown;
  setPollInterval(ms: number): unknown;
}
interface RdConsumer extends RdClient {
  subscribe(topics: string[]): unknown;
  consume(n: number, cb: (err: Error | null | undefined, messages: unknown[]) => void): void;
}
interface RdModule {
  librdkafkaVersion: string;
  Producer: new (conf: Record<string, unknown>, topicConf?: Record<string, unknown>) => RdProducer;
  KafkaConsumer: new (conf: Record<string, unknown>, topicConf: Record<string, unknown>) => RdConsumer;
}

/** The built module, or why it cannot be used. */
export function loadRdkafka(): { ok: true; mod: RdModule; version: string } | { ok: false; reason: string } {
  if (!existsSync(path.join(MODULE_DIR, 'package.json'))) {
    return {
      ok: false,
      reason:
        'node-rdkafka is not built (opt-in: `bash bench/setup-rdkafka.sh` apt-installs librdkafka-dev and builds it into bench/.rdkafka)',
    };
  }
  try {
    const require = createRequire(path.join(RDKAFKA_DIR, 'package.json'));
    const mod = require('node-rdkafka') as RdModule;
    const version = (require('node-rdkafka/package.json') as { version: string }).version.replace(/^v/, ''); // its package.json says "v3.6.1"
    return { ok: true, mod, version };
  } catch (err) {
    return { ok: false, reason: `node-rdkafka in bench/.rdkafka does not load: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const call = <T = unknown>(fn: (cb: Callback<T>) => unknown): Promise<T | undefined> =>
  new Promise((resolve, reject) => {
    fn((err, data) => (err ? reject(err) : resolve(data)));
  });

export function rdkafkaDriver(brokers: string[], mod: RdModule, version: string): ClientDriver {
  return {
    async run(a: ClientRunArgs): Promise<ClientRunResult> {
      const producer = new mod.Producer({
        'metadata.broker.list': brokers.join(','),
        'client.id': 'bench-client-rdkafka',
        'enable.idempotence': true,
        acks: -1,
        partitioner: 'murmur2_random',
        'batch.num.messages': PRODUCE_BATCH,
        dr_cb: true,
      });
      let acked = 0;
      let failed: Error | null = null;
      let wake: (() => void) | null = null;
      producer.on('delivery-report', ((err: Error | null) => {
        if (err) failed ??= err;
        acked++;
        if (wake) {
          const w = wake;
          wake = null;
          w();
        }
      }) as (...args: never[]) => void);
      await call((cb) => producer.connect({}, cb));
      producer.setPollInterval(5);
      /** Resolves once at most `outstanding` produced records are still unacknowledged. */
      const waitUntil = async (produced: number, outstanding: number) => {
        while (produced - acked > outstanding) {
          await new Promise<void>((r) => (wake = r));
          if (failed) throw failed;
        }
      };
      const payload = randomBytes(a.recordSize);
      const p = new Phase().start();
      let produced = 0;
      for (let i = 0; i < a.records; i += PRODUCE_BATCH) {
        await waitUntil(produced, (PRODUCE_IN_FLIGHT - 1) * PRODUCE_BATCH);
        for (let k = i; k < Math.min(i + PRODUCE_BATCH, a.records); k++) {
          producer.produce(a.topic, null, payload, recordKey(k));
          produced++;
        }
      }
      await waitUntil(produced, 0);
      const produce = p.stop(a.records);
      producer.setPollInterval(0);
      await call((cb) => producer.disconnect(cb));
      if (failed) throw failed;

      const consumer = new mod.KafkaConsumer(
        {
          'metadata.broker.list': brokers.join(','),
          'client.id': 'bench-client-rdkafka',
          'group.id': a.group,
          'enable.auto.commit': true,
          'max.partition.fetch.bytes': FETCH_MAX_BYTES_PER_PARTITION,
        },
        { 'auto.offset.reset': 'earliest' },
      );
      await call((cb) => consumer.connect({}, cb));
      const c = new Phase().start();
      consumer.subscribe([a.topic]);
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        const next = () =>
          consumer.consume(PRODUCE_BATCH, (err, messages) => {
            if (err) return reject(err);
            if (messages.length > 0) {
              seen += messages.length;
              c.mark(messages.length);
            }
            if (seen >= a.records) resolve();
            else next();
          });
        next();
      });
      const consume = c.stop(seen);
      await call((cb) => consumer.disconnect(cb));
      return {
        name: `node-rdkafka ${version} (librdkafka ${mod.librdkafkaVersion})`,
        produce,
        consume,
        how: 'idempotent, acks=-1, produce() per record with librdkafka batching (batch.num.messages=1000), at most 2 × 1000 records unacknowledged; consumer group, consume(1000) in a loop',
      };
    },
  };
}
