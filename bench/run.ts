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
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { ensureKafkaJars, startLocalBroker, REPO_ROOT, type LocalBroker } from '../local-broker/index.ts';
import { createKafka, createProducer, ensureTopics } from '../core/kafka/client.ts';
import { TOPICS } from '../core/kafka/topics.ts';
import { createLogger } from '../core/log.ts';
import {
  BENCH_CONFIG_YAML, BENCH_SECRET, BENCH_SECRET_ENV, benchBoundaryMap, deliveryBody, envelopeFor, eventJsonRow, eventsFor,
  measureRecordSizes, rawMessage, signedDeliveries, type RecordSizes,
} from './lib/workload.ts';
import { CpuMeter, StageChild, killAll, liveChildren, track } from './lib/proc.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { consumerPerf, producerPerf } from './lib/kafka-perf.ts';
import { runAlertsBench } from './stages/alerts.ts';
import { runCliStartupBench, type RunFigures } from './stages/cli-startup.ts';

// ---------------------------------------------------------------------------------------------------
// Arguments and sizes
// ---------------------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const FULL = argv.includes('--full');
const CPU_PROF = argv.includes('--cpu-prof');
const KEEP = argv.includes('--keep');
const ONLY = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean);
const ALL_SECTIONS = ['cli', 'broker', 'client', 'store', 'collector', 'normalizer', 'sink', 'e2e', 'detections', 'alerts'] as const;
type Section = (typeof ALL_SECTIONS)[number];
for (const s of ONLY ?? []) if (!(ALL_SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section "${s}" (expected ${ALL_SECTIONS.join(', ')})`);
const want = (s: Section) => !ONLY || ONLY.includes(s);
// --e2e=ingest|shipped: only that variant of the end-to-end section (default both).
const E2E_VARIANT = argv.find((a) => a.startsWith('--e2e='))?.slice('--e2e='.length);
if (E2E_VARIANT !== undefined && E2E_VARIANT !== 'ingest' && E2E_VARIANT !== 'shipped') throw new Error(`--e2e: expected ingest or shipped, got "${E2E_VARIANT}"`);

const SIZES = FULL
  ? { mode: 'full', perfRecords: 1_000_000, clientRecords: 300_000, stageEvents: 300_000, peerRows: 1_000_000, collectorSec: 30, e2eDeliveries: 200_000, freshSec: 60, storedEvents: 10_000_000 }
  : { mode: 'quick', perfRecords: 200_000, clientRecords: 100_000, stageEvents: 50_000, peerRows: 200_000, collectorSec: 10, e2eDeliveries: 30_000, freshSec: 15, storedEvents: 1_000_000 };
const STORED = argv.find((a) => a.startsWith('--stored='));
if (STORED) {
  const n = Number(STORED.slice('--stored='.length));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`--stored: expected a whole number of events, got ${STORED}`);
  SIZES.storedEvents = n;
}
const CONCURRENCY = 64;
const PEER_BLOCK = 16384;
const PARTITIONS = 4;

const log = createLogger({ level: process.env.BENCH_LOG_LEVEL ?? 'warn', name: 'bench' });
const say = (msg: string) => process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 0) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

// ---------------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------------

interface Row {
  section: string;
  what: string;
  value: number | null;
  unit: string;
  /** e.g. "0.42 × Kafka-engine peer" */
  ratio?: string;
  target?: string;
  met?: boolean | null;
  note?: string;
}

const rows: Row[] = [];
const results: Record<string, unknown> = {};
const row = (r: Row) => rows.push(r);

// ---------------------------------------------------------------------------------------------------
// Kafka helpers (parent side)
// ---------------------------------------------------------------------------------------------------

/** Retries a metadata call for a while: right after topic creation a partition may not have its leader yet. */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

async function endOffsets(admin: Admin, topic: string): Promise<Map<number, bigint>> {
  const offs = await retrying(() => admin.fetchTopicOffsets(topic));
  return new Map(offs.map((o) => [o.partition, BigInt(o.high)]));
}

const sumOf = (m: Map<number, bigint>) => [...m.values()].reduce((a, b) => a + b, 0n);

/** Points a (new, empty) consumer group at the given offsets of a topic. */
async function setGroupOffsets(admin: Admin, groupId: string, topic: string, offsets: Map<number, bigint>): Promise<void> {
  await retrying(() => admin.setOffsets({ groupId, topic, partitions: [...offsets].map(([partition, offset]) => ({ partition, offset: offset.toString() })) }));
}

/** Sum over partitions of (committed − start) for a group on a topic. */
async function groupProgress(admin: Admin, groupId: string, topic: string, start: Map<number, bigint>): Promise<bigint> {
  const [t] = await retrying(() => admin.fetchOffsets({ groupId, topics: [topic] }));
  let sum = 0n;
  for (const p of t?.partitions ?? []) {
    const committed = BigInt(p.offset);
    const s = start.get(p.partition) ?? 0n;
    if (committed > s) sum += committed - s;
  }
  return sum;
}

/** Produces messages in large acks=all batches (setup work, not measured). */
async function prefill(producer: Producer, topic: string, messages: Message[], chunk = 2000): Promise<void> {
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < messages.length; i += chunk) {
    inFlight.push(producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: messages.slice(i, i + chunk) }] }));
    if (inFlight.length >= 4) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/** Waits until `progress()` reaches `target`; rate measured from the first progress seen (start-up and group join excluded). */
async function drainRate(progress: () => Promise<number>, target: number, timeoutMs: number, everyMs = 100) {
  const t0 = performance.now();
  let first: { t: number; n: number } | null = null;
  let n = 0;
  for (;;) {
    n = await progress();
    const t = performance.now();
    if (n > 0 && !first) first = { t, n };
    if (n >= target) break;
    if (t - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms at ${n}/${target}`);
    await sleep(everyMs);
  }
  const done = performance.now();
  const drainMs = first ? done - first.t : done - t0;
  const perSec = first && drainMs > 0 ? (n - first.n) / (drainMs / 1000) : n / ((done - t0) / 1000);
  return { n, perSec, drainMs, totalMs: done - t0, firstAfterMs: first ? first.t - t0 : null };
}

