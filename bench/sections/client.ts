// Section `client`: the Kafka client library's limit — kafkajs, @platformatic/kafka, node-rdkafka
// (when built by bench/setup-rdkafka.sh) and @confluentinc/kafka-javascript (when installed), each
// in its own process (bench/stages/client.ts), producing the same number of RawEnvelope-sized
// records into a topic of its own and consuming them. Records/s against Kafka's perf tools, and
// CPU per record against kafkajs's.
import path from 'node:path';
import { ensureTopics } from '../../core/kafka/client.ts';
import { PARTITIONS } from '../lib/options.ts';
import { round } from '../lib/report.ts';
import type { ClientRunResult } from '../stages/client-common.ts';
import type { BenchSection, SectionContext } from './section.ts';

const LIBS = ['kafkajs', 'platformatic', 'rdkafka', 'confluent'] as const;
type Lib = (typeof LIBS)[number];
const LIB_NAMES: Record<Lib, string> = {
  kafkajs: 'kafkajs',
  platformatic: '@platformatic/kafka',
  rdkafka: 'node-rdkafka',
  confluent: '@confluentinc/kafka-javascript',
};

const vsRef = (x: number, refX: number | undefined, unit: string) => (refX ? `${round(x / refX, 2)} × kafkajs${unit}` : undefined);
const join = (...parts: (string | undefined)[]) => parts.filter(Boolean).join('; ') || undefined;
const mainNote = (x: number | null) => (x === null ? '' : `, JS main thread ${round(x, 1)}`);

/** One library's run in its own process; null when the library is not available here. */
async function runLib(ctx: SectionContext, lib: Lib): Promise<{ r: ClientRunResult; hwm: number } | null> {
  // A topic of its own per library: its consumer reads exactly the records it produced (a
  // prefetching consumer such as librdkafka's would otherwise also decode the other libraries' records).
  const topic = `bench.client.raw.${lib}`;
  const c = ctx.startStage('client', path.join(ctx.runDir, `client-${lib}`), { BENCH_CLIENT_LIB: lib });
  try {
    const info = await c.ready;
    if (info.available === false) {
      await c.stop();
      ctx.say(`client ${lib}: not available (${String(info.reason)})`);
      ctx.report.results[`client_${lib}`] = { available: false, reason: info.reason };
      ctx.report.row({
        section: 'client',
        what: `${LIB_NAMES[lib]} produce/consume`,
        value: null,
        unit: 'rec/s',
        note: `not measured: ${String(info.reason)}`,
      });
      return null;
    }
    const { kafka, admin } = ctx.kafka();
    await ensureTopics(kafka, [{ topic, numPartitions: PARTITIONS }], { admin });
    ctx.say(
      `client ${lib}: produce ${ctx.opts.sizes.clientRecords} × ${ctx.records.rawEnvelopeBytes} B acks=all into ${topic}, then consume them`,
    );
    const r = await c.call<ClientRunResult>('run', {
      topic,
      records: ctx.opts.sizes.clientRecords,
      recordSize: ctx.records.rawEnvelopeBytes,
      group: `bench-client-${lib}-${ctx.tag}`,
    });
    return { r, hwm: await c.stop() };
  } catch (err) {
    await c.stop().catch(() => undefined);
    throw err;
  }
}

