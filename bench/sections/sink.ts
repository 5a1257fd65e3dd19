// Section `sink`: the sink alone (bench/stages/sink.ts, embedded ClickHouse) draining the events
// and raw envelopes the normalizer section left on the topics, against the in-engine insert.
import path from 'node:path';
import { TOPICS } from '../../core/kafka/topics.ts';
import { drainRate, endOffsets, groupProgress, setGroupOffsets } from '../lib/kafka-offsets.ts';
import { CpuMeter } from '../lib/proc.ts';
import { round } from '../lib/report.ts';
import { cpuRow } from '../lib/rows.ts';
import type { BenchSection } from './section.ts';

export const sinkSection: BenchSection = {
  name: 'sink',
  async run(ctx) {
    const input = ctx.baselines.sinkInput;
    if (!input) return;
    const { admin, broker } = ctx.kafka();
    const group = `bench-sink-${ctx.tag}`;
    await setGroupOffsets(admin, group, TOPICS.events, input.events);
    await setGroupOffsets(admin, group, TOPICS.raw, input.raw);
    await setGroupOffsets(admin, group, TOPICS.dlq, await endOffsets(admin, TOPICS.dlq));
    const sink = ctx.startStage('sink', path.join(ctx.runDir, 'sink'), { BENCH_GROUP: group });
    await sink.ready;
    const target = input.envelopes + input.events_n;
    ctx.say(`sink: draining ${input.events_n} events + ${input.envelopes} raw envelopes into chDB`);
    const meter = new CpuMeter({ sink: sink.pid, broker: broker.pid }, ['sink']).start();
    const d = await drainRate(
      async () =>
        Number(
          (await groupProgress(admin, group, TOPICS.events, input.events)) + (await groupProgress(admin, group, TOPICS.raw, input.raw)),
        ),
      target,
      900_000,
    );
    const cpu = meter.stop();
    const counts = await sink.call<Record<string, number>>('counts');
    const hwm = await sink.stop();
    ctx.report.results.sink = { ...d, counts, cpu, peakRssBytes: hwm };
    cpuRow(ctx.report, 'sink: CPU per row (sink process incl. embedded ClickHouse, whole drain)', cpu, 'sink', target, 'row');
    const { storeInsert } = ctx.baselines;
    ctx.report.row({
      section: 'stages',
      what: `sink: events + raw envelopes → ClickHouse (${target} rows, commit after insert)`,
      value: round(d.perSec),
      unit: 'rows/s',
      ratio: storeInsert ? `${round(d.perSec / storeInsert, 3)} × in-engine insert` : undefined,
      note: `≈ ${round(d.perSec / 2)} events/s with their envelopes; stored ${counts.identity_events} events, ${counts.raw_envelopes} envelopes`,
    });
    ctx.report.row({
      section: 'memory',
      what: 'peak RSS, sink process (incl. embedded ClickHouse)',
      value: round(hwm / 2 ** 20),
      unit: 'MiB',
    });
  },
};