// ---------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = mkdtempSync(path.join(os.tmpdir(), 'planewatch-bench-'));
const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
const profDir = path.join(resultsDir, 'profiles', stamp);
const configPath = path.join(runDir, 'planewatch.yaml');
writeFileSync(configPath, BENCH_CONFIG_YAML);
let broker: LocalBroker | undefined;

function stageEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: broker!.brokers.join(','),
    PLANEWATCH_DATA_DIR: dataDir,
    PLANEWATCH_CONFIG: configPath,
    PLANEWATCH_PARTITIONS: String(PARTITIONS),
    PLANEWATCH_LOG_LEVEL: 'warn',
    [BENCH_SECRET_ENV]: BENCH_SECRET,
    ...extra,
  };
}

function startStage(name: string, dataDir: string, extra: Record<string, string> = {}): StageChild {
  mkdirSync(dataDir, { recursive: true });
  if (CPU_PROF) mkdirSync(profDir, { recursive: true });
  return new StageChild(name, { env: stageEnv(dataDir, extra), cpuProfDir: CPU_PROF ? profDir : undefined });
}

let cleaningUp = false;
async function cleanup(): Promise<void> {
  if (cleaningUp) return;
  cleaningUp = true;
  killAll();
  await broker?.stop().catch(() => undefined);
  if (!KEEP) rmSync(runDir, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    say(`${sig}: stopping every process the bench started`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  say(`mode ${SIZES.mode}; run dir ${runDir}`);
  results.machine = { loadAvgAtStart: os.loadavg(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: round(os.totalmem() / 2 ** 30, 1), node: process.version, platform: `${os.type()} ${os.release()}` };
  const map = benchBoundaryMap();
  const tag = `b${Date.now().toString(36)}`;

  // Record sizes: the WorkOS fixtures through the real envelope and normalizer code.
  const sizes: RecordSizes = measureRecordSizes(`${tag}sz`, map);
  results.recordSizes = sizes;
  say(`record sizes: body ${sizes.bodyBytes} B, RawEnvelope ${sizes.rawEnvelopeBytes} B, IdentityEvent ${sizes.identityEventBytes} B, JSON row ${sizes.jsonRowBytes} B; ${sizes.eventsPerDelivery} events/delivery`);

  // 0. CLI start-up against `node -e 0` (no broker needed) --------------------------------------------
  if (want('cli')) await cliStartupSection();
  if (ONLY && ONLY.every((s) => s === 'cli')) return;

  const libsDir = await ensureKafkaJars({ log });
  broker = await startLocalBroker({ dataDir: path.join(runDir, 'broker'), partitions: PARTITIONS, log });
  const brokers = broker.brokers.join(',');
  say(`broker up at ${brokers} (pid ${broker.pid})`);
  const kafka: Kafka = createKafka(broker.brokers, 'planewatch-bench', { log });
  const admin = kafka.admin();
  await admin.connect();
  const producer = createProducer(kafka);
  await producer.connect();
  await ensureTopics(kafka, [
    ...Object.values(TOPICS).map((topic) => ({ topic, numPartitions: PARTITIONS })),
    { topic: 'bench.perf.raw', numPartitions: PARTITIONS },
    { topic: 'bench.perf.events', numPartitions: PARTITIONS },
    { topic: 'bench.peer.events.json', numPartitions: PARTITIONS },
  ], { admin });

  results.sizes = SIZES;

  // 1. Broker limit ----------------------------------------------------------------------------------
  let brokerProduce: number | undefined;
  let brokerConsume: number | undefined;
  if (want('broker')) {
    say(`broker limit: ProducerPerformance ${SIZES.perfRecords} × ${sizes.rawEnvelopeBytes} B (RawEnvelope), acks=all`);
    const pRaw = await producerPerf({ libsDir, brokers, topic: 'bench.perf.raw', records: SIZES.perfRecords, recordSize: sizes.rawEnvelopeBytes });
    const cRaw = await consumerPerf({ libsDir, brokers, topic: 'bench.perf.raw', records: SIZES.perfRecords, group: `bench-perf-raw-${tag}` });
    say(`  produce ${round(pRaw.recordsPerSec)} rec/s, consume ${round(cRaw.recordsPerSec)} rec/s`);
    say(`broker limit: ProducerPerformance ${SIZES.perfRecords} × ${sizes.identityEventBytes} B (IdentityEvent), acks=all`);
    const pEv = await producerPerf({ libsDir, brokers, topic: 'bench.perf.events', records: SIZES.perfRecords, recordSize: sizes.identityEventBytes });
    const cEv = await consumerPerf({ libsDir, brokers, topic: 'bench.perf.events', records: SIZES.perfRecords, group: `bench-perf-ev-${tag}` });
    say(`  produce ${round(pEv.recordsPerSec)} rec/s, consume ${round(cEv.recordsPerSec)} rec/s`);
    results.broker = { raw: { produce: pRaw, consume: cRaw }, events: { produce: pEv, consume: cEv } };
    brokerProduce = pRaw.recordsPerSec;
    brokerConsume = cRaw.recordsPerSec;
    row({ section: 'broker', what: `Kafka ProducerPerformance, ${sizes.rawEnvelopeBytes} B records (RawEnvelope), acks=all`, value: round(pRaw.recordsPerSec), unit: 'rec/s', note: `p99 ${pRaw.p99Ms} ms` });
    row({ section: 'broker', what: `Kafka ConsumerPerformance, ${sizes.rawEnvelopeBytes} B records`, value: round(cRaw.recordsPerSec), unit: 'rec/s' });
    row({ section: 'broker', what: `Kafka ProducerPerformance, ${sizes.identityEventBytes} B records (IdentityEvent), acks=all`, value: round(pEv.recordsPerSec), unit: 'rec/s', note: `p99 ${pEv.p99Ms} ms` });
    row({ section: 'broker', what: `Kafka ConsumerPerformance, ${sizes.identityEventBytes} B records`, value: round(cEv.recordsPerSec), unit: 'rec/s' });
  }

  // 1b. Client library limit: kafkajs, @platformatic/kafka, node-rdkafka (when built by
  // bench/setup-rdkafka.sh) and @confluentinc/kafka-javascript (when installed), each in its own
  // process, producing the same number of RawEnvelope-sized records into a topic of its own and
  // consuming them. Records/s against Kafka's perf tools, and CPU per record against kafkajs's. --
  if (want('client')) {
    const LIB_NAMES = { kafkajs: 'kafkajs', platformatic: '@platformatic/kafka', rdkafka: 'node-rdkafka', confluent: '@confluentinc/kafka-javascript' } as const;
    let ref: import('./stages/client-common.ts').ClientRunResult | undefined;
    const vsRef = (x: number, refX: number | undefined, unit: string) => (refX ? `${round(x / refX, 2)} × kafkajs${unit}` : undefined);
    const join = (...parts: (string | undefined)[]) => parts.filter(Boolean).join('; ') || undefined;
    for (const lib of ['kafkajs', 'platformatic', 'rdkafka', 'confluent'] as const) {
      // A topic of its own per library: its consumer reads exactly the records it produced (a
      // prefetching consumer such as librdkafka's would otherwise also decode the other libraries' records).
      const topic = `bench.client.raw.${lib}`;
      const c = startStage('client', path.join(runDir, `client-${lib}`), { BENCH_CLIENT_LIB: lib });
      try {
        const info = await c.ready;
        if (info.available === false) {
          await c.stop();
          say(`client ${lib}: not available (${String(info.reason)})`);
          results[`client_${lib}`] = { available: false, reason: info.reason };
          row({ section: 'client', what: `${LIB_NAMES[lib]} produce/consume`, value: null, unit: 'rec/s', note: `not measured: ${String(info.reason)}` });
          continue;
        }
        await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }], { admin });
        say(`client ${lib}: produce ${SIZES.clientRecords} × ${sizes.rawEnvelopeBytes} B acks=all into ${topic}, then consume them`);
        const r = await c.call<import('./stages/client-common.ts').ClientRunResult>('run', {
          topic, records: SIZES.clientRecords, recordSize: sizes.rawEnvelopeBytes, group: `bench-client-${lib}-${tag}`,
        });
        const hwm = await c.stop();
        results[`client_${lib}`] = { ...r, peakRssBytes: hwm };
        if (lib === 'kafkajs') ref = r;
        const mainNote = (x: number | null) => (x === null ? '' : `, JS main thread ${round(x, 1)}`);
        say(`  ${r.name}: produce ${round(r.produce.perSec)} rec/s, ${round(r.produce.cpuUsPerRecord, 1)} µs CPU/rec; consume ${round(r.consume.perSec)} rec/s, ${round(r.consume.cpuUsPerRecord, 1)} µs CPU/rec`);
        row({
          section: 'client', what: `${r.name} produce (batches of 1000, ${r.produceDeviation ?? '2 in flight, acks=all'})`, value: round(r.produce.perSec), unit: 'rec/s',
          ratio: join(brokerProduce ? `${round(r.produce.perSec / brokerProduce, 2)} × Kafka producer tool` : undefined, lib === 'kafkajs' ? undefined : vsRef(r.produce.perSec, ref?.produce.perSec, '')),
          note: r.how,
        });
        row({
          section: 'client', what: `${r.name} produce: CPU per record (whole process)`, value: round(r.produce.cpuUsPerRecord, 1), unit: 'µs CPU/record',
          ratio: lib === 'kafkajs' ? undefined : vsRef(r.produce.cpuUsPerRecord, ref?.produce.cpuUsPerRecord, ' CPU'),
          note: `process.cpuUsage() over the produce phase ÷ ${r.produce.records} records${mainNote(r.produce.mainThreadCpuUsPerRecord)} µs/record; peak RSS ${round(hwm / 2 ** 20)} MiB`,
        });
        for (const v of r.produceVariants ?? []) {
          row({
            section: 'client', what: `${r.name} produce (batches of 1000, ${v.label})`, value: round(v.phase.perSec), unit: 'rec/s',
            ratio: join(brokerProduce ? `${round(v.phase.perSec / brokerProduce, 2)} × Kafka producer tool` : undefined, vsRef(v.phase.perSec, ref?.produce.perSec, '')),
          });
          row({
            section: 'client', what: `${r.name} produce (${v.label}): CPU per record (whole process)`, value: round(v.phase.cpuUsPerRecord, 1), unit: 'µs CPU/record',
            ratio: vsRef(v.phase.cpuUsPerRecord, ref?.produce.cpuUsPerRecord, ' CPU'), note: `process.cpuUsage() over the produce phase ÷ ${v.phase.records} records${mainNote(v.phase.mainThreadCpuUsPerRecord)} µs/record`,
          });
        }
        row({
          section: 'client', what: `${r.name} consume (consumer group, no work)`, value: round(r.consume.perSec), unit: 'rec/s',
          ratio: join(brokerConsume ? `${round(r.consume.perSec / brokerConsume, 2)} × Kafka consumer tool` : undefined, lib === 'kafkajs' ? undefined : vsRef(r.consume.perSec, ref?.consume.perSec, '')),
        });
        row({
          section: 'client', what: `${r.name} consume: CPU per record (whole process)`, value: round(r.consume.cpuUsPerRecord, 1), unit: 'µs CPU/record',
          ratio: lib === 'kafkajs' ? undefined : vsRef(r.consume.cpuUsPerRecord, ref?.consume.cpuUsPerRecord, ' CPU'),
          note: `process.cpuUsage() from subscribe (group join included) to the last record ÷ ${r.consume.records} records${mainNote(r.consume.mainThreadCpuUsPerRecord)} µs/record`,
        });
      } catch (err) {
        await c.stop().catch(() => undefined);
        if (lib === 'kafkajs') throw err;
        // An alternative library failing is a finding, not the end of the run.
        const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
        say(`client ${lib}: FAILED: ${msg}`);
        results[`client_${lib}`] = { available: true, error: err instanceof Error ? err.stack ?? err.message : String(err) };
        row({ section: 'client', what: `${LIB_NAMES[lib]} produce/consume`, value: null, unit: 'rec/s', note: `failed: ${msg}` });
      }
    }
  }

  // 2. Store limit -------------------------------------------------------------------------------------
  const N = SIZES.stageEvents;
  let storeInsert: number | undefined;
  let peerRate: number | undefined;
  if (want('store')) {
    const store = startStage('store', path.join(runDir, 'store'));
    await store.ready;
    const peerRows = Math.max(N, SIZES.peerRows);
    say(`store limit: INSERT INTO identity_events SELECT … FROM numbers(${peerRows}) in chDB`);
    const ins = await store.call<{ ms: number }>('insertSelect', { n: peerRows });
    storeInsert = peerRows / (ins.ms / 1000);
    row({ section: 'store', what: `ClickHouse (chDB) INSERT … SELECT ${peerRows} generated identity_events rows (one statement)`, value: round(storeInsert), unit: 'rows/s' });

    // The peer gets the same events, cycled up to peerRows (each copy with its own event_id, since
    // identity_events drops a block identical to a recent one) so that it runs over many blocks and
    // its rate is not one flush's latency.
    say(`store peer: producing ${peerRows} identity events (${N} distinct deliveries, cycled) as JSONEachRow to bench.peer.events.json`);
    const now = Date.now();
    const distinct: { id: string; rest: string }[] = [];
    const PREFIX = '{"event_id":';
    for (let i = 0; i < N; i++) {
      const env = envelopeFor(deliveryBodyFor(`${tag}peer`, i), now);
      for (const ev of eventsFor(env, map, now).events) {
        const json = eventJsonRow(ev);
        if (!json.startsWith(PREFIX)) throw new Error('identity_events JSON row does not start with event_id');
        distinct.push({ id: ev.event_id, rest: json.slice(PREFIX.length + JSON.stringify(ev.event_id).length) });
      }
    }
    const jsonMessages: Message[] = [];
    for (let i = 0; i < peerRows; i++) {
      const d = distinct[i % distinct.length]!;
      const id = `${d.id}_c${Math.floor(i / distinct.length)}`;
      jsonMessages.push({ key: id, value: Buffer.from(PREFIX + JSON.stringify(id) + d.rest) });
    }
    await prefill(producer, 'bench.peer.events.json', jsonMessages);
    say(`store peer: ClickHouse Kafka engine + MV consuming ${jsonMessages.length} rows into identity_events`);
    const peer = await store.call<{ rows: number; complete: boolean; totalMs: number; drainMs: number | null; firstRows: number; errors: number; settings: string[] }>('kafkaPeer', {
      brokers, topic: 'bench.peer.events.json', group: `bench-peer-${tag}`, n: jsonMessages.length, consumers: 2, maxBlock: PEER_BLOCK, flushMs: 500, timeoutMs: 900_000,
    });
    const hwm = await store.stop();
    peerRate = peer.drainMs ? (peer.rows - peer.firstRows) / (peer.drainMs / 1000) : peer.rows / (peer.totalMs / 1000);
    results.store = { insertSelect: { rows: peerRows, ms: ins.ms, perSec: storeInsert }, kafkaPeer: { ...peer, perSec: peerRate, perSecInclStartup: peer.rows / (peer.totalMs / 1000) }, peakRssBytes: hwm };
    row({
      section: 'store', what: `ClickHouse Kafka engine + MV (JSONEachRow, 2 consumers, block ${PEER_BLOCK}, flush 500 ms), ${peer.rows} rows`,
      value: round(peerRate), unit: 'rows/s', ratio: `${round(peerRate / storeInsert, 2)} × in-engine insert`,
      note: peer.complete ? `incl. group join: ${round(peer.rows / (peer.totalMs / 1000))} rows/s` : `INCOMPLETE: ${peer.rows}/${jsonMessages.length}`,
    });
  }

  // 3a. Collector ----------------------------------------------------------------------------------------
  let collectorRate: number | undefined;
  if (want('collector')) {
    const col = startStage('collector', path.join(runDir, 'collector'));
    const { url } = (await col.ready) as { url: string };
    say(`collector: warm-up 3 s, then ${SIZES.collectorSec} s at concurrency ${CONCURRENCY} (autocannon, pre-signed, acks=all)`);
    await runLoad({ url, pool: signedDeliveries(`${tag}cw`, 20_000, Date.now()), connections: CONCURRENCY, durationSec: 3 });
    const pool = signedDeliveries(`${tag}c`, Math.max(50_000, 12_000 * SIZES.collectorSec), Date.now());
    const meter = new CpuMeter({ collector: col.pid, broker: broker.pid, loadgen: process.pid }, ['collector']).start();
    const load = await runLoad({ url, pool, connections: CONCURRENCY, durationSec: SIZES.collectorSec });
    const cpu = meter.stop();
    const hwm = await col.stop();
    collectorRate = load.acceptedPerSec;
    results.collector = { load, cpu, peakRssBytes: hwm };
    rowsForLoad('collector', `collector: signed WorkOS deliveries accepted (202 after Kafka ack), concurrency ${CONCURRENCY}`, load, brokerProduce);
    cpuRow('collector: CPU per accepted delivery (collector process)', cpu, 'collector', load.ok2xx, 'delivery');
    row({ section: 'memory', what: 'peak RSS, collector process', value: round(hwm / 2 ** 20), unit: 'MiB' });
  }

  // 3b. Normalizer ---------------------------------------------------------------------------------------
  let normalizerRate: number | undefined;
  let sinkInput: { raw: Map<number, bigint>; events: Map<number, bigint>; envelopes: number; events_n: number } | undefined;
  if (want('normalizer') || want('sink')) {
    const group = `bench-normalizer-${tag}`;
    const rawStart = await endOffsets(admin, TOPICS.raw);
    const eventsStart = await endOffsets(admin, TOPICS.events);
    await setGroupOffsets(admin, group, TOPICS.raw, rawStart);
    say(`normalizer: pre-filling ${N} RawEnvelopes into ${TOPICS.raw}`);
    const now = Date.now();
    const msgs: Message[] = [];
    for (let i = 0; i < N; i++) msgs.push(rawMessage(envelopeFor(deliveryBodyFor(`${tag}n`, i), now)));
    await prefill(producer, TOPICS.raw, msgs);
    msgs.length = 0;
    const norm = startStage('normalizer', path.join(runDir, 'normalizer'), { BENCH_GROUP: group });
    await norm.ready;
    say(`normalizer: draining ${N} envelopes (consumer group ${group})`);
    const meter = new CpuMeter({ normalizer: norm.pid, broker: broker.pid }, ['normalizer']).start();
    const d = await drainRate(async () => Number(await groupProgress(admin, group, TOPICS.raw, rawStart)), N, 600_000);
    const cpu = meter.stop();
    const hwm = await norm.stop();
    normalizerRate = d.perSec;
    const produced = Number(sumOf(await endOffsets(admin, TOPICS.events)) - sumOf(eventsStart));
    sinkInput = { raw: rawStart, events: eventsStart, envelopes: N, events_n: produced };
    results.normalizer = { envelopes: N, eventsProduced: produced, ...d, cpu, peakRssBytes: hwm };
    cpuRow('normalizer: CPU per envelope (normalizer process, whole drain incl. group join)', cpu, 'normalizer', N, 'envelope');
    row({ section: 'stages', what: `normalizer: envelopes → events (${N} pre-filled, acks=all, commit after ack)`, value: round(d.perSec), unit: 'events/s', ratio: brokerConsume ? `${round(d.perSec / brokerConsume, 3)} × Kafka consumer tool` : undefined });
    row({ section: 'memory', what: 'peak RSS, normalizer process', value: round(hwm / 2 ** 20), unit: 'MiB' });
  }

  // 3c. Sink ---------------------------------------------------------------------------------------------
  let sinkRate: number | undefined;
  if (want('sink') && sinkInput) {
    const group = `bench-sink-${tag}`;
    await setGroupOffsets(admin, group, TOPICS.events, sinkInput.events);
    await setGroupOffsets(admin, group, TOPICS.raw, sinkInput.raw);
    await setGroupOffsets(admin, group, TOPICS.dlq, await endOffsets(admin, TOPICS.dlq));
    const sink = startStage('sink', path.join(runDir, 'sink'), { BENCH_GROUP: group });
    await sink.ready;
    const target = sinkInput.envelopes + sinkInput.events_n;
    say(`sink: draining ${sinkInput.events_n} events + ${sinkInput.envelopes} raw envelopes into chDB`);
    const meter = new CpuMeter({ sink: sink.pid, broker: broker.pid }, ['sink']).start();
    const d = await drainRate(async () => Number((await groupProgress(admin, group, TOPICS.events, sinkInput!.events)) + (await groupProgress(admin, group, TOPICS.raw, sinkInput!.raw))), target, 900_000);
    const cpu = meter.stop();
    const counts = await sink.call<Record<string, number>>('counts');
    const hwm = await sink.stop();
    sinkRate = d.perSec;
    results.sink = { ...d, counts, cpu, peakRssBytes: hwm };
    cpuRow('sink: CPU per row (sink process incl. embedded ClickHouse, whole drain)', cpu, 'sink', target, 'row');
    row({
      section: 'stages', what: `sink: events + raw envelopes → ClickHouse (${target} rows, commit after insert)`, value: round(d.perSec), unit: 'rows/s',
      ratio: storeInsert ? `${round(d.perSec / storeInsert, 3)} × in-engine insert` : undefined,
      note: `≈ ${round(d.perSec / 2)} events/s with their envelopes; stored ${counts.identity_events} events, ${counts.raw_envelopes} envelopes`,
    });
    row({ section: 'memory', what: 'peak RSS, sink process (incl. embedded ClickHouse)', value: round(hwm / 2 ** 20), unit: 'MiB' });
  }

  // 3d. End to end: the all-in-one process. Two variants, each in its own process and data directory:
  //  - ingest: collector + normalizer + sink only (detector off), empty store: the ingest path itself,
  //    the figure to hold against the Kafka-engine peer;
  //  - shipped: the all-in-one as `npm start` runs it (detector evaluating in the same process and
  //    the same embedded engine), on a store pre-filled with storedEvents rows: freshness and
  //    memory as a user would see them.
  if (want('e2e')) {
    const variants = [
      { key: 'ingest', label: 'ingest path (detector off, empty store)', detector: false, stored: 0 },
      { key: 'shipped', label: `as shipped (detector on, ${SIZES.storedEvents.toLocaleString('en-US')} events stored)`, detector: true, stored: SIZES.storedEvents },
    ].filter((v) => E2E_VARIANT === undefined || v.key === E2E_VARIANT);
    for (const v of variants) {
      const dataDir = path.join(runDir, `all-in-one-${v.key}`);
      if (v.stored > 0) {
        const pre = startStage('store', dataDir);
        await pre.ready;
        say(`e2e ${v.key}: pre-filling the all-in-one store with ${v.stored} generated events (in-engine, separate process)`);
        const chunk = 2_000_000;
        for (let off = 0; off < v.stored; off += chunk) await pre.call('insertSelect', { n: Math.min(chunk, v.stored - off), offset: off });
        await pre.stop();
      }

      const suffix = `e2e-${v.key}-${tag}`;
      for (const g of [`planewatch-normalizer-${suffix}`]) await setGroupOffsets(admin, g, TOPICS.raw, await endOffsets(admin, TOPICS.raw));
      for (const t of [TOPICS.events, TOPICS.raw, TOPICS.dlq]) await setGroupOffsets(admin, `planewatch-sink-${suffix}`, t, await endOffsets(admin, t));
      const aio = startStage('all-in-one', dataDir, { BENCH_GROUP_SUFFIX: suffix, BENCH_DETECTOR: v.detector ? 'on' : 'off' });
      const { url } = (await aio.ready) as { url: string };
      const counts = () => aio.call<{ identity_events: number; raw_envelopes: number }>('counts');
      const base = await counts();

      // Phase A: as fast as the pipeline goes.
      const nA = SIZES.e2eDeliveries;
      const expectA = Math.round(nA * sizes.eventsPerDelivery);
      say(`e2e ${v.key} A: ${nA} unique deliveries at concurrency ${CONCURRENCY}, until all ${expectA} events are queryable`);
      const poolA = signedDeliveries(`${tag}${v.key}A`, nA, Date.now());
      const meterA = new CpuMeter({ 'all-in-one': aio.pid, broker: broker.pid, loadgen: process.pid }, ['all-in-one']).start();
      const tA = performance.now();
      const loadA = await runLoad({ url, pool: poolA, connections: CONCURRENCY, amount: nA });
      const acceptedA = performance.now();
      let cA = await counts();
      while (cA.identity_events - base.identity_events < expectA) {
        if (performance.now() - tA > 900_000) throw new Error(`e2e ${v.key} A: only ${cA.identity_events - base.identity_events}/${expectA} events after 15 min`);
        await sleep(250);
        cA = await counts();
      }
      const doneA = performance.now();
      const cpuA = meterA.stop();
      const e2eRate = expectA / ((doneA - tA) / 1000);
      const freshA = await aio.call<Freshness>('freshness', `_${tag}${v.key}A_`);
      const batchesA = await pipelineBatchStats(url);
      if (batchesA) say(`e2e ${v.key} A: ${batchesA}`);
      results[`e2eMax_${v.key}`] = { deliveries: nA, events: expectA, load: loadA, acceptMs: acceptedA - tA, queryableMs: doneA - tA, eventsPerSec: e2eRate, freshness: freshA, cpu: cpuA, batches: batchesA };
      row({
        section: 'e2e', what: `end to end, max, ${v.label}: ${nA} deliveries accepted → ${expectA} rows queryable`, value: round(e2eRate), unit: 'events/s',
        ratio: peerRate ? `${round(e2eRate / peerRate, 2)} × Kafka-engine peer` : undefined, target: '≥ 0.5 × peer', met: peerRate ? e2eRate >= 0.5 * peerRate : null,
        note: `accepting took ${round((acceptedA - tA) / 1000, 1)} s (${round(loadA.acceptedPerSec)} deliveries/s), all queryable after ${round((doneA - tA) / 1000, 1)} s`,
      });

      cpuRow(`end to end, ${v.label}: CPU per event (all-in-one process)`, cpuA, 'all-in-one', expectA, 'event');

      // Phase B: freshness at about half the maximum rate.
      const rateB = Math.max(50, Math.round((e2eRate / Math.max(sizes.eventsPerDelivery, 1e-9)) / 2));
      const nB = rateB * SIZES.freshSec;
      say(`e2e ${v.key} B: ${nB} deliveries at ${rateB}/s (half the max) for ${SIZES.freshSec} s; freshness = ingested_at − received_at`);
      const poolB = signedDeliveries(`${tag}${v.key}B`, nB, Date.now());
      const loadB = await runLoad({ url, pool: poolB, connections: CONCURRENCY, amount: nB, overallRate: rateB });
      const expectB = Math.round(nB * sizes.eventsPerDelivery);
      const tB = performance.now();
      let freshB = await aio.call<Freshness>('freshness', `_${tag}${v.key}B_`);
      while (freshB.n < expectB && performance.now() - tB < 300_000) {
        await sleep(250);
        freshB = await aio.call<Freshness>('freshness', `_${tag}${v.key}B_`);
      }
      const final = await counts();
      const hwm = await aio.stop(60_000);
      results[`e2eFresh_${v.key}`] = { rate: rateB, deliveries: nB, load: loadB, freshness: freshB };
      results[`allInOne_${v.key}`] = { storedEventsBefore: base.identity_events, storedEventsAfter: final.identity_events, rawEnvelopesAfter: final.raw_envelopes, peakRssBytes: hwm };
      row({
        section: 'e2e', what: `freshness p95, ${v.label}, at ${rateB} deliveries/s (≈ half of its max), accepted → queryable`, value: round(freshB.p95), unit: 'ms',
        target: '≤ 2000 ms', met: freshB.n >= expectB ? freshB.p95 <= 2000 : false,
        note: `p50 ${round(freshB.p50)} ms, p99 ${round(freshB.p99)} ms, max ${round(freshB.max)} ms over ${freshB.n} events; webhook p99 ${round(loadB.latencyMs.p99, 1)} ms`,
      });
      row({
        section: 'memory', what: `peak RSS, all-in-one process, ${v.label} (store held ${final.identity_events.toLocaleString('en-US')} events at the end)`, value: round(hwm / 2 ** 20), unit: 'MiB',
        target: v.stored >= 10_000_000 ? '≤ 1536 MiB at 10 M events' : '≤ 1536 MiB (target is at 10 M events)', met: hwm <= 1.5 * 2 ** 30,
        note: `${v.stored.toLocaleString('en-US')} of them pre-filled in-engine, the rest through the pipeline`,
      });
    }
  }

  // 3e. Detections and alerting ----------------------------------------------------------------------------
  if (want('detections')) {
    const script = path.join(REPO_ROOT, 'bench', 'detections.ts');
    if (existsSync(script)) {
      say('detections: running bench/detections.ts');
      const r = await runDetectionsBench(script);
      results.detections = r;
    } else {
      results.detections = { available: false, reason: 'bench/detections.ts does not exist yet (detections are being built in another issue)' };
      row({ section: 'detections', what: 'detection evaluation over 1 M / 10 M events', value: null, unit: 's', target: '≤ 2 s at 10 M', met: null, note: 'not measured: bench/detections.ts does not exist yet' });
    }
  }
  if (want('alerts')) {
    const r = await runAlertsBench({ brokers: broker!.brokers.join(','), runDir, findings: FULL ? 1000 : 300, say });
    results.alertLatency = r.result;
    for (const x of r.rows) row(x);
  }

  await producer.disconnect();
  await admin.disconnect();
  results.totalSeconds = round((Date.now() - started) / 1000);
}

