// Bench stage: the sink alone (services/sink) with embedded ClickHouse in its own data directory,
// consuming events, raw envelopes and dead letters with the consumer group the parent prepared.
import { bootstrap } from '../../runtime/bootstrap.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { startSink } from '../../services/sink/sink.ts';
import { sendReady, serveStage } from '../lib/proc.ts';

const groupId = process.env.BENCH_GROUP;
if (!groupId) throw new Error('BENCH_GROUP not set');
const rt = await bootstrap({ service: 'bench-sink', knownVendors: KNOWN_VENDORS, needSecrets: false });
const sink = await startSink({ kafka: rt.kafka, producer: rt.producer, clickhouse: rt.clickhouse, log: rt.log, groupId });

async function count(table: string): Promise<number> {
  const rs = await rt.clickhouse.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

serveStage(
  {
    counts: async () => ({
      identity_events: await count('identity_events'),
      raw_envelopes: await count('raw_envelopes'),
      dead_letters: await count('dead_letters'),
    }),
    health: () => sink.health,
  },
  async () => {
    await sink.stop();
    await rt.close();
  },
);
sendReady();
