// Read-model views: one file per view, `migrations/views/<view>.sql`, holding its query (the only
// definition; the numbered migrations that created earlier versions are history). `migrate()`
// applies them after the numbered migrations and records each view's sha256 in `schema_views`:
// a view is (re)created with CREATE OR REPLACE VIEW when it is missing from that table or its
// applied SQL changed, so an edited view file is applied once, on the next start.
//
// A view may read another relation through a named input, `{{name}}`, declared in its file as
// `-- @input name = <relation>` (the live relation the view reads). The evaluation snapshot binds
// the same query to its own tables (store/read-models/snapshot.ts: pw_person_accounts over
// pw_eval_accounts), so the snapshot and the view share one definition.
//
// With a cluster (option `cluster`), the statements run rendered for it (cluster.ts: ON CLUSTER);
// the recorded checksum stays that of the plain statement.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { repoPath } from '../repo-root.ts';
import { renderForCluster } from './cluster.ts';

/** The repository's view directory. */
export const VIEWS_DIR = repoPath('migrations/views') + sep;

export interface ViewFile {
  name: string;
  /** The query with `{{input}}` placeholders. */
  template: string;
  /** Each input's live relation (`-- @input name = relation`). */
  inputs: Readonly<Record<string, string>>;
}

const FILE_RE = /^(pw_[a-z0-9_]+)\.sql$/;
const INPUT_RE = /^-- @input ([a-z_]+) = (.+)$/gm;
const PLACEHOLDER_RE = /\{\{([a-z_]+)\}\}/g;

export class ViewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ViewError';
  }
}

/** Reads every view file of a directory (by name). */
export function readViews(dir: string = VIEWS_DIR): Map<string, ViewFile> {
  const out = new Map<string, ViewFile>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const m = FILE_RE.exec(file);
    if (!m) throw new ViewError(`view file ${join(dir, file)} is misnamed: expected pw_<name>.sql (lower-case letters, digits and _)`);
    const template = readFileSync(join(dir, file), 'utf8');
    const inputs = Object.fromEntries([...template.matchAll(INPUT_RE)].map((i) => [i[1]!, i[2]!.trim()]));
    out.set(m[1]!, { name: m[1]!, template, inputs });
  }
  return out;
}

/**
 * The view's query with its inputs bound: each `{{name}}` becomes `bindings[name]`, else the
 * input's live relation. An input the file does not declare, or a binding for none, is an error.
 */
export function viewQuery(view: ViewFile, bindings: Readonly<Record<string, string>> = {}): string {
  for (const name of Object.keys(bindings)) {
    if (!(name in view.inputs))
      throw new ViewError(`view ${view.name} has no input "${name}" (inputs: ${Object.keys(view.inputs).join(', ') || 'none'})`);
  }
  return view.template.replace(PLACEHOLDER_RE, (_, name: string) => {
    const relation = bindings[name] ?? view.inputs[name];
    if (relation === undefined)
      throw new ViewError(`view ${view.name} uses {{${name}}} without declaring it (-- @input ${name} = <relation>)`);
    return relation;
  });
}

/** The statement that creates the view over its live inputs, and its checksum. */
export function viewStatement(view: ViewFile): { sql: string; checksum: string } {
  const sql = `CREATE OR REPLACE VIEW ${view.name} AS\n${viewQuery(view)}`;
  return { sql, checksum: createHash('sha256').update(sql).digest('hex') };
}

/** The statement that creates the view as it runs: rendered for `cluster` when given. */
export function viewStatementFor(view: ViewFile, cluster?: string): string {
  const { sql } = viewStatement(view);
  return cluster === undefined ? sql : renderForCluster(sql, cluster, `view ${view.name}.sql`);
}

/**
 * Views in the order they can be created: a view after the views its statement names (a name
 * counts when it appears as a whole word). A cycle is an error.
 */
export function creationOrder(views: ReadonlyMap<string, ViewFile>): ViewFile[] {
  const sql = new Map([...views.values()].map((v) => [v.name, viewStatement(v).sql.split('\n').slice(1).join('\n')]));
  const out: ViewFile[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new ViewError(`views depend on each other in a cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const other of views.keys()) {
      if (other !== name && new RegExp(`\\b${other}\\b`).test(sql.get(name)!)) visit(other, [...path, name]);
    }
    state.set(name, 'done');
    out.push(views.get(name)!);
  };
  for (const name of views.keys()) visit(name, []);
  return out;
}

/** The statement creating schema_views, rendered for `cluster` when given. */
export function schemaViewsStatement(cluster?: string): string {
  return cluster === undefined ? CREATE_SCHEMA_VIEWS : renderForCluster(CREATE_SCHEMA_VIEWS, cluster, 'schema_views');
}

const CREATE_SCHEMA_VIEWS = `
CREATE TABLE IF NOT EXISTS schema_views
(
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY name`;

/** Creates or replaces every view whose statement is new or changed; returns the names applied. */
export async function applyViews(client: ClickHouseClient, dir: string = VIEWS_DIR, opts: { cluster?: string } = {}): Promise<string[]> {
  const views = readViews(dir);
  await client.command({ query: schemaViewsStatement(opts.cluster) });
  const rs = await client.query({ query: 'SELECT name, checksum FROM schema_views FINAL', format: 'JSONEachRow' });
  const applied = new Map((await rs.json<{ name: string; checksum: string }>()).map((r) => [r.name, r.checksum]));
  // Rendered before any runs: a statement the cluster renderer refuses stops before the first view.
  const pending = creationOrder(views)
    .filter((view) => applied.get(view.name) !== viewStatement(view).checksum)
    .map((view) => ({ view, sql: viewStatementFor(view, opts.cluster), checksum: viewStatement(view).checksum }));
  const now: string[] = [];
  for (const { view, sql, checksum } of pending) {
    try {
      await client.command({ query: sql });
    } catch (err) {
      throw new ViewError(`view ${join(dir, `${view.name}.sql`)} failed: ${(err as Error).message}`);
    }
    await client.insert({ table: 'schema_views', format: 'JSONEachRow', values: [{ name: view.name, checksum }] });
    now.push(view.name);
  }
  return now;
}