interface Freshness {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

const deliveryBodyFor = deliveryBody;

/**
 * Average consumed batch size per stage/topic and average sink insert time, from the all-in-one's
 * own Prometheus metrics (planewatch_batch_messages, planewatch_sink_insert_seconds), when present.
 */
async function pipelineBatchStats(url: string): Promise<string | null> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const sums = new Map<string, { sum: number; count: number }>();
    for (const line of text.split('\n')) {
      const m = /^(planewatch_batch_messages|planewatch_sink_insert_seconds)_(sum|count)\{([^}]*)\} ([\d.e+-]+)$/.exec(line);
      if (!m) continue;
      const key = `${m[1] === 'planewatch_batch_messages' ? 'batch' : 'insert'} ${m[3]!.replace(/"/g, '')}`;
      const e = sums.get(key) ?? { sum: 0, count: 0 };
      e[m[2] as 'sum' | 'count'] = Number(m[4]);
      sums.set(key, e);
    }
    if (sums.size === 0) return null;
    return [...sums].map(([k, v]) => `${k}: ${v.count} × avg ${round(k.startsWith('batch') ? v.sum / v.count : (1000 * v.sum) / v.count, 1)}${k.startsWith('batch') ? ' msgs' : ' ms'}`).join('; ');
  } catch {
    return null;
  }
}

