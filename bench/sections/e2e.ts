// Section `e2e`: end to end through the all-in-one process (bench/stages/all-in-one.ts). Two
// variants, each in its own process and data directory:
//  - ingest: collector + normalizer + sink only (detector off), empty store: the ingest path itself,
//    the figure to hold against the Kafka-engine peer;
//  - shipped: the all-in-one as `npm start` runs it (detector evaluating in the same process and
//    the same embedded engine), on a store pre-filled with storedEvents rows: freshness and
//    memory as a user would see them.
// Phase A sends as fast as the pipeline goes; phase B at about half that rate, for freshness.
import path from 'node:path';
import { TOPICS } from '../../core/kafka/topics.ts';
import { runLoad, type LoadResult } from '../lib/load.ts';
import { endOffsets, setGroupOffsets } from '../lib/kafka-offsets.ts';
import { CONCURRENCY } from '../lib/options.ts';
import { CpuMeter, type StageChild } from '../lib/proc.ts';
import { round } from '../lib/report.ts';
import { cpuRow } from '../lib/rows.ts';
import { signedDeliveries } from '../lib/workload.ts';
import type { BenchSection, SectionContext } from './section.ts';

interface Variant {
  key: 'ingest' | 'shipped';
  label: string;
  detector: boolean;
  stored: number;
}

interface Freshness {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

interface Counts {
  identity_events: number;
  raw_envelopes: number;
}

/** A running all-in-one of one variant. */
interface Pipeline {
  v: Variant;
  aio: StageChild;
  url: string;
  counts: () => Promise<Counts>;
  base: Counts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function variants(ctx: SectionContext): Variant[] {
  const stored = ctx.opts.sizes.storedEvents;
  return (
    [
      { key: 'ingest', label: 'ingest path (detector off, empty store)', detector: false, stored: 0 },
      { key: 'shipped', label: `as shipped (detector on, ${stored.toLocaleString('en-US')} events stored)`, detector: true, stored },
    ] as Variant[]
  ).filter((v) => ctx.opts.e2eVariant === undefined || v.key === ctx.opts.e2eVariant);
}

/** Generated events written in-engine by a separate store process, before the all-in-one opens the directory. */
async function prefillStore(ctx: SectionContext, v: Variant, dataDir: string): Promise<void> {
  const pre = ctx.startStage('store', dataDir);
  await pre.ready;
  ctx.say(`e2e ${v.key}: pre-filling the all-in-one store with ${v.stored} generated events (in-engine, separate process)`);
  const chunk = 2_000_000;
  for (let off = 0; off < v.stored; off += chunk) await pre.call('insertSelect', { n: Math.min(chunk, v.stored - off), offset: off });
  await pre.stop();
}

/** The all-in-one on consumer groups of its own, pointed at the current end of every topic. */
async function startPipeline(ctx: SectionContext, v: Variant, dataDir: string): Promise<Pipeline> {
  const { admin } = ctx.kafka();
  const suffix = `e2e-${v.key}-${ctx.tag}`;
  for (const g of [`planewatch-normalizer-${suffix}`]) await setGroupOffsets(admin, g, TOPICS.raw, await endOffsets(admin, TOPICS.raw));
  for (const t of [TOPICS.events, TOPICS.raw, TOPICS.dlq])
    await setGroupOffsets(admin, `planewatch-sink-${suffix}`, t, await endOffsets(admin, t));
  const aio = ctx.startStage('all-in-one', dataDir, { BENCH_GROUP_SUFFIX: suffix, BENCH_DETECTOR: v.detector ? 'on' : 'off' });
  const { url } = (await aio.ready) as { url: string };
  const counts = () => aio.call<Counts>('counts');
  return { v, aio, url, counts, base: await counts() };
}

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
    return [...sums]
      .map(
        ([k, v]) =>
          `${k}: ${v.count} × avg ${round(k.startsWith('batch') ? v.sum / v.count : (1000 * v.sum) / v.count, 1)}${k.startsWith('batch') ? ' msgs' : ' ms'}`,
      )
      .join('; ');
  } catch {
    return null;
  }
}

