// `planewatch migrations print` (cli/commands/migrations.ts), run as the CLI registers it: every
// migration file's statements in order, then the views, each under a `-- <file>` line and ended by
// `;`; rendered ON CLUSTER with Replicated engines for --cluster or CLICKHOUSE_CLUSTER, plain
// without. No store is opened (test/integration/cli-lazy-loading.test.ts checks what it loads).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerMigrationsCommand } from '../../../cli/commands/migrations.ts';
import { MIGRATIONS_DIR } from '../../../core/clickhouse/migrate.ts';
import { ConfigError } from '../../../core/config/errors.ts';

async function print(args: string[], env: Record<string, string> = {}): Promise<string> {
  const program = new Command('planewatch').exitOverride();
  registerMigrationsCommand(program);
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    await program.parseAsync(['migrations', 'print', ...args], { from: 'user' });
  } finally {
    write.mockRestore();
  }
  return out;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const migrationFiles = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{4}_.*\.sql$/.test(f))
  .sort();
const viewFiles = readdirSync(path.join(MIGRATIONS_DIR, 'views')).filter((f) => f.endsWith('.sql'));

/** A statement's `-- <file>` line (view statements hold comment lines of their own). */
const FILE_LINE = /^-- ((?:views\/)?[a-z0-9_]+\.sql|schema_\w+ \(core\/clickhouse\/\w+\.ts\))$/gm;

/** The `-- <file>` lines, in order, without repeats of the same file in a row. */
function fileLines(sql: string): string[] {
  const files = [...sql.matchAll(FILE_LINE)].map((m) => m[1]!);
  return files.filter((f, i) => f !== files[i - 1]);
}

/** The statements printed: the text after each `-- <file>` line. */
function statementsOf(sql: string): string[] {
  return sql
    .split(FILE_LINE)
    .filter((_, i) => i % 2 === 0)
    .slice(1)
    .map((s) => s.trim());
}

describe('planewatch migrations print', () => {
  it('prints every migration file in order, then every view, each statement under its file and ended by ;', async () => {
    const sql = await print([]);
    const files = fileLines(sql);
    expect(files[0]).toBe('schema_migrations (core/clickhouse/migrate.ts)');
    expect(files.slice(1, 1 + migrationFiles.length)).toEqual(migrationFiles);
    expect(files[1 + migrationFiles.length]).toBe('schema_views (core/clickhouse/views.ts)');
    expect(files.slice(2 + migrationFiles.length).sort()).toEqual(viewFiles.map((f) => `views/${f}`).sort());
    // pw_people reads pw_person_accounts, which reads pw_accounts: creation order
    expect(files.indexOf('views/pw_accounts.sql')).toBeLessThan(files.indexOf('views/pw_person_accounts.sql'));
    expect(files.indexOf('views/pw_person_accounts.sql')).toBeLessThan(files.indexOf('views/pw_people.sql'));
    for (const statement of statementsOf(sql)) expect(statement.trimEnd()).toMatch(/;$/);
    expect(sql).not.toMatch(/Replicated|ON CLUSTER/);
  });

  it('with --cluster renders every statement ON CLUSTER and every engine Replicated, INSERTs excepted', async () => {
    const sql = await print(['--cluster', 'pw_prod']);
    expect(fileLines(sql)).toEqual(fileLines(await print([])));
    const statements = statementsOf(sql);
    expect(statements.length).toBeGreaterThanOrEqual(89); // 79 migration statements (0001-0015), 8 views, 2 bookkeeping tables
    for (const s of statements) {
      if (s.startsWith('INSERT')) expect(s).not.toContain('ON CLUSTER');
      else expect(s).toContain("ON CLUSTER 'pw_prod'");
    }
    expect(sql).not.toMatch(/ENGINE\s*=?\s*(?!Replicated)\w*MergeTree/);
    expect(sql).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', ingested_at)",
    );
  });

  it('takes the cluster from CLICKHOUSE_CLUSTER; --cluster wins; a bad name is a configuration error', async () => {
    expect(await print([], { CLICKHOUSE_CLUSTER: 'from_env' })).toContain("ON CLUSTER 'from_env'");
    const both = await print(['--cluster', 'flag'], { CLICKHOUSE_CLUSTER: 'from_env' });
    expect(both).toContain("ON CLUSTER 'flag'");
    expect(both).not.toContain('from_env');
    await expect(print(['--cluster', "x'; DROP"])).rejects.toThrow(ConfigError);
    await expect(print([], { CLICKHOUSE_CLUSTER: 'a b' })).rejects.toThrow(/CLICKHOUSE_CLUSTER: expected a cluster name/);
  });
});
