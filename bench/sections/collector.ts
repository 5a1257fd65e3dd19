// Section `collector`: the collector alone (bench/stages/collector.ts) under autocannon load —
// pre-signed WorkOS deliveries, each answered 202 only after the broker's acks=all.
import path from 'node:path';
import { runLoad } from '../lib/load.ts';
import { CONCURRENCY } from '../lib/options.ts';
import { CpuMeter } from '../lib/proc.ts';
import { round } from '../lib/report.ts';
import { cpuRow, loadRows } from '../lib/rows.ts';
import { signedDeliveries } from '../lib/workload.ts';
import type { BenchSection } from './section.ts';

export const collectorSection: BenchSection = {
  name: 'collector',
  async run(ctx) {
    const { broker } = ctx.kafka();
    const seconds = ctx.opts.sizes.collectorSec;
    const col = ctx.startStage('collector', path.join(ctx.runDir, 'collector'));
    const { url } = (await col.ready) as { url: string };
    ctx.say(`collector: warm-up 3 s, then ${seconds} s at concurrency ${CONCURRENCY} (autocannon, pre-signed, acks=all)`);
    await runLoad({ url, pool: signedDeliveries(`${ctx.tag}cw`, 20_000, Date.now()), connections: CONCURRENCY, durationSec: 3 });
    const pool = signedDeliveries(`${ctx.tag}c`, Math.max(50_000, 12_000 * seconds), Date.now());
    const meter = new CpuMeter({ collector: col.pid, broker: broker.pid, loadgen: process.pid }, ['collector']).start();
    const load = await runLoad({ url, pool, connections: CONCURRENCY, durationSec: seconds });
    const cpu = meter.stop();
    const hwm = await col.stop();
    ctx.report.results.collector = { load, cpu, peakRssBytes: hwm };
    loadRows(
      ctx.report,
      'collector',
      `collector: signed WorkOS deliveries accepted (202 after Kafka ack), concurrency ${CONCURRENCY}`,
      load,
      ctx.baselines.brokerProduce,
    );
    cpuRow(ctx.report, 'collector: CPU per accepted delivery (collector process)', cpu, 'collector', load.ok2xx, 'delivery');
    ctx.report.row({ section: 'memory', what: 'peak RSS, collector process', value: round(hwm / 2 ** 20), unit: 'MiB' });
  },
};