function cpuRow(what: string, cpu: { wallMs: number; cpuMs: Record<string, number>; loadAvg1: number; threadsMs?: Record<string, Record<string, number>> }, main: string, items: number, per: string): void {
  const ms = cpu.cpuMs[main] ?? NaN;
  const split = Object.entries(cpu.cpuMs).map(([k, v]) => `${k} ${round(v / cpu.wallMs, 2)}`).join(', ');
  // µs per item by thread name (main JS thread vs GC/libuv workers vs the embedded engine's pools).
  const threads = cpu.threadsMs?.[main];
  const byThread = threads
    ? `; ${main} threads, µs/${per}: ` + Object.entries(threads).sort((a, b) => b[1] - a[1]).filter(([, v]) => (v * 1000) / items >= 1)
      .map(([k, v]) => `${k} ${round((v * 1000) / items)}`).join(', ')
    : '';
  row({
    section: 'cpu', what, value: round((ms * 1000) / items), unit: `µs CPU/${per}`,
    ratio: `≈ ${round(items / (ms / 1000))} ${per === "delivery" ? "deliveries" : per + "s"}/s per core`,
    note: `cores busy over ${round(cpu.wallMs / 1000, 1)} s: ${split}; machine load average ${cpu.loadAvg1}${byThread}`,
  });
}

