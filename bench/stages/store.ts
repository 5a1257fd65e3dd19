// Bench stage: ClickHouse alone (embedded chDB, the project's migrations), for the store-side
// baselines:
//  - insertSelect: the same number of identity_events rows generated inside the engine
//    (INSERT … SELECT FROM numbers()), i.e. the table's own insert limit with no client at all;
//  - kafkaPeer: ClickHouse's Kafka table engine + a materialized view consuming a topic of the
//    same events into the same table: the peer pipeline that needs no Node.
// Also used to pre-fill a data directory with N rows for the all-in-one memory measurement.
import { createClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { createLogger } from '../../core/log.ts';
import { sendReady, serveStage } from '../lib/proc.ts';
import { generatedRowsSelect } from '../lib/store-sql.ts';

const dataDir = process.env.PLANEWATCH_DATA_DIR;
if (!dataDir) throw new Error('PLANEWATCH_DATA_DIR not set');
const log = createLogger({ level: 'warn', name: 'bench-store' });
const ch = createClickHouse({ dataDir });
await migrate(ch.client, { log });
const client = ch.client;

async function scalar(sql: string): Promise<number> {
  const rs = await client.query({ query: sql, format: 'JSONEachRow' });
  const [row] = await rs.json<{ v: string | number }>();
  return Number(row?.v ?? 0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

serveStage(
  {
    count: () => scalar('SELECT count() AS v FROM identity_events'),
    /** Inserts n generated rows in one statement; returns the wall time in ms. */
    insertSelect: async ({ n, offset }: { n: number; offset?: number }) => {
      const t0 = performance.now();
      await client.command({ query: `INSERT INTO identity_events ${generatedRowsSelect(n, offset ?? 0)}` });
      return { ms: performance.now() - t0 };
    },
    truncate: () => client.command({ query: 'TRUNCATE TABLE identity_events' }),
    /**
     * Kafka engine + MV into identity_events; waits until `n` more rows are there. Returns the time
     * from the first row seen to the last (rebalance and first-poll latency excluded) and in total.
     */
    kafkaPeer: async (a: {
      brokers: string;
      topic: string;
      group: string;
      n: number;
      consumers: number;
      maxBlock: number;
      flushMs: number;
      timeoutMs: number;
    }) => {
      const cols = await (
        await client.query({
          query:
            "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'identity_events' AND default_kind = '' ORDER BY position",
          format: 'JSONEachRow',
        })
      ).json<{ name: string; type: string }>();
      const base = await scalar('SELECT count() AS v FROM identity_events');
      const settings = [
        `kafka_broker_list = '${a.brokers}'`,
        `kafka_topic_list = '${a.topic}'`,
        `kafka_group_name = '${a.group}'`,
        `kafka_format = 'JSONEachRow'`,
        `kafka_num_consumers = ${a.consumers}`,
        `kafka_thread_per_consumer = 1`,
        `kafka_max_block_size = ${a.maxBlock}`,
        `kafka_flush_interval_ms = ${a.flushMs}`,
        `kafka_handle_error_mode = 'stream'`,
      ];
      await client.command({
        query: `CREATE TABLE peer_queue (${cols.map((c) => `\`${c.name}\` ${c.type}`).join(', ')}) ENGINE = Kafka SETTINGS ${settings.join(', ')}`,
      });
      const t0 = performance.now();
      await client.command({
        query: `CREATE MATERIALIZED VIEW peer_mv TO identity_events AS SELECT ${cols.map((c) => `\`${c.name}\``).join(', ')} FROM peer_queue WHERE length(_error) = 0`,
      });
      let first: { t: number; rows: number } | null = null;
      let rows: number;
      const deadline = t0 + a.timeoutMs;
      for (;;) {
        rows = (await scalar('SELECT count() AS v FROM identity_events')) - base;
        const t = performance.now();
        if (rows > 0 && !first) first = { t, rows };
        if (rows >= a.n || t > deadline) break;
        await sleep(100);
      }
      const done = performance.now();
      const errors = await scalar("SELECT count() AS v FROM system.errors WHERE name ILIKE '%KAFKA%' OR name ILIKE '%CANNOT_PARSE%'").catch(
        () => -1,
      );
      await client.command({ query: 'DROP VIEW IF EXISTS peer_mv' });
      await client.command({ query: 'DROP TABLE IF EXISTS peer_queue' });
      return {
        rows,
        complete: rows >= a.n,
        totalMs: done - t0,
        firstRowMs: first ? first.t - t0 : null,
        firstRows: first?.rows ?? 0,
        drainMs: first ? done - first.t : null,
        errors,
        settings,
      };
    },
  },
  async () => {
    await ch.close();
  },
);
sendReady();
