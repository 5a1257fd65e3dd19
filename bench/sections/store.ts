// Section `store`: ClickHouse's own limits in a stage process of its own (bench/stages/store.ts) —
// an in-engine INSERT … SELECT of generated identity_events rows, and the peer pipeline that needs
// no Node: ClickHouse's Kafka table engine + a materialized view consuming the same events as
// JSONEachRow. Their rates are the baselines of the sink and end-to-end rows.
import path from 'node:path';
import type { Message } from 'kafkajs';
import { prefill } from '../lib/kafka-offsets.ts';
import { round } from '../lib/report.ts';
import { deliveryBody, envelopeFor, eventJsonRow, eventsFor } from '../lib/workload.ts';
import type { BenchSection, SectionContext } from './section.ts';

const PEER_BLOCK = 16384;
const PEER_TOPIC = 'bench.peer.events.json';
const PREFIX = '{"event_id":';

interface PeerResult {
  rows: number;
  complete: boolean;
  totalMs: number;
  drainMs: number | null;
  firstRows: number;
  errors: number;
  settings: string[];
}

/**
 * The peer's input: the same events, cycled up to peerRows (each copy with its own event_id, since
 * identity_events drops a block identical to a recent one) so that it runs over many blocks and
 * its rate is not one flush's latency.
 */
function peerMessages(ctx: SectionContext, distinctDeliveries: number, peerRows: number): Message[] {
  const now = Date.now();
  const distinct: { id: string; rest: string }[] = [];
  for (let i = 0; i < distinctDeliveries; i++) {
    const env = envelopeFor(deliveryBody(`${ctx.tag}peer`, i), now);
    for (const ev of eventsFor(env, ctx.map, now).events) {
      const json = eventJsonRow(ev);
      if (!json.startsWith(PREFIX)) throw new Error('identity_events JSON row does not start with event_id');
      distinct.push({ id: ev.event_id, rest: json.slice(PREFIX.length + JSON.stringify(ev.event_id).length) });
    }
  }
  const messages: Message[] = [];
  for (let i = 0; i < peerRows; i++) {
    const d = distinct[i % distinct.length]!;
    const id = `${d.id}_c${Math.floor(i / distinct.length)}`;
    messages.push({ key: id, value: Buffer.from(PREFIX + JSON.stringify(id) + d.rest) });
  }
  return messages;
}

export const storeSection: BenchSection = {
  name: 'store',
  async run(ctx) {
    const N = ctx.opts.sizes.stageEvents;
    const { brokers, producer } = ctx.kafka();
    const store = ctx.startStage('store', path.join(ctx.runDir, 'store'));
    await store.ready;
    const peerRows = Math.max(N, ctx.opts.sizes.peerRows);
    ctx.say(`store limit: INSERT INTO identity_events SELECT … FROM numbers(${peerRows}) in chDB`);
    const ins = await store.call<{ ms: number }>('insertSelect', { n: peerRows });
    const storeInsert = peerRows / (ins.ms / 1000);
    ctx.report.row({
      section: 'store',
      what: `ClickHouse (chDB) INSERT … SELECT ${peerRows} generated identity_events rows (one statement)`,
      value: round(storeInsert),
      unit: 'rows/s',
    });

    ctx.say(`store peer: producing ${peerRows} identity events (${N} distinct deliveries, cycled) as JSONEachRow to ${PEER_TOPIC}`);
    const jsonMessages = peerMessages(ctx, N, peerRows);
    await prefill(producer, PEER_TOPIC, jsonMessages);
    ctx.say(`store peer: ClickHouse Kafka engine + MV consuming ${jsonMessages.length} rows into identity_events`);
    const peer = await store.call<PeerResult>('kafkaPeer', {
      brokers,
      topic: PEER_TOPIC,
      group: `bench-peer-${ctx.tag}`,
      n: jsonMessages.length,
      consumers: 2,
      maxBlock: PEER_BLOCK,
      flushMs: 500,
      timeoutMs: 900_000,
    });
    const hwm = await store.stop();
    const peerRate = peer.drainMs ? (peer.rows - peer.firstRows) / (peer.drainMs / 1000) : peer.rows / (peer.totalMs / 1000);
    ctx.report.results.store = {
      insertSelect: { rows: peerRows, ms: ins.ms, perSec: storeInsert },
      kafkaPeer: { ...peer, perSec: peerRate, perSecInclStartup: peer.rows / (peer.totalMs / 1000) },
      peakRssBytes: hwm,
    };
    ctx.report.row({
      section: 'store',
      what: `ClickHouse Kafka engine + MV (JSONEachRow, 2 consumers, block ${PEER_BLOCK}, flush 500 ms), ${peer.rows} rows`,
      value: round(peerRate),
      unit: 'rows/s',
      ratio: `${round(peerRate / storeInsert, 2)} × in-engine insert`,
      note: peer.complete
        ? `incl. group join: ${round(peer.rows / (peer.totalMs / 1000))} rows/s`
        : `INCOMPLETE: ${peer.rows}/${jsonMessages.length}`,
    });
    return { storeInsert, peerRate };
  },
};