function rowsForLoad(section: string, what: string, load: LoadResult, brokerProduce?: number): void {
  row({
    section: 'stages', what, value: round(load.acceptedPerSec), unit: 'deliveries/s',
    ratio: brokerProduce ? `${round(load.acceptedPerSec / brokerProduce, 3)} × Kafka producer tool` : undefined,
    target: '≥ 5000/s', met: load.acceptedPerSec >= 5000,
    note: `${load.ok2xx} accepted, ${load.non2xx} non-2xx, ${load.errors} errors in ${round(load.durationMs / 1000, 1)} s`,
  });
  row({
    section: 'stages', what: `${section}: latency p50 / p95 / p99 (2xx)`, value: round(load.latencyMs.p99, 1), unit: 'ms (p99)',
    target: 'p99 ≤ 50 ms', met: load.latencyMs.p99 <= 50, note: `p50 ${round(load.latencyMs.p50, 1)} ms, p95 ${round(load.latencyMs.p95, 1)} ms, max ${round(load.latencyMs.max)} ms`,
  });
}

/** bench/detections.ts (owned by the detections work): run as a child; its last stdout line of JSON is its result. */
async function runDetectionsBench(script: string): Promise<unknown> {
  return new Promise((resolve) => {
    const child = track(spawn(process.execPath, ['--import', 'tsx', script, FULL ? '--full' : '--quick', '--json'], {
      cwd: REPO_ROOT, env: { ...process.env, PLANEWATCH_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'inherit'],
    }));
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      process.stdout.write(c);
    });
    child.on('close', (code) => {
      const lastJson = out.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'));
      let parsed: unknown = null;
      try {
        parsed = lastJson ? JSON.parse(lastJson) : null;
      } catch {
        parsed = null;
      }
      if (code !== 0 || parsed === null) {
        row({ section: 'detections', what: 'detection evaluation (bench/detections.ts)', value: null, unit: 's', met: null, note: `bench/detections.ts exited ${code}${parsed === null ? ' without a JSON result line' : ''}` });
        resolve({ exitCode: code, output: out.slice(-4000) });
        return;
      }
      const rowsOut = (parsed as { rows?: Row[] }).rows;
      if (Array.isArray(rowsOut)) for (const r of rowsOut) row({ ...r, section: 'detections' });
      else row({ section: 'detections', what: 'detection evaluation (bench/detections.ts)', value: null, unit: '', note: JSON.stringify(parsed).slice(0, 200) });
      resolve(parsed);
    });
  });
}

