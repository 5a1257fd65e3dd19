// `npm run bench` — planewatch side by side with the limits of its parts, on this machine, in one run.
//
//   npm run bench                 # --quick (default): a first look, a few minutes
//   npm run bench -- --full       # the sizes (10 M stored events for the memory figure)
//   npm run bench -- --only=collector,e2e   # a subset (cli,broker,client,store,collector,normalizer,sink,e2e,detections,alerts)
//   npm run bench -- --stored=0   # events pre-filled into the all-in-one store before the e2e run (quick 1 M, full 10 M)
//   npm run bench -- --cpu-prof   # also write V8 CPU profiles of the stage processes (bench/results/profiles/…)
//
// It starts its own Kafka broker (local-broker/broker.ts) in a temp dir, runs every stage in a child
// process of its own (peak RSS = that process's VmHWM), prints a table with ratios against the
// baselines measured in the same run, writes everything to bench/results/<timestamp>.json, and
// stops every process it started. Absolute figures on a 2-core machine are noisy: read the ratios.
// Each section is a module of bench/sections/ behind one interface (bench/sections/section.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalBroker } from '../local-broker/index.ts';
import { REPO_ROOT } from '../core/repo-root.ts';
import { createLogger } from '../core/log.ts';
import { closeKafkaClients, startKafkaSession, type KafkaSession } from './lib/kafka-session.ts';
import { parseBenchOptions, PARTITIONS } from './lib/options.ts';
import { killAll, liveChildren, StageChild } from './lib/proc.ts';
import { Report, round } from './lib/report.ts';
import { BENCH_CONFIG_YAML, BENCH_SECRET, BENCH_SECRET_ENV, benchBoundaryMap, measureRecordSizes } from './lib/workload.ts';
import { SECTIONS } from './sections/index.ts';
import type { Baselines, BenchSection, SectionContext } from './sections/section.ts';

const opts = parseBenchOptions(process.argv.slice(2));
const log = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn', name: 'bench' });
const say = (msg: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const report = new Report();

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = mkdtempSync(path.join(os.tmpdir(), 'planewatch-bench-'));
const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
const profDir = path.join(resultsDir, 'profiles', stamp);
const configPath = path.join(runDir, 'planewatch.yaml');
writeFileSync(configPath, BENCH_CONFIG_YAML);
let broker: LocalBroker | undefined;
let session: KafkaSession | undefined;

function startStage(name: string, dataDir: string, extra: Record<string, string> = {}): StageChild {
  mkdirSync(dataDir, { recursive: true });
  if (opts.cpuProf) mkdirSync(profDir, { recursive: true });
  const env = {
    KAFKA_BROKERS: broker!.brokers.join(','),
    PLANEWATCH_DATA_DIR: dataDir,
    PLANEWATCH_CONFIG: configPath,
    PLANEWATCH_PARTITIONS: String(PARTITIONS),
    PLANEWATCH_LOG_LEVEL: 'warn',
    [BENCH_SECRET_ENV]: BENCH_SECRET,
    ...extra,
  };
  return new StageChild(name, { env, cpuProfDir: opts.cpuProf ? profDir : undefined });
}

let cleaningUp = false;
async function cleanup(): Promise<void> {
  if (cleaningUp) return;
  cleaningUp = true;
  killAll();
  await broker?.stop().catch(() => undefined);
  if (!opts.keep) rmSync(runDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    say(`${sig}: stopping every process the bench started`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** The sections --only asks for (all by default), with those whose output a selected one consumes. */
function selectedSections(): BenchSection[] {
  const want = (name: string) => !opts.only || (opts.only as string[]).includes(name);
  return SECTIONS.filter((s) => want(s.name) || (s.inputOf ?? []).some(want));
}

function sectionContext(baselines: Baselines): SectionContext {
  const map = benchBoundaryMap();
  const tag = `b${Date.now().toString(36)}`;
  // Record sizes: the WorkOS fixtures through the real envelope and normalizer code.
  const records = measureRecordSizes(`${tag}sz`, map);
  report.results.recordSizes = records;
  say(
    `record sizes: body ${records.bodyBytes} B, RawEnvelope ${records.rawEnvelopeBytes} B, IdentityEvent ${records.identityEventBytes} B, JSON row ${records.jsonRowBytes} B; ${records.eventsPerDelivery} events/delivery`,
  );
  const kafka = () => {
    if (!session) throw new Error('this bench section needs the broker, which is not started yet');
    return session;
  };
  return { opts, tag, map, records, runDir, report, baselines, say, startStage, kafka };
}

async function runSections(sections: BenchSection[], ctx: SectionContext, baselines: Baselines): Promise<void> {
  for (const s of sections) Object.assign(baselines, await s.run(ctx));
}

async function main(): Promise<void> {
  const started = Date.now();
  say(`mode ${opts.sizes.mode}; run dir ${runDir}`);
  report.results.machine = {
    loadAvgAtStart: os.loadavg(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
  const baselines: Baselines = {};
  const ctx = sectionContext(baselines);
  const sections = selectedSections();
  await runSections(
    sections.filter((s) => s.beforeBroker),
    ctx,
    baselines,
  );
  const withBroker = sections.filter((s) => !s.beforeBroker);
  if (withBroker.length === 0) return;

  session = await startKafkaSession(runDir, log, say, (b) => (broker = b));
  report.results.sizes = opts.sizes;
  await runSections(withBroker, ctx, baselines);
  await closeKafkaClients(session);
  report.results.totalSeconds = round((Date.now() - started) / 1000);
}

function writeResults(): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), mode: opts.sizes.mode, rows: report.rows, results: report.results }, null, 2) + '\n',
  );
  return file;
}

function printSummary(file: string): void {
  const loadAtStart =
    (report.results.machine as { loadAvgAtStart?: number[] } | undefined)?.loadAvgAtStart?.map((x) => round(x, 1)).join(' / ') ?? '?';
  process.stdout.write(
    `\nplanewatch bench (${opts.sizes.mode}) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${loadAtStart}, at end ${os
      .loadavg()
      .map((x) => round(x, 1))
      .join(' / ')}\n\n${report.table()}\n\nresults: ${path.relative(process.cwd(), file)}\n`,
  );
  if (opts.cpuProf)
    process.stdout.write(
      `CPU profiles: ${path.relative(process.cwd(), profDir)} (summarize with: npx tsx bench/profile-summary.ts <file.cpuprofile>)\n`,
    );
  if (liveChildren() > 0) process.stdout.write(`warning: ${liveChildren()} child processes were still running and have been killed\n`);
}

try {
  await main();
} catch (err) {
  say(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  report.results.error = err instanceof Error ? err.message : String(err);
  process.exitCode = 1;
} finally {
  await cleanup();
  printSummary(writeResults());
}
process.exit(process.exitCode ?? 0);
