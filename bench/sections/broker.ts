// Section `broker`: Kafka's own limit on this machine — ProducerPerformance (acks=all) and
// ConsumerPerformance with records of the RawEnvelope and the IdentityEvent sizes. Its
// RawEnvelope figures are the baselines of the client, collector and normalizer rows.
import { consumerPerf, producerPerf } from '../lib/kafka-perf.ts';
import { round } from '../lib/report.ts';
import type { BenchSection, SectionContext } from './section.ts';

async function perfPair(ctx: SectionContext, topic: string, recordSize: number, group: string, label: string) {
  const { libsDir, brokers } = ctx.kafka();
  const records = ctx.opts.sizes.perfRecords;
  ctx.say(`broker limit: ProducerPerformance ${records} × ${recordSize} B (${label}), acks=all`);
  const produce = await producerPerf({ libsDir, brokers, topic, records, recordSize });
  const consume = await consumerPerf({ libsDir, brokers, topic, records, group });
  ctx.say(`  produce ${round(produce.recordsPerSec)} rec/s, consume ${round(consume.recordsPerSec)} rec/s`);
  return { produce, consume };
}

export const brokerSection: BenchSection = {
  name: 'broker',
  async run(ctx) {
    const { rawEnvelopeBytes, identityEventBytes } = ctx.records;
    const raw = await perfPair(ctx, 'bench.perf.raw', rawEnvelopeBytes, `bench-perf-raw-${ctx.tag}`, 'RawEnvelope');
    const events = await perfPair(ctx, 'bench.perf.events', identityEventBytes, `bench-perf-ev-${ctx.tag}`, 'IdentityEvent');
    ctx.report.results.broker = { raw, events };
    const row = (what: string, value: number, note?: string) =>
      ctx.report.row({ section: 'broker', what, value: round(value), unit: 'rec/s', ...(note ? { note } : {}) });
    row(
      `Kafka ProducerPerformance, ${rawEnvelopeBytes} B records (RawEnvelope), acks=all`,
      raw.produce.recordsPerSec,
      `p99 ${raw.produce.p99Ms} ms`,
    );
    row(`Kafka ConsumerPerformance, ${rawEnvelopeBytes} B records`, raw.consume.recordsPerSec);
    row(
      `Kafka ProducerPerformance, ${identityEventBytes} B records (IdentityEvent), acks=all`,
      events.produce.recordsPerSec,
      `p99 ${events.produce.p99Ms} ms`,
    );
    row(`Kafka ConsumerPerformance, ${identityEventBytes} B records`, events.consume.recordsPerSec);
    return { brokerProduce: raw.produce.recordsPerSec, brokerConsume: raw.consume.recordsPerSec };
  },
};