/** `planewatch --help` and `planewatch findings` (against a stub of the findings route) vs `node -e 0`. */
async function cliStartupSection(): Promise<void> {
  // The CLI runs the build in dist/: make it current, so the figures are those of these sources.
  say('cli start-up: npm run build');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const rounds = FULL ? 21 : 9;
  say(`cli start-up: node -e 0, planewatch --help, planewatch findings; ${rounds} rounds each, medians`);
  const r = await runCliStartupBench({ rounds });
  results.cliStartup = r;
  const detail = (f: RunFigures) => [
    f.cpuMs === null ? null : `CPU ${round(f.cpuMs)} ms (${round(f.cpuMs / (r.baseline.cpuMs || 1), 1)} ×)`,
    f.peakRssMiB === null ? null : `peak RSS ${round(f.peakRssMiB)} MiB (${round(f.peakRssMiB / (r.baseline.peakRssMiB || 1), 1)} ×)`,
  ].filter(Boolean).join(', ');
  row({ section: 'cli', what: 'node -e 0 (baseline for the CLI rows)', value: round(r.baseline.wallMs), unit: 'ms wall', note: detail(r.baseline) || undefined });
  const cliRow = (what: string, f: RunFigures, bar: number, how: string) => {
    const ratio = f.wallMs / r.baseline.wallMs;
    row({ section: 'cli', what, value: round(f.wallMs), unit: 'ms wall', ratio: `${round(ratio, 1)} × node -e 0`, target: `≤ ${bar} × node -e 0`, met: ratio <= bar, note: `${how}; ${detail(f)}` });
  };
  cliRow('planewatch --help', r.help, 3, `${r.cli} --help, median of ${rounds}`);
  cliRow('planewatch findings (answered by the API)', r.findings, 6, `${r.cli} findings, median of ${rounds}, against a small local HTTP server answering GET /api/v1/findings with a fixed page of 25 findings (bench/lib/findings-api-stub.ts), not a running pipeline`);
}

