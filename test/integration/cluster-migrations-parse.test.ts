// Every statement cluster mode runs (bookkeeping tables, each migration, each view; rendered by
// core/clickhouse/cluster.ts) is parsed by the real engine: embedded chDB, `SELECT formatQuery(...)`
// and `EXPLAIN AST <statement>` (both parse ON CLUSTER DDL without executing it; chDB has no
// Keeper, so the statements themselves cannot run here). What is checked is read from the
// parser's output, not from the rendered text: formatQuery's re-serialisation carries
// `ON CLUSTER pw` for every DDL statement, and the AST's storage definition of every CREATE TABLE
// names a Replicated*MergeTree engine with the Keeper path and replica macro as its first arguments.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { REPLICA_NAME, REPLICA_PATH } from '../../core/clickhouse/cluster.ts';
import { migrationStatements, readMigrations, schemaMigrationsStatement } from '../../core/clickhouse/migrate.ts';
import { creationOrder, readViews, schemaViewsStatement, viewStatementFor } from '../../core/clickhouse/views.ts';

const CLUSTER = 'pw';

interface Planned {
  origin: string;
  sql: string;
}

/** Every statement migrate() runs on an empty store, in order, rendered for `cluster` when given. */
function plan(cluster?: string): Planned[] {
  const out: Planned[] = [{ origin: 'schema_migrations', sql: schemaMigrationsStatement(cluster) }];
  for (const f of readMigrations()) {
    for (const [i, sql] of migrationStatements(f, cluster).entries()) out.push({ origin: `${f.file} #${i + 1}`, sql });
  }
  out.push({ origin: 'schema_views', sql: schemaViewsStatement(cluster) });
  for (const v of creationOrder(readViews())) out.push({ origin: `views/${v.name}.sql`, sql: viewStatementFor(v, cluster) });
  return out;
}

let ch: ClickHouse;
const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-cluster-parse-'));

beforeAll(() => {
  ch = createClickHouse({ dataDir });
});

afterAll(async () => {
  await ch.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function formatted(sql: string): Promise<string> {
  const rs = await ch.client.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: sql }, format: 'JSONEachRow' });
  return (await rs.json<{ f: string }>())[0]!.f;
}

async function ast(sql: string): Promise<string[]> {
  const rs = await ch.client.query({ query: `EXPLAIN AST ${sql}`, format: 'JSONEachRow' });
  // A server answers {"explain": "<line>"} per row; chDB (chdb 3.4) answers each row as the bare string.
  return (await rs.json<{ explain: string } | string>()).map((r) => (typeof r === 'string' ? r : r.explain));
}

/** The engine of a CREATE's storage definition in EXPLAIN AST output: its name and literal arguments. */
function engineOf(lines: string[]): { name: string; literals: string[] } | null {
  const storage = lines.findIndex((l) => l.trim().startsWith('Storage definition'));
  if (storage === -1) return null;
  const indent = (l: string) => l.length - l.trimStart().length;
  const fn = lines.slice(storage + 1).find((l) => indent(l) === indent(lines[storage]!) + 1 && l.trim().startsWith('Function '));
  if (fn === undefined) return null;
  const at = lines.indexOf(fn);
  const args: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (indent(l) <= indent(fn)) break;
    if (indent(l) === indent(fn) + 2 && l.trim().startsWith('Literal ')) args.push(l.trim().slice('Literal '.length));
  }
  return { name: fn.trim().slice('Function '.length).split(' ')[0]!, literals: args };
}

describe('cluster mode: every statement is parsed by chDB', () => {
  it('every DDL statement carries ON CLUSTER and every CREATE TABLE a Replicated engine, as the parser reads them', async () => {
    const statements = plan(CLUSTER);
    const tables: string[] = [];
    for (const { origin, sql } of statements) {
      const text = await formatted(sql).catch((err: Error) => {
        throw new Error(`${origin}: chDB's parser refused the rendered statement: ${err.message}\n${sql}`);
      });
      const tree = await ast(sql);
      if (/^INSERT\b/.test(text)) {
        // data: runs once, on the server the migrator talks to
        expect(tree[0], origin).toMatch(/^InsertQuery/);
        expect(text, origin).not.toContain('ON CLUSTER');
        continue;
      }
      expect(text, origin).toMatch(new RegExp(`\\bON CLUSTER ${CLUSTER}\\b`));
      if (/^CREATE TABLE\b/.test(text)) {
        const engine = engineOf(tree);
        expect(engine?.name, `${origin}: engine`).toMatch(/^Replicated(Replacing|Aggregating)?MergeTree$/);
        expect(engine!.literals.slice(0, 2), `${origin}: Keeper path and replica`).toEqual([`'${REPLICA_PATH}'`, `'${REPLICA_NAME}'`]);
        tables.push(origin);
      }
      if (/^DROP TABLE\b/.test(text)) expect(text, origin).toMatch(/\bSYNC$/);
    }
    // Every CREATE TABLE of the plain files was checked: 33 in the migrations (4 re-created by 0014) and the 2 bookkeeping tables.
    expect(tables).toEqual(plan().flatMap((p) => (/^CREATE TABLE\b/i.test(p.sql.trim()) ? [p.origin] : [])));
    expect(tables).toHaveLength(35);
    expect(tables).toContain('schema_migrations');
    expect(tables).toContain('schema_views');
  });

  it('the parser reads the engine arguments after the path and replica: versions of ReplacingMergeTree, none for Aggregating', async () => {
    const byName = new Map(plan(CLUSTER).map((p) => [p.origin, p.sql]));
    const events = engineOf(await ast(byName.get('0001_events.sql #1')!));
    expect(events).toEqual({ name: 'ReplicatedReplacingMergeTree', literals: [`'${REPLICA_PATH}'`, `'${REPLICA_NAME}'`] });
    const eventsTree = await ast(byName.get('0001_events.sql #1')!);
    const fn = eventsTree.findIndex((l) => l.includes('Function ReplicatedReplacingMergeTree'));
    expect(eventsTree[fn + 1]!.trim()).toBe('ExpressionList (children 3)');
    expect(eventsTree.slice(fn + 2, fn + 5).map((l) => l.trim())).toEqual([
      `Literal '${REPLICA_PATH}'`,
      `Literal '${REPLICA_NAME}'`,
      'Identifier ingested_at',
    ]);
    const state = engineOf(await ast(byName.get('0004_detection_state.sql #1')!));
    expect(state?.name).toBe('ReplicatedAggregatingMergeTree');
    const evalPeople = engineOf(await ast(byName.get('0008_detection_snapshots.sql #8')!));
    expect(evalPeople?.name).toBe('ReplicatedMergeTree');
  });

  it('without a cluster the same checks find plain engines and no ON CLUSTER (the checks can fail)', async () => {
    for (const { origin, sql } of plan()) {
      expect(await formatted(sql), origin).not.toContain('ON CLUSTER');
      const engine = engineOf(await ast(sql));
      if (engine !== null) expect(engine.name, origin).not.toMatch(/^Replicated/);
    }
  });
});
