// Cluster mode (CLICKHOUSE_CLUSTER): renders one migration or view statement for a replicated
// ClickHouse cluster at apply time. The files stay as written (their checksums are of the files);
// what runs is the rendered text:
//   - every DDL statement gets `ON CLUSTER '<name>'` after the name of what it creates, alters,
//     drops or truncates, so each server of the cluster runs it (distributed DDL);
//   - every MergeTree-family engine becomes its Replicated form with an explicit Keeper path and
//     replica: `ReplacingMergeTree(v)` -> `ReplicatedReplacingMergeTree('<path>', '{replica}', v)`;
//     an engine of any other family is refused (it would hold a different copy on each server);
//   - DROP TABLE also waits for the drop (SYNC): a table dropped and re-created by one migration
//     (0014) would otherwise find its replica path still in Keeper (Atomic databases delay drops).
//   - INSERT ... SELECT is data, not DDL: it runs once, on the server the migrator talks to, and
//     replication carries the rows to the other replicas.
// Any other statement kind is an error naming where it comes from: add its rule here first.
// Statements arrive without comments (migrate.ts splitStatements); comments are skipped anyway.

/** Keeper path of each replicated table; {shard} is a server macro, {database}/{table} ClickHouse expands. */
export const REPLICA_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
/** Replica name: a macro each server defines. */
export const REPLICA_NAME = '{replica}';

const MERGE_TREE_FAMILY = /^(|Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing|Graphite|Coalescing)MergeTree$/;
const CLUSTER_NAME = /^(?:[A-Za-z_][A-Za-z0-9_.-]*|\{[A-Za-z_][A-Za-z0-9_]*\})$/;

export class ClusterRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterRenderError';
  }
}

/** The problem with a cluster name, or null: a name of the servers' remote_servers, or a `{macro}`. */
export function clusterNameProblem(name: string): string | null {
  return CLUSTER_NAME.test(name)
    ? null
    : "expected a cluster name of the servers' <remote_servers> (letters, digits, _, . and -; not starting with a digit), or a macro such as {cluster}";
}

interface Token {
  kind: 'word' | 'quoted' | 'symbol';
  /** The word upper-cased (keywords), the quoted text or the symbol as written. */
  text: string;
  start: number;
  end: number;
  /** Parenthesis depth the token is at. */
  depth: number;
}

/** Words, quoted strings / identifiers and single symbols, with their positions; comments skipped. */
function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('--', i)) i = sql.includes('\n', i) ? sql.indexOf('\n', i) : sql.length;
    else if (sql.startsWith('/*', i)) i = sql.includes('*/', i + 2) ? sql.indexOf('*/', i + 2) + 2 : sql.length;
    else if (c === "'" || c === '"' || c === '`') {
      // backslash escapes and doubled quotes, as splitStatements reads them
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      out.push({ kind: 'quoted', text: sql.slice(i, j + 1), start: i, end: j + 1, depth });
      i = j + 1;
    } else if (/[A-Za-z0-9_]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      out.push({ kind: 'word', text: sql.slice(i, j).toUpperCase(), start: i, end: j, depth });
      i = j;
    } else {
      if (c === ')') depth--;
      out.push({ kind: 'symbol', text: c, start: i, end: i + 1, depth });
      if (c === '(') depth++;
      i++;
    }
  }
  return out;
}

