// Schema migrations: plain SQL files `migrations/NNNN_name.sql`, applied in lexical order, each
// recorded in `schema_migrations` (version, name, sha256 checksum, applied_at).
//
// - Re-running is safe: applied versions are skipped. Write statements idempotently anyway
//   (CREATE TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS): ClickHouse DDL is not transactional,
//   there is no lock between processes, and a file that failed half-way is re-run from the top.
// - Editing a file after it was applied is an error naming the file: add a new migration instead.
// - A file may hold several statements separated by `;`; `--` and `/* */` comments are removed and
//   quoted strings / identifiers are respected when splitting.
// - After them, the read-model views of `<dir>/views/` are created or replaced when new or changed
//   (views.ts: one file per view, its sha256 recorded in `schema_views`).
// - Tables are created in the client's current database: `default` in embedded (chDB) mode, the
//   configured CLICKHOUSE_DATABASE on a server (createClickHouse sets it as the client default).
// - With a cluster configured (CLICKHOUSE_CLUSTER, option `cluster`), every statement, the
//   bookkeeping tables' and the views' included, is rendered for it when applied (cluster.ts:
//   ON CLUSTER, Replicated engines); the files and their recorded checksums stay as written.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { repoPath } from '../repo-root.ts';
import { renderForCluster } from './cluster.ts';
import { applyViews } from './views.ts';

/** The repository's migrations directory. */
export const MIGRATIONS_DIR = repoPath('migrations') + sep;

/** pino-compatible; only info is used. */
export interface MigrateLogger {
  info(obj: object, msg?: string): void;
}

export interface MigrateOptions {
  /** Directory of NNNN_name.sql files; default: the repository's `migrations/`. */
  dir?: string;
  log?: MigrateLogger;
  /** ClickHouse cluster to render every statement for (cluster.ts); unset: one server. */
  cluster?: string;
}

export interface MigrationFile {
  version: string;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The statement creating schema_migrations, rendered for `cluster` when given. */
export function schemaMigrationsStatement(cluster?: string): string {
  return cluster === undefined ? CREATE_SCHEMA_MIGRATIONS : renderForCluster(CREATE_SCHEMA_MIGRATIONS, cluster, 'schema_migrations');
}

const CREATE_SCHEMA_MIGRATIONS = `
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    String,
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version`;

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Reads and orders the migration files of a directory; rejects misnamed .sql files and duplicate versions. */
export function readMigrations(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const out: MigrationFile[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m) {
      throw new MigrationError(
        `migration file ${join(dir, file)} is misnamed: expected NNNN_name.sql (4 digits, then lower-case letters, digits and _)`,
      );
    }
    const version = m[1]!;
    const other = seen.get(version);
    if (other !== undefined) throw new MigrationError(`migration files ${other} and ${file} have the same version ${version}`);
    seen.set(version, file);
    const bytes = readFileSync(join(dir, file));
    out.push({
      version,
      name: m[2]!,
      file,
      sql: bytes.toString('utf8'),
      checksum: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return out;
}

/**
 * Splits SQL text into statements at `;` outside quotes and comments. Comments are dropped
 * (replaced by a space or newline), blank statements are skipped, each statement is trimmed.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      // line comment: skip to end of line, keep the newline
      const end = sql.indexOf('\n', i);
      if (end === -1) break;
      cur += '\n';
      i = end + 1;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new MigrationError('unterminated /* comment in SQL');
      cur += ' ';
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      // quoted string or identifier: backslash escapes and doubled quotes
      let j = i + 1;
      for (;;) {
        if (j >= n) throw new MigrationError(`unterminated ${c} quote in SQL: ${sql.slice(i, i + 40)}`);
        const d = sql[j]!;
        if (d === '\\') j += 2;
        else if (d === c && sql[j + 1] === c) j += 2;
        else if (d === c) break;
        else j += 1;
      }
      cur += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === ';') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
      i += 1;
    } else {
      cur += c;
      i += 1;
    }
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/**
 * The statements of a migration file as they run: split, and rendered for `cluster` when given.
 * A statement the cluster renderer cannot handle is an error naming the file and statement number.
 */
export function migrationStatements(f: MigrationFile, cluster?: string): string[] {
  const statements = splitStatements(f.sql);
  if (cluster === undefined) return statements;
  return statements.map((s, idx) => {
    try {
      return renderForCluster(s, cluster, `migration ${f.file}, statement ${idx + 1} of ${statements.length}`);
    } catch (err) {
      throw new MigrationError((err as Error).message, { cause: err });
    }
  });
}

interface AppliedRow {
  version: string;
  name: string;
  checksum: string;
}

/**
 * Applies the pending migrations of `dir` in order, then the new or changed views of `dir/views`;
 * returns the migration versions applied by this call.
 */
export async function migrate(client: ClickHouseClient, opts: MigrateOptions = {}): Promise<string[]> {
  const dir = opts.dir ?? MIGRATIONS_DIR;
  const files = readMigrations(dir);
  await client.command({ query: schemaMigrationsStatement(opts.cluster) });
  const rs = await client.query({
    query: 'SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version',
    format: 'JSONEachRow',
  });
  const applied = new Map((await rs.json<AppliedRow>()).map((r) => [r.version, r]));

  // Check every applied file first, so a changed one stops everything before anything new runs.
  for (const f of files) {
    const done = applied.get(f.version);
    if (done !== undefined && done.checksum !== f.checksum) {
      throw new MigrationError(
        `migration ${join(dir, f.file)} was changed after it was applied ` +
          `(recorded sha256 ${done.checksum}, file now ${f.checksum}); ` +
          `restore the applied version and put the change in a new migration file`,
      );
    }
  }

  // Render every pending file before running any: a statement the cluster renderer refuses stops
  // the migration before it starts, not half-way.
  const pending = files.filter((f) => !applied.has(f.version)).map((f) => ({ f, statements: migrationStatements(f, opts.cluster) }));
  const now: string[] = [];
  for (const { f, statements } of pending) {
    for (const [idx, statement] of statements.entries()) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new MigrationError(`migration ${f.file} failed at statement ${idx + 1} of ${statements.length}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    await client.insert({
      table: 'schema_migrations',
      format: 'JSONEachRow',
      values: [{ version: f.version, name: f.name, checksum: f.checksum }],
    });
    opts.log?.info({ version: f.version, file: f.file, statements: statements.length }, 'ClickHouse migration applied');
    now.push(f.version);
  }
  const viewsDir = join(dir, 'views');
  if (existsSync(viewsDir)) {
    const views = await applyViews(client, viewsDir, { cluster: opts.cluster });
    if (views.length) opts.log?.info({ views }, 'ClickHouse read-model views created or replaced');
  }
  return now;
}
