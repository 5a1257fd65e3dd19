// `planewatch migrations print [--cluster <name>]`: the SQL the migrator would run on an empty
// store, in order: the bookkeeping table, every statement of every numbered migration, then the
// bookkeeping table of the views and every view in creation order; each statement preceded by a
// `-- <file>` line and ended by `;`. With a cluster (--cluster, else CLICKHOUSE_CLUSTER) the
// statements are rendered for it as migrate() would run them (core/clickhouse/cluster.ts).
// Nothing is opened: it reads the files only, so it loads neither chDB nor the ClickHouse client.
import type { Command } from 'commander';
import { clusterNameProblem } from '../../core/clickhouse/cluster.ts';
import { migrationStatements, MIGRATIONS_DIR, readMigrations, schemaMigrationsStatement } from '../../core/clickhouse/migrate.ts';
import { creationOrder, readViews, schemaViewsStatement, viewStatementFor, VIEWS_DIR } from '../../core/clickhouse/views.ts';
import { ConfigError } from '../../core/config/errors.ts';

export interface PrintOptions {
  /** Directory of the numbered migrations; default the repository's. Its views are in `<dir>/views`. */
  dir?: string;
  viewsDir?: string;
  cluster?: string;
}

/** The SQL text `migrations print` writes. */
export function migrationsSql(opts: PrintOptions = {}): string {
  const { cluster } = opts;
  const out: string[] = [];
  const add = (file: string, sql: string) => out.push(`-- ${file}\n${sql.trim()};\n`);
  add('schema_migrations (core/clickhouse/migrate.ts)', schemaMigrationsStatement(cluster));
  for (const f of readMigrations(opts.dir ?? MIGRATIONS_DIR)) {
    for (const statement of migrationStatements(f, cluster)) add(f.file, statement);
  }
  add('schema_views (core/clickhouse/views.ts)', schemaViewsStatement(cluster));
  for (const view of creationOrder(readViews(opts.viewsDir ?? VIEWS_DIR))) add(`views/${view.name}.sql`, viewStatementFor(view, cluster));
  return out.join('\n');
}

/** --cluster, else CLICKHOUSE_CLUSTER (blank = unset); a malformed name is a configuration error. */
function clusterOption(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const [name, origin] = flag !== undefined ? [flag, '--cluster'] : [env.CLICKHOUSE_CLUSTER?.trim() || undefined, 'CLICKHOUSE_CLUSTER'];
  if (name === undefined) return undefined;
  const problem = clusterNameProblem(name);
  if (problem !== null) throw new ConfigError([`${origin}: ${problem}`], origin === '--cluster' ? 'command line' : 'environment variables');
  return name;
}

export function registerMigrationsCommand(program: Command): void {
  const migrations = program.command('migrations').description('Inspect the ClickHouse schema migrations.');
  migrations
    .command('print')
    .description(
      'Print the SQL the migrations and read-model views run on an empty store, in order (rendered ON CLUSTER with Replicated engines for a cluster).',
    )
    .option('--cluster <name>', 'render for this ClickHouse cluster (default: CLICKHOUSE_CLUSTER; unset: one server)')
    .addHelpText('after', '\nExamples:\n  planewatch migrations print > schema.sql\n  planewatch migrations print --cluster planewatch\n')
    .action((opts: { cluster?: string }) => {
      process.stdout.write(migrationsSql({ cluster: clusterOption(opts.cluster, process.env) }));
    });
}