/** A text edit: replace sql[start, end) by text. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

const insertAt = (pos: number, text: string): Edit => ({ start: pos, end: pos, text });

/** Applies non-overlapping edits; two insertions at one place come out in the order given. */
function applyEdits(sql: string, edits: Edit[]): string {
  const backwards = edits.map((e, k) => ({ e, k })).sort((a, b) => b.e.start - a.e.start || b.k - a.k);
  let out = sql;
  for (const { e } of backwards) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Reads tokens in order; `words` checks the next tokens are these keywords and consumes them. */
class Cursor {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peekWords(...words: string[]): boolean {
    return words.every((w, k) => {
      const t = this.tokens[this.i + k];
      return t?.kind === 'word' && t.text === w;
    });
  }
  words(...words: string[]): boolean {
    if (!this.peekWords(...words)) return false;
    this.i += words.length;
    return true;
  }
  /** A table / view name, `name` or `db.name` (either part may be quoted); returns its last token. */
  name(): Token | undefined {
    const first = this.tokens[this.i];
    if (first === undefined || first.kind === 'symbol') return undefined;
    this.i++;
    if (this.tokens[this.i]?.text === '.' && this.tokens[this.i + 1] !== undefined) {
      this.i += 2;
      return this.tokens[this.i - 1];
    }
    return first;
  }
}

/** engineEdit's answer for a statement without ENGINE: an error for a table, fine for a view TO a table. */
const NO_ENGINE = 'no ENGINE clause';

/** One statement being rendered. */
interface Rendering {
  sql: string;
  tokens: Token[];
  cursor: Cursor;
  /** The text inserted: ` ON CLUSTER '<name>'`. */
  onCluster: string;
  fail(why: string): never;
}

/**
 * The statement rendered for `cluster` (see the header). `origin` says where it comes from, for
 * errors (e.g. `migration 0014_identity_model.sql, statement 19 of 31`). Throws a
 * ClusterRenderError for a statement kind without a rule, a CREATE TABLE without a MergeTree-family
 * engine, or a statement that already names a cluster.
 */
export function renderForCluster(statement: string, cluster: string, origin: string): string {
  const problem = clusterNameProblem(cluster);
  if (problem !== null) throw new ClusterRenderError(`cluster name "${cluster}": ${problem}`);
  const tokens = tokenize(statement);
  const r: Rendering = {
    sql: statement,
    tokens,
    cursor: new Cursor(tokens),
    onCluster: ` ON CLUSTER '${cluster}'`,
    fail(why) {
      const head = statement.replace(/\s+/g, ' ').trim().slice(0, 60);
      throw new ClusterRenderError(`${origin}: cannot render for cluster "${cluster}": ${why} (statement: ${head}...)`);
    },
  };
  if (tokens.some((t, k) => t.kind === 'word' && t.text === 'ON' && tokens[k + 1]?.text === 'CLUSTER'))
    r.fail('it already names a cluster (ON CLUSTER)');
  const c = r.cursor;
  if (c.words('CREATE')) return renderCreate(r);
  if (c.words('ALTER', 'TABLE')) return applyEdits(statement, [insertAt(afterName(r), r.onCluster)]);
  if (c.words('DROP')) return renderDrop(r);
  if (c.words('TRUNCATE')) {
    c.words('TABLE');
    c.words('IF', 'EXISTS');
    return applyEdits(statement, [insertAt(afterName(r), r.onCluster)]);
  }
  if (c.words('RENAME', 'TABLE')) return applyEdits(statement, [insertAt(statement.trimEnd().length, r.onCluster)]);
  // Data, not DDL: runs once on the server the migrator talks to; replication copies the rows.
  if (c.peekWords('INSERT', 'INTO')) return statement;
  const first = tokens[0]?.kind === 'word' ? tokens[0].text : (tokens[0]?.text ?? '(empty)');
  return r.fail(`unknown statement kind ${first}: add a rule for it to core/clickhouse/cluster.ts`);
}

/** Reads the name at the cursor; returns where it ends. */
function afterName(r: Rendering): number {
  const name = r.cursor.name();
  return name === undefined ? r.fail('no table or view name where one was expected') : name.end;
}

/** CREATE [OR REPLACE] TABLE | VIEW | MATERIALIZED VIEW [IF NOT EXISTS] name ... (after CREATE). */
function renderCreate(r: Rendering): string {
  const c = r.cursor;
  c.words('OR', 'REPLACE');
  let kind: 'table' | 'view' | 'materialized view';
  if (c.words('TABLE')) kind = 'table';
  else if (c.words('VIEW')) kind = 'view';
  else if (c.words('MATERIALIZED', 'VIEW')) kind = 'materialized view';
  else return r.fail('unknown statement kind: CREATE of something other than TABLE, VIEW or MATERIALIZED VIEW');
  c.words('IF', 'NOT', 'EXISTS');
  const edits = [insertAt(afterName(r), r.onCluster)];
  // A view stores nothing; a materialized view `TO` a table stores into that table (replicated by
  // its own CREATE TABLE); one with an ENGINE has an inner table, replicated like any other.
  if (kind !== 'view') {
    const engine = engineEdit(r.tokens, c.i, r.sql);
    if (typeof engine !== 'string') edits.push(engine);
    else if (kind === 'table' || engine !== NO_ENGINE) r.fail(engine);
  }
  return applyEdits(r.sql, edits);
}

/** DROP TABLE | VIEW [IF EXISTS] name (after DROP); a table's drop waits (SYNC), see the header. */
function renderDrop(r: Rendering): string {
  const c = r.cursor;
  const table = c.words('TABLE');
  if (!table && !c.words('VIEW')) return r.fail('unknown statement kind: DROP of something other than TABLE or VIEW');
  c.words('IF', 'EXISTS');
  const edits = [insertAt(afterName(r), r.onCluster)];
  const sync = r.tokens.some((t) => t.kind === 'word' && t.text === 'SYNC');
  if (table && !sync) edits.push(insertAt(r.sql.trimEnd().length, ' SYNC'));
  return applyEdits(r.sql, edits);
}

/**
 * The edit that turns the statement's top-level `ENGINE = <X>MergeTree[(args)]` (the first one after
 * token `from`, before a top-level AS) into its Replicated form; or why there is none.
 */
function engineEdit(tokens: Token[], from: number, sql: string): Edit | string {
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.depth !== 0 || t.kind !== 'word') continue;
    if (t.text === 'AS') break;
    if (t.text !== 'ENGINE') continue;
    let n = k + 1;
    if (tokens[n]?.text === '=') n++;
    const nameToken = tokens[n];
    if (nameToken?.kind !== 'word') return 'no engine name after ENGINE';
    const engine = sql.slice(nameToken.start, nameToken.end);
    if (engine.startsWith('Replicated'))
      return `engine ${engine} is already replicated: write the plain engine, cluster mode adds the rest`;
    if (!MERGE_TREE_FAMILY.test(engine)) return `engine ${engine} is not of the MergeTree family and cannot be replicated`;
    const head = `Replicated${engine}('${REPLICA_PATH}', '${REPLICA_NAME}'`;
    const open = tokens[n + 1];
    if (open?.text !== '(' || open.depth !== 0) return { start: nameToken.start, end: nameToken.end, text: `${head})` };
    const close = tokens.slice(n + 2).find((x) => x.text === ')' && x.depth === 0);
    if (close === undefined) return `unbalanced parentheses after ENGINE = ${engine}`;
    const args = sql.slice(open.end, close.start).trim();
    return { start: nameToken.start, end: close.end, text: args === '' ? `${head})` : `${head}, ${args})` };
  }
  return NO_ENGINE;
}
