// Section `normalizer`: the normalizer alone (bench/stages/normalizer.ts) draining RawEnvelopes
// pre-filled into the raw topic. What it produces is the sink section's input, so it also runs
// when only `sink` is selected.
import path from 'node:path';
import type { Message } from 'kafkajs';
import { TOPICS } from '../../core/kafka/topics.ts';
import { drainRate, endOffsets, groupProgress, prefill, setGroupOffsets, sumOf } from '../lib/kafka-offsets.ts';
import { CpuMeter } from '../lib/proc.ts';
import { round } from '../lib/report.ts';
import { cpuRow } from '../lib/rows.ts';
import { deliveryBody, envelopeFor, rawMessage } from '../lib/workload.ts';
import type { BenchSection } from './section.ts';

export const normalizerSection: BenchSection = {
  name: 'normalizer',
  inputOf: ['sink'],
  async run(ctx) {
    const N = ctx.opts.sizes.stageEvents;
    const { admin, producer, broker } = ctx.kafka();
    const group = `bench-normalizer-${ctx.tag}`;
    const rawStart = await endOffsets(admin, TOPICS.raw);
    const eventsStart = await endOffsets(admin, TOPICS.events);
    await setGroupOffsets(admin, group, TOPICS.raw, rawStart);
    ctx.say(`normalizer: pre-filling ${N} RawEnvelopes into ${TOPICS.raw}`);
    const now = Date.now();
    const msgs: Message[] = [];
    for (let i = 0; i < N; i++) msgs.push(rawMessage(envelopeFor(deliveryBody(`${ctx.tag}n`, i), now)));
    await prefill(producer, TOPICS.raw, msgs);
    msgs.length = 0;
    const norm = ctx.startStage('normalizer', path.join(ctx.runDir, 'normalizer'), { BENCH_GROUP: group });
    await norm.ready;
    ctx.say(`normalizer: draining ${N} envelopes (consumer group ${group})`);
    const meter = new CpuMeter({ normalizer: norm.pid, broker: broker.pid }, ['normalizer']).start();
    const d = await drainRate(async () => Number(await groupProgress(admin, group, TOPICS.raw, rawStart)), N, 600_000);
    const cpu = meter.stop();
    const hwm = await norm.stop();
    const produced = Number(sumOf(await endOffsets(admin, TOPICS.events)) - sumOf(eventsStart));
    ctx.report.results.normalizer = { envelopes: N, eventsProduced: produced, ...d, cpu, peakRssBytes: hwm };
    cpuRow(ctx.report, 'normalizer: CPU per envelope (normalizer process, whole drain incl. group join)', cpu, 'normalizer', N, 'envelope');
    const { brokerConsume } = ctx.baselines;
    ctx.report.row({
      section: 'stages',
      what: `normalizer: envelopes → events (${N} pre-filled, acks=all, commit after ack)`,
      value: round(d.perSec),
      unit: 'events/s',
      ratio: brokerConsume ? `${round(d.perSec / brokerConsume, 3)} × Kafka consumer tool` : undefined,
    });
    ctx.report.row({ section: 'memory', what: 'peak RSS, normalizer process', value: round(hwm / 2 ** 20), unit: 'MiB' });
    return { sinkInput: { raw: rawStart, events: eventsStart, envelopes: N, events_n: produced } };
  },
};