function produceRows(ctx: SectionContext, r: ClientRunResult, hwm: number, ref: ClientRunResult | undefined, isRef: boolean): void {
  const { brokerProduce } = ctx.baselines;
  ctx.report.row({
    section: 'client',
    what: `${r.name} produce (batches of 1000, ${r.produceDeviation ?? '2 in flight, acks=all'})`,
    value: round(r.produce.perSec),
    unit: 'rec/s',
    ratio: join(
      brokerProduce ? `${round(r.produce.perSec / brokerProduce, 2)} × Kafka producer tool` : undefined,
      isRef ? undefined : vsRef(r.produce.perSec, ref?.produce.perSec, ''),
    ),
    note: r.how,
  });
  ctx.report.row({
    section: 'client',
    what: `${r.name} produce: CPU per record (whole process)`,
    value: round(r.produce.cpuUsPerRecord, 1),
    unit: 'µs CPU/record',
    ratio: isRef ? undefined : vsRef(r.produce.cpuUsPerRecord, ref?.produce.cpuUsPerRecord, ' CPU'),
    note: `process.cpuUsage() over the produce phase ÷ ${r.produce.records} records${mainNote(r.produce.mainThreadCpuUsPerRecord)} µs/record; peak RSS ${round(hwm / 2 ** 20)} MiB`,
  });
  for (const v of r.produceVariants ?? []) {
    ctx.report.row({
      section: 'client',
      what: `${r.name} produce (batches of 1000, ${v.label})`,
      value: round(v.phase.perSec),
      unit: 'rec/s',
      ratio: join(
        brokerProduce ? `${round(v.phase.perSec / brokerProduce, 2)} × Kafka producer tool` : undefined,
        vsRef(v.phase.perSec, ref?.produce.perSec, ''),
      ),
    });
    ctx.report.row({
      section: 'client',
      what: `${r.name} produce (${v.label}): CPU per record (whole process)`,
      value: round(v.phase.cpuUsPerRecord, 1),
      unit: 'µs CPU/record',
      ratio: vsRef(v.phase.cpuUsPerRecord, ref?.produce.cpuUsPerRecord, ' CPU'),
      note: `process.cpuUsage() over the produce phase ÷ ${v.phase.records} records${mainNote(v.phase.mainThreadCpuUsPerRecord)} µs/record`,
    });
  }
}

function consumeRows(ctx: SectionContext, r: ClientRunResult, ref: ClientRunResult | undefined, isRef: boolean): void {
  const { brokerConsume } = ctx.baselines;
  ctx.report.row({
    section: 'client',
    what: `${r.name} consume (consumer group, no work)`,
    value: round(r.consume.perSec),
    unit: 'rec/s',
    ratio: join(
      brokerConsume ? `${round(r.consume.perSec / brokerConsume, 2)} × Kafka consumer tool` : undefined,
      isRef ? undefined : vsRef(r.consume.perSec, ref?.consume.perSec, ''),
    ),
  });
  ctx.report.row({
    section: 'client',
    what: `${r.name} consume: CPU per record (whole process)`,
    value: round(r.consume.cpuUsPerRecord, 1),
    unit: 'µs CPU/record',
    ratio: isRef ? undefined : vsRef(r.consume.cpuUsPerRecord, ref?.consume.cpuUsPerRecord, ' CPU'),
    note: `process.cpuUsage() from subscribe (group join included) to the last record ÷ ${r.consume.records} records${mainNote(r.consume.mainThreadCpuUsPerRecord)} µs/record`,
  });
}

/** An alternative library failing is a finding, not the end of the run; kafkajs failing is. */
function reportFailure(ctx: SectionContext, lib: Lib, err: unknown): void {
  if (lib === 'kafkajs') throw err;
  const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  ctx.say(`client ${lib}: FAILED: ${msg}`);
  ctx.report.results[`client_${lib}`] = { available: true, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  ctx.report.row({ section: 'client', what: `${LIB_NAMES[lib]} produce/consume`, value: null, unit: 'rec/s', note: `failed: ${msg}` });
}

export const clientSection: BenchSection = {
  name: 'client',
  async run(ctx) {
    let ref: ClientRunResult | undefined;
    for (const lib of LIBS) {
      try {
        const done = await runLib(ctx, lib);
        if (!done) continue;
        const { r, hwm } = done;
        ctx.report.results[`client_${lib}`] = { ...r, peakRssBytes: hwm };
        if (lib === 'kafkajs') ref = r;
        ctx.say(
          `  ${r.name}: produce ${round(r.produce.perSec)} rec/s, ${round(r.produce.cpuUsPerRecord, 1)} µs CPU/rec; consume ${round(r.consume.perSec)} rec/s, ${round(r.consume.cpuUsPerRecord, 1)} µs CPU/rec`,
        );
        produceRows(ctx, r, hwm, ref, lib === 'kafkajs');
        consumeRows(ctx, r, ref, lib === 'kafkajs');
      } catch (err) {
        reportFailure(ctx, lib, err);
      }
    }
  },
};