// ---------------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------------

function table(): string {
  const head = ['section', 'measurement', 'value', 'unit', 'ratio', 'target', 'met'];
  const order = ['cli', 'broker', 'client', 'store', 'stages', 'e2e', 'detections', 'alerts', 'cpu', 'memory'];
  const sorted = [...rows].sort((x, y) => order.indexOf(x.section) - order.indexOf(y.section));
  const body = sorted.map((r) => [
    r.section, r.what, r.value === null ? '—' : r.value.toLocaleString('en-US'), r.unit, r.ratio ?? '', r.target ?? '',
    r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]);
  const lines = [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`);
  const notes = sorted.filter((r) => r.note).map((r) => `- ${r.what}: ${r.note}`);
  return [...lines, '', ...notes].join('\n');
}

try {
  await main();
} catch (err) {
  say(`FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  results.error = err instanceof Error ? err.message : String(err);
  process.exitCode = 1;
} finally {
  await cleanup();
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${stamp}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), mode: SIZES.mode, rows, results }, null, 2) + '\n');
  process.stdout.write(`\nplanewatch bench (${SIZES.mode}) on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at start ${(results.machine as { loadAvgAtStart?: number[] } | undefined)?.loadAvgAtStart?.map((x) => round(x, 1)).join(' / ') ?? '?'}, at end ${os.loadavg().map((x) => round(x, 1)).join(' / ')}\n\n${table()}\n\nresults: ${path.relative(process.cwd(), file)}\n`);
  if (CPU_PROF) process.stdout.write(`CPU profiles: ${path.relative(process.cwd(), profDir)} (summarize with: npx tsx bench/profile-summary.ts <file.cpuprofile>)\n`);
  if (liveChildren() > 0) process.stdout.write(`warning: ${liveChildren()} child processes were still running and have been killed\n`);
}
process.exit(process.exitCode ?? 0);