/** Phase A: as fast as the pipeline goes, until every event is queryable. Returns events/s. */
async function phaseMax(ctx: SectionContext, p: Pipeline): Promise<number> {
  const { v, aio, url } = p;
  const nA = ctx.opts.sizes.e2eDeliveries;
  const expectA = Math.round(nA * ctx.records.eventsPerDelivery);
  ctx.say(`e2e ${v.key} A: ${nA} unique deliveries at concurrency ${CONCURRENCY}, until all ${expectA} events are queryable`);
  const poolA = signedDeliveries(`${ctx.tag}${v.key}A`, nA, Date.now());
  const meterA = new CpuMeter({ 'all-in-one': aio.pid, broker: ctx.kafka().broker.pid, loadgen: process.pid }, ['all-in-one']).start();
  const tA = performance.now();
  const loadA = await runLoad({ url, pool: poolA, connections: CONCURRENCY, amount: nA });
  const acceptedA = performance.now();
  let cA = await p.counts();
  while (cA.identity_events - p.base.identity_events < expectA) {
    if (performance.now() - tA > 900_000)
      throw new Error(`e2e ${v.key} A: only ${cA.identity_events - p.base.identity_events}/${expectA} events after 15 min`);
    await sleep(250);
    cA = await p.counts();
  }
  const doneA = performance.now();
  const cpuA = meterA.stop();
  const e2eRate = expectA / ((doneA - tA) / 1000);
  const freshA = await aio.call<Freshness>('freshness', `_${ctx.tag}${v.key}A_`);
  const batchesA = await pipelineBatchStats(url);
  if (batchesA) ctx.say(`e2e ${v.key} A: ${batchesA}`);
  ctx.report.results[`e2eMax_${v.key}`] = {
    deliveries: nA,
    events: expectA,
    load: loadA,
    acceptMs: acceptedA - tA,
    queryableMs: doneA - tA,
    eventsPerSec: e2eRate,
    freshness: freshA,
    cpu: cpuA,
    batches: batchesA,
  };
  const { peerRate } = ctx.baselines;
  ctx.report.row({
    section: 'e2e',
    what: `end to end, max, ${v.label}: ${nA} deliveries accepted → ${expectA} rows queryable`,
    value: round(e2eRate),
    unit: 'events/s',
    ratio: peerRate ? `${round(e2eRate / peerRate, 2)} × Kafka-engine peer` : undefined,
    target: '≥ 0.5 × peer',
    met: peerRate ? e2eRate >= 0.5 * peerRate : null,
    note: `accepting took ${round((acceptedA - tA) / 1000, 1)} s (${round(loadA.acceptedPerSec)} deliveries/s), all queryable after ${round((doneA - tA) / 1000, 1)} s`,
  });
  cpuRow(ctx.report, `end to end, ${v.label}: CPU per event (all-in-one process)`, cpuA, 'all-in-one', expectA, 'event');
  return e2eRate;
}

/** Phase B: freshness at about half the maximum rate; then the process is stopped for its peak RSS. */
async function phaseFresh(ctx: SectionContext, p: Pipeline, e2eRate: number): Promise<void> {
  const { v, aio, url } = p;
  const { eventsPerDelivery } = ctx.records;
  const rateB = Math.max(50, Math.round(e2eRate / Math.max(eventsPerDelivery, 1e-9) / 2));
  const nB = rateB * ctx.opts.sizes.freshSec;
  ctx.say(
    `e2e ${v.key} B: ${nB} deliveries at ${rateB}/s (half the max) for ${ctx.opts.sizes.freshSec} s; freshness = ingested_at − received_at`,
  );
  const poolB = signedDeliveries(`${ctx.tag}${v.key}B`, nB, Date.now());
  const loadB = await runLoad({ url, pool: poolB, connections: CONCURRENCY, amount: nB, overallRate: rateB });
  const expectB = Math.round(nB * eventsPerDelivery);
  const tB = performance.now();
  let freshB = await aio.call<Freshness>('freshness', `_${ctx.tag}${v.key}B_`);
  while (freshB.n < expectB && performance.now() - tB < 300_000) {
    await sleep(250);
    freshB = await aio.call<Freshness>('freshness', `_${ctx.tag}${v.key}B_`);
  }
  const final = await p.counts();
  const hwm = await aio.stop(60_000);
  ctx.report.results[`e2eFresh_${v.key}`] = { rate: rateB, deliveries: nB, load: loadB, freshness: freshB };
  ctx.report.results[`allInOne_${v.key}`] = {
    storedEventsBefore: p.base.identity_events,
    storedEventsAfter: final.identity_events,
    rawEnvelopesAfter: final.raw_envelopes,
    peakRssBytes: hwm,
  };
  freshnessRows(ctx, v, { rateB, expectB, freshB, loadB, final, hwm });
}

function freshnessRows(
  ctx: SectionContext,
  v: Variant,
  f: { rateB: number; expectB: number; freshB: Freshness; loadB: LoadResult; final: Counts; hwm: number },
): void {
  const { rateB, expectB, freshB, loadB, final, hwm } = f;
  ctx.report.row({
    section: 'e2e',
    what: `freshness p95, ${v.label}, at ${rateB} deliveries/s (≈ half of its max), accepted → queryable`,
    value: round(freshB.p95),
    unit: 'ms',
    target: '≤ 2000 ms',
    met: freshB.n >= expectB ? freshB.p95 <= 2000 : false,
    note: `p50 ${round(freshB.p50)} ms, p99 ${round(freshB.p99)} ms, max ${round(freshB.max)} ms over ${freshB.n} events; webhook p99 ${round(loadB.latencyMs.p99, 1)} ms`,
  });
  ctx.report.row({
    section: 'memory',
    what: `peak RSS, all-in-one process, ${v.label} (store held ${final.identity_events.toLocaleString('en-US')} events at the end)`,
    value: round(hwm / 2 ** 20),
    unit: 'MiB',
    target: v.stored >= 10_000_000 ? '≤ 1536 MiB at 10 M events' : '≤ 1536 MiB (target is at 10 M events)',
    met: hwm <= 1.5 * 2 ** 30,
    note: `${v.stored.toLocaleString('en-US')} of them pre-filled in-engine, the rest through the pipeline`,
  });
}

export const e2eSection: BenchSection = {
  name: 'e2e',
  async run(ctx) {
    for (const v of variants(ctx)) {
      const dataDir = path.join(ctx.runDir, `all-in-one-${v.key}`);
      if (v.stored > 0) await prefillStore(ctx, v, dataDir);
      const pipeline = await startPipeline(ctx, v, dataDir);
      const e2eRate = await phaseMax(ctx, pipeline);
      await phaseFresh(ctx, pipeline, e2eRate);
    }
  },
};
