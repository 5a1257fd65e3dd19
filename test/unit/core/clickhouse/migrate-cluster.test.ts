// migrate() with the `cluster` option, on a client that records what it is sent: every statement
// (bookkeeping tables, migrations, views) runs rendered for the cluster, the checksum recorded is
// the file's, and a statement the renderer refuses stops everything before the first migration runs.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, MigrationError } from '../../../../core/clickhouse/migrate.ts';

interface Recorded {
  commands: string[];
  inserts: { table: string; values: unknown }[];
}

/** A client answering every read with no rows (an empty store) and recording commands and inserts. */
function recordingClient(): { client: ClickHouseClient; recorded: Recorded } {
  const recorded: Recorded = { commands: [], inserts: [] };
  const client = {
    command: ({ query }: { query: string }) => {
      recorded.commands.push(query.trim());
      return Promise.resolve({});
    },
    query: () => Promise.resolve({ json: () => Promise.resolve([]) }),
    insert: ({ table, values }: { table: string; values: unknown }) => {
      recorded.inserts.push({ table, values });
      return Promise.resolve({});
    },
  };
  return { client: client as unknown as ClickHouseClient, recorded };
}

const dirs: string[] = [];
function migrationsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pw-migrate-cluster-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'views'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const P = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";
const FILE =
  '-- a table and an index on it\nCREATE TABLE IF NOT EXISTS t (k String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY k;\nALTER TABLE t ADD COLUMN IF NOT EXISTS w UInt8;\n';

describe('migrate() in cluster mode', () => {
  it('runs every statement rendered for the cluster and records the checksum of the file as written', async () => {
    const dir = migrationsDir({ '0001_t.sql': FILE, 'views/pw_v.sql': 'SELECT k FROM t' });
    const { client, recorded } = recordingClient();
    expect(await migrate(client, { dir, cluster: 'pw' })).toEqual(['0001']);
    expect(recorded.commands.map((c) => c.split('\n')[0])).toEqual([
      "CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER 'pw'",
      `CREATE TABLE IF NOT EXISTS t ON CLUSTER 'pw' (k String, v UInt64) ENGINE = ReplicatedReplacingMergeTree(${P}, v) ORDER BY k`,
      "ALTER TABLE t ON CLUSTER 'pw' ADD COLUMN IF NOT EXISTS w UInt8",
      "CREATE TABLE IF NOT EXISTS schema_views ON CLUSTER 'pw'",
      "CREATE OR REPLACE VIEW pw_v ON CLUSTER 'pw' AS",
    ]);
    expect(recorded.commands[0]).toContain(`ENGINE = ReplicatedReplacingMergeTree(${P}, applied_at)`);
    expect(recorded.commands[3]).toContain(`ENGINE = ReplicatedReplacingMergeTree(${P}, applied_at)`);
    const checksum = createHash('sha256').update(FILE).digest('hex');
    expect(recorded.inserts[0]).toEqual({ table: 'schema_migrations', values: [{ version: '0001', name: 't', checksum }] });
    // the view's checksum is that of its plain statement, the same as without a cluster
    const plain = recordingClient();
    await migrate(plain.client, { dir });
    expect(recorded.inserts[1]).toEqual(plain.recorded.inserts[1]);
    expect(plain.recorded.commands.join('\n')).not.toMatch(/ON CLUSTER|Replicated/);
  });

  it('a statement the renderer refuses stops the migration before any file runs, naming file and statement', async () => {
    const dir = migrationsDir({ '0001_t.sql': FILE, '0002_opt.sql': 'OPTIMIZE TABLE t FINAL;' });
    const { client, recorded } = recordingClient();
    await expect(migrate(client, { dir, cluster: 'pw' })).rejects.toThrow(MigrationError);
    await expect(migrate(client, { dir, cluster: 'pw' })).rejects.toThrow(
      /migration 0002_opt\.sql, statement 1 of 1: .*unknown statement kind OPTIMIZE/,
    );
    expect(recorded.commands.every((c) => c.startsWith('CREATE TABLE IF NOT EXISTS schema_migrations'))).toBe(true);
    expect(recorded.inserts).toEqual([]);
  });
});
