// Start-up against a ClickHouse server (runtime/bootstrap.ts): processes starting at once take
// turns under the 'migrations' lease, so each migration is applied once and every process starts
// (the later ones find nothing pending and verify the checksums). Three bootstraps in this process
// stand for three processes; the server is the test's HTTP bridge to chDB.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import { KNOWN_VENDORS } from '../../sources/registry.ts';
import { startClickHouseHttpBridge, type ClickHouseHttpBridge } from '../helpers/clickhouse-http-bridge.ts';

let bridge: ClickHouseHttpBridge | undefined;
const runtimes: Runtime[] = [];

afterAll(async () => {
  for (const rt of runtimes) await rt.close();
  await bridge?.close();
});

describe('migrations on a ClickHouse server', () => {
  it('are applied once when several processes start at once', async () => {
    bridge = await startClickHouseHttpBridge();
    const start = (n: number) =>
      bootstrap({
        service: `migrations-test-${n}`,
        knownVendors: KNOWN_VENDORS,
        needSecrets: false,
        processEnv: {
          PATH: process.env.PATH,
          PLANEWATCH_LOG_LEVEL: 'silent',
          PLANEWATCH_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pw-migrations-lease-')),
          PLANEWATCH_LEASE_SESSION_TIMEOUT_MS: '6000',
          KAFKA_BROKERS: process.env.KAFKA_BROKERS,
          CLICKHOUSE_URL: bridge!.url,
        },
      });
    runtimes.push(...(await Promise.all([start(1), start(2), start(3)])));
    expect(runtimes.map((rt) => rt.clickhouseMode)).toEqual(['server', 'server', 'server']);

    // Raw rows, not FINAL: a migration applied twice would have left two rows of its version.
    const rs = await bridge.client.query({
      query: 'SELECT version, count() AS n FROM schema_migrations GROUP BY version HAVING n > 1',
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([]);
    const applied = await bridge.client.query({ query: 'SELECT count() AS n FROM schema_migrations', format: 'JSONEachRow' });
    expect(Number((await applied.json<{ n: string }>())[0]!.n)).toBeGreaterThan(0);
  }, 120_000);
});
