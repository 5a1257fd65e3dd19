// Peak RSS of the all-in-one's start-up and first evaluation on a store pre-filled in-engine,
// without the e2e section's ingest load: a cheaper, repeatable look at the part of the bench's
// memory figure that the first evaluation of a freshly filled store sets.
//
//   npx tsx bench/first-evaluation-memory.ts --prefill=N <store-dir>   # fill <store-dir> with N generated events
//   npx tsx bench/first-evaluation-memory.ts <store-dir>               # copy it, start the all-in-one on the copy,
//                                                                       # wait for its first evaluation, print VmHWM
//
// The copy is taken before each run, so every run starts from the same freshly filled store
// (parts not yet merged, no detection state). Prints the process's RSS every 2 s and its VmHWM.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../core/log.ts';
import { closeKafkaClients, startKafkaSession, type KafkaSession } from './lib/kafka-session.ts';
import { PARTITIONS } from './lib/options.ts';
import { killAll, procMemory, StageChild } from './lib/proc.ts';
import { BENCH_CONFIG_YAML, BENCH_SECRET, BENCH_SECRET_ENV } from './lib/workload.ts';

const args = process.argv.slice(2);
const prefill = Number(args.find((a) => a.startsWith('--prefill='))?.slice('--prefill='.length) ?? NaN);
const storeDir = args.find((a) => !a.startsWith('--'));
if (!storeDir) throw new Error('usage: first-evaluation-memory.ts [--prefill=N] <store-dir>');
const say = (msg: string) => process.stdout.write(`[mem ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => Math.round(b / 2 ** 20);

const runDir = mkdtempSync(path.join(os.tmpdir(), 'planewatch-mem-'));
const configPath = path.join(runDir, 'planewatch.yaml');
writeFileSync(configPath, BENCH_CONFIG_YAML);
let session: KafkaSession | undefined;

async function main(): Promise<void> {
  if (Number.isSafeInteger(prefill) && prefill > 0) {
    mkdirSync(storeDir!, { recursive: true });
    const pre = new StageChild('store', { env: { PLANEWATCH_DATA_DIR: storeDir } });
    await pre.ready;
    say(`pre-filling ${storeDir} with ${prefill} generated events`);
    for (let off = 0; off < prefill; off += 2_000_000)
      await pre.call('insertSelect', { n: Math.min(2_000_000, prefill - off), offset: off });
    await pre.stop();
    say('done');
    return;
  }
  const dataDir = path.join(runDir, 'store');
  cpSync(storeDir!, dataDir, { recursive: true });
  session = await startKafkaSession(runDir, createLogger({ level: 'warn', name: 'mem' }), say, () => undefined);
  const env = {
    KAFKA_BROKERS: session.brokers,
    PLANEWATCH_DATA_DIR: dataDir,
    PLANEWATCH_CONFIG: configPath,
    PLANEWATCH_PARTITIONS: String(PARTITIONS),
    PLANEWATCH_LOG_LEVEL: 'warn',
    [BENCH_SECRET_ENV]: BENCH_SECRET,
    BENCH_GROUP_SUFFIX: `mem-${Date.now().toString(36)}`,
    BENCH_DETECTOR: 'on',
  };
  say(
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const aio = new StageChild('all-in-one', { env, readyTimeoutMs: 600_000 });
  await aio.ready;
  const t0 = Date.now();
  say('all-in-one ready; waiting for its first evaluation');
  for (;;) {
    const h = await aio.call<{
      evaluations: number;
      lastEvaluation: { transitions: number; matches: number } | null;
      lastError: string | null;
    } | null>('detector');
    const m = procMemory(aio.child.pid!);
    say(`t=${Math.round((Date.now() - t0) / 1000)} s rss ${mib(m?.rss ?? 0)} MiB hwm ${mib(m?.hwm ?? 0)} MiB`);
    if (h && h.evaluations > 0) {
      say(`first evaluation: ${JSON.stringify(h.lastEvaluation)}${h.lastError ? `; errors: ${h.lastError}` : ''}`);
      break;
    }
    if (Date.now() - t0 > 1_800_000) throw new Error('no evaluation after 30 min');
    await sleep(2000);
  }
  await sleep(5000);
  const hwm = await aio.stop(60_000);
  say(
    `peak RSS (VmHWM) ${mib(hwm)} MiB; load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  await closeKafkaClients(session);
}

try {
  await main();
} finally {
  killAll();
  await session?.broker.stop().catch(() => undefined);
  rmSync(runDir, { recursive: true, force: true });
}
process.exit(0);
