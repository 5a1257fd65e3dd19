// Evaluation snapshots (migrations/0008_detection_snapshots.sql, docs/DETECTIONS.md "Evaluation"):
// the merged accounts, people and credentials every detection reads, materialised ONCE per
// evaluation into pw_eval_* tables instead of being recomputed by each detection from the
// aggregate states.
//
//   full         every table is rebuilt from the state (first evaluation, link / directory
//                parameters changed, a state rebuild, an interrupted build, a snapshot older than
//                the touched-keys retention, or most keys touched).
//   incremental  only the subjects and credentials touched since the previous snapshot
//                (pw_touched, written by a materialized view on every insert, copied once per
//                refresh to pw_snapshot_touched so every statement sees the same keys) are deleted and
//                recomputed; the other rows are kept. A subject's or credential's merged row
//                depends only on the state rows of its own key (source, id), so the result equals
//                a full rebuild. It also writes pw_eval_scope: the people whose rows in a
//                person-scoped detection may have changed (SCOPE_SQL; the detector runs those
//                detections for them only); only those people's pw_eval_people rows are regrouped.
// Only evaluations read these tables, one at a time. A pw_eval_snapshots row with valid = 0 is
// written before any change and one with valid = 1 after, so an interrupted build is followed by a
// full one. Snapshots never depend on the evaluation's `now`.
import { collectGarbage } from '../../core/collect-garbage.ts';
import { createHash } from 'node:crypto';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import type { DetectionParams } from '../detections/params.ts';
import { readViews, viewQuery, viewStatement, type ViewFile } from '../../core/clickhouse/views.ts';

/** Bump when the snapshot SQL changes meaning: forces one full rebuild. */
const SNAPSHOT_FORMAT = 5;
/**
 * Touched keys are re-read from this long before the previous snapshot's start: an insert whose
 * materialized-view rows were stamped just before that start but committed after the snapshot
 * read the state is picked up by the next one. (Embedded chDB runs one call at a time, so there
 * no insert is ever in flight during a build; against a server a sink insert commits well within
 * this.) Re-reading a key is harmless: it is recomputed from the state.
 */
export const TOUCHED_OVERLAP_MS = 10_000;
/** pw_touched keeps a day (TTL); a snapshot older than this is rebuilt in full. */
const MAX_INCREMENTAL_AGE_MS = 12 * 3_600_000;
/** Above this share of touched keys a full rebuild is cheaper than carrying rows over. */
const FULL_ABOVE_SHARE = 0.25;
/**
 * Added to the caller's settings for the queries that build the snapshot. The state tables are
 * sorted by the keys the views group by, so the aggregation can run in key order and hand each key
 * on as soon as it is complete, instead of holding every key's merged states (the lifecycle and
 * last-event states are large) until the end and spilling them to disk under the memory bound; the
 * smaller blocks keep the states held at once in that order bounded. At 10 M events: accounts
 * 3.4 s -> 1.5 s, credentials 5.5 s -> 2.8 s with unmerged parts (bench/detections.ts).
 * In-order aggregation cannot spill: it reads every unmerged part at once, and with large states
 * (subjects with hundreds of lifecycle facts) and many fresh parts it can exceed the memory bound
 * (seen at 10 M stored events under live ingest). Each table's build therefore steps down a ladder
 * (BUILD_LADDER) when it exceeds the memory bound, and stays on the step that worked for the rest
 * of the process.
 */
export const BUILD_SETTINGS: ClickHouseSettings = { optimize_aggregation_in_order: 1, max_block_size: '8192' };
/**
 * After the in-order build (with the caller's build settings): hash aggregation, which spills to
 * disk under the caller's bound, in blocks of 8192 keys — the views' array expressions (a
 * subject's lifecycle facts, mapped and filtered) allocate per block, and at the default 65,536
 * keys one block of subjects with hundreds of facts each needed 512 MiB at once (bench, 10 M
 * stored) — and, last, in blocks of 1024.
 */
const BUILD_LADDER: readonly ClickHouseSettings[] = [{ max_block_size: '8192' }, { max_block_size: '1024' }];
/** Per table, the ladder step its build last succeeded on in this process (0 = in order). */
const buildLevel = new Map<string, number>();

function isMemoryLimit(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return String(e?.code) === '241' || /MEMORY_LIMIT_EXCEEDED|memory limit exceeded/i.test(String(e?.message ?? ''));
}

/**
 * Runs one table's build step (clear what it replaces, then INSERT … SELECT) on its ladder step,
 * and from the start again one step down whenever it exceeded the memory bound: an INSERT …
 * SELECT that fails midway may have written some blocks, which the step's own clearing removes.
 */
async function buildStep(
  table: string,
  settings: ClickHouseSettings | undefined,
  buildSettings: ClickHouseSettings,
  fallbacks: string[],
  step: (s: ClickHouseSettings | undefined) => Promise<void>,
): Promise<void> {
  const ladder = [{ ...settings, ...buildSettings }, ...BUILD_LADDER.map((l) => ({ ...settings, ...l }))];
  for (let level = buildLevel.get(table) ?? 0; ; level++) {
    try {
      await step(ladder[level]);
      if (level > 0) fallbacks.push(table);
      return;
    } catch (err) {
      if (!isMemoryLimit(err) || level + 1 >= ladder.length) throw err;
      buildLevel.set(table, level + 1);
    }
  }
}

export interface SnapshotInfo {
  mode: 'full' | 'incremental';
  /** Keys recomputed (incremental) — subjects + credentials. */
  touched: number;
  /** Why a full rebuild was chosen ('' for incremental). */
  reason: string;
  /** Full build that kept pw_eval_credential_gaps and recomputed only the touched credentials' gaps. */
  gapsKept: boolean;
  /** Tables built with the spilling aggregation because their in-order build exceeded the memory bound (now or earlier in this process). */
  spilled: string[];
  ms: number;
  /** Milliseconds per snapshot table. */
  tables: Record<string, number>;
  /** This snapshot's watermark (epoch ms), and the one of the valid snapshot it was built upon (incremental only, else null). */
  watermarkMs: number;
  previousWatermarkMs: number | null;
}

/**
 * What a snapshot depends on (never `now`): links, directory sources, stale thresholds, and the
 * views it is built from (an edited view file makes the next build a full one).
 * Stored as `<all>:<gaps>`: the second part covers only what pw_eval_credential_gaps depends on
 * (the stale thresholds and the credentials view), so a full build caused by a link or directory change keeps the gaps.
 */
export function snapshotHash(params: DetectionParams): string {
  const h = (keys: string[], views: ViewFile[]) =>
    createHash('sha256')
      .update(JSON.stringify([SNAPSHOT_FORMAT, ...keys.map((k) => params[k]), ...views.map((v) => viewStatement(v).checksum)]))
      .digest('hex')
      .slice(0, 32);
  return (
    `${h(['link_refs', 'link_emails', 'directory_sources', 'stale_platform_ms', 'stale_application_ms'], Object.values(VIEWS))}` +
    `:${h(['stale_platform_ms', 'stale_application_ms'], [VIEWS.pw_credentials])}`
  );
}

type Filter = { subjects: string; credentials: string; credentialEntities: string };
const ALL: Filter = { subjects: '1', credentials: '1', credentialEntities: '1' };

function dirtyFilter(): Filter {
  const keys = (kind: string) => `(SELECT source, key FROM pw_snapshot_touched WHERE kind = '${kind}')`;
  return {
    // An actor's key is a subject too: an action proves its account (migration 0014).
    subjects: `(source, subject_id) IN (SELECT source, key FROM pw_snapshot_touched WHERE kind IN ('subject', 'actor'))`,
    credentials: `(source, credential_id) IN ${keys('credential')}`,
    credentialEntities: `(source, entity_id) IN ${keys('credential')}`,
  };
}

// pw_credentials (0009) already takes the last use from pw_credential_use; the key filter is pushed
// down through its GROUP BY, as for pw_accounts below.
function credentialsSql(f: Filter): string {
  return `SELECT * FROM pw_credentials WHERE ${f.credentials}`;
}

// Per used credential: its creation and each UTC day of use (first and last use), in time order,
// and the gaps between consecutive days longer than the smaller stale threshold
// (PW-STALE-CREDENTIAL-REUSED applies its plane's own threshold).
//
// Why it is built this way (10 M events: 0.8 s instead of 6 s): the activity-day rows are read as
// they are, numbers only, one array per credential; nothing is regrouped per day and no event id
// is merged except for the few days that end a gap. A day may still have several rows (parts not
// merged yet, or two planes); the points are therefore sorted twice, by (day, first use) and by
// (day, last use): both orders list the same days in the same positions, so at each position where
// the day changes the first order holds that day's first use and the second, one position
// earlier, the previous day's last use. Consecutive points are paired by zipping each array with
// the other shifted by one (indexing inside a lambda would copy the array per element).
// The gaps are written to a scratch table (migration 0012) and read from there twice (the days
// whose first event to merge, and the join back): computed inline, ClickHouse ran them twice
// (0.5 s each at 10 M events).
function gapPointsSql(f: Filter): string {
  return `
SELECT plane, source, credential_id, kind, tenant, gaps, observed_from_ms FROM (
    SELECT c.plane AS plane, c.source AS source, c.credential_id AS credential_id, c.kind AS kind, c.tenant AS tenant,
           c.observed_from_ms AS observed_from_ms,
           -- (day, first use, last use, is the creation)
           if(c.created_ms > 0, arrayPushFront(u.s, (toDate(fromUnixTimestamp64Milli(c.created_ms, 'UTC')), c.created_ms, c.created_ms, toUInt8(1))), u.s) AS p,
           arraySort(x -> (x.1, x.2), p) AS by_first,
           arraySort(x -> (x.1, x.3), p) AS by_last,
           -- (previous day's last use, this day's first use, previous is the creation, this day)
           arrayMap(z -> (z.2.3, z.1.2, z.2.4, z.1.1),
                    arrayFilter(z -> z.3 > 1 AND z.1.1 != z.2.1
                                       AND z.1.2 - greatest(z.2.3, c.observed_from_ms) > least({stale_platform_ms:UInt64}, {stale_application_ms:UInt64}),
                                arrayZip(by_first, arrayPopBack(arrayPushFront(by_last, (toDate(0), toInt64(0), toInt64(0), toUInt8(0)))), arrayEnumerate(p)))) AS gaps
    FROM pw_eval_credentials AS c
    INNER JOIN (
        SELECT source, entity_id, groupArray((day, toUnixTimestamp64Milli(min_at), toUnixTimestamp64Milli(max_at), toUInt8(0))) AS s
        FROM pw_activity_days WHERE entity = 'credential' AND ${f.credentialEntities}
        GROUP BY source, entity_id
    ) AS u ON u.source = c.source AND u.entity_id = c.credential_id
    WHERE ${f.credentials.replace('(source, credential_id)', '(c.source, c.credential_id)')} AND notEmpty(gaps))`;
}

// The first event (and its raw delivery) of each day that ends a gap (always found: the day comes
// from the activity-day rows; a missing one would leave the ids empty, never drop the gap).
const GAPS_FROM_POINTS_SQL = `
SELECT plane, source, credential_id, kind, tenant,
       arraySort(x -> x.2, groupArray((g.1, g.2, e.fe.1, e.fe.2, g.3))) AS gaps, observed_from_ms
FROM (SELECT plane, source, credential_id, kind, tenant, observed_from_ms, arrayJoin(gaps) AS g FROM pw_snapshot_gap_points) AS n
LEFT JOIN (
    SELECT source, entity_id, day, argMinMerge(first_ev) AS fe
    FROM pw_activity_days
    WHERE entity = 'credential' AND (source, entity_id, day) IN (SELECT source, credential_id, arrayJoin(gaps).4 FROM pw_snapshot_gap_points)
    GROUP BY source, entity_id, day
) AS e ON e.source = n.source AND e.entity_id = n.credential_id AND e.day = n.g.4
GROUP BY plane, source, credential_id, kind, tenant, observed_from_ms`;

/** The read-model views (migrations/views/): the snapshot tables are built from their queries. */
const VIEWS = Object.fromEntries(
  ['pw_accounts', 'pw_credentials', 'pw_person_accounts', 'pw_people'].map((name) => {
    const view = readViews().get(name);
    if (!view) throw new Error(`read-model view ${name} is missing from migrations/views/`);
    return [name, view];
  }),
) as Record<'pw_accounts' | 'pw_credentials' | 'pw_person_accounts' | 'pw_people', ViewFile>;

/**
 * pw_people over the person-accounts snapshot; `scoped`: only the people of pw_eval_scope. A
 * person's row depends only on the person-accounts rows of that person, and the scope holds every
 * person a touched key belonged to before the refresh and belongs to after it.
 */
const peopleSql = (scoped: boolean) =>
  viewQuery(VIEWS.pw_people, {
    person_accounts: scoped
      ? '(SELECT * FROM pw_eval_person_accounts WHERE person IN (SELECT person FROM pw_eval_scope))'
      : 'pw_eval_person_accounts',
  });

interface Table {
  name: string;
  key: 'subjects' | 'credentials';
  keyCols: string;
  /** A scratch table the build reads, emptied and filled (INSERT … SELECT) before it. */
  prepare?: { scratch: string; insert: (f: Filter) => string };
  build: (f: Filter) => string;
}
const TABLES: readonly Table[] = [
  {
    name: 'pw_eval_accounts',
    key: 'subjects',
    keyCols: '(source, subject_id)',
    build: (f) => `SELECT * FROM pw_accounts WHERE ${f.subjects}`,
  },
  // The person-accounts view over the accounts snapshot just built. Its window is partitioned by
  // the key, so the key filter is applied to the accounts it reads, before the window.
  {
    name: 'pw_eval_person_accounts',
    key: 'subjects',
    keyCols: '(source, subject_id)',
    build: (f) => viewQuery(VIEWS.pw_person_accounts, { accounts: `(SELECT * FROM pw_eval_accounts WHERE ${f.subjects})` }),
  },
  { name: 'pw_eval_credentials', key: 'credentials', keyCols: '(source, credential_id)', build: credentialsSql },
  {
    name: 'pw_eval_credential_gaps',
    key: 'credentials',
    keyCols: '(source, credential_id)',
    prepare: {
      scratch: 'pw_snapshot_gap_points',
      insert: (f) =>
        `INSERT INTO pw_snapshot_gap_points (plane, source, credential_id, kind, tenant, gaps, observed_from_ms) ${gapPointsSql(f)}`,
    },
    build: () => GAPS_FROM_POINTS_SQL,
  },
];

/**
 * The people whose rows in a person-scoped detection may have changed since the previous snapshot:
 * the people of the touched subjects, of the accounts owning touched credentials and of the
 * touched human actors (their activity days). Run before the touched keys are recomputed (their
 * old people: an account that moved to another person, or lost a deprovision period, changes its
 * old person's rows) and after (their new people).
 */
const SCOPE_SQL = `
INSERT INTO pw_eval_scope (person)
SELECT DISTINCT person FROM pw_eval_person_accounts
WHERE person != '' AND (
    (source, subject_id) IN (SELECT source, key FROM pw_snapshot_touched WHERE kind IN ('subject', 'actor'))
    OR (source, subject_id) IN (
        SELECT source, owner_id FROM pw_eval_credentials
        WHERE (source, credential_id) IN (SELECT source, key FROM pw_snapshot_touched WHERE kind = 'credential')))`;

async function rows<T>(
  client: ClickHouseClient,
  query: string,
  query_params: Record<string, unknown> = {},
  settings?: ClickHouseSettings,
): Promise<T[]> {
  const rs = await client.query({ query, query_params, format: 'JSONEachRow', clickhouse_settings: settings });
  return rs.json<T>();
}

const columnCache = new Map<string, string>();
async function columnsOf(client: ClickHouseClient, table: string): Promise<string> {
  let cols = columnCache.get(table);
  if (cols === undefined) {
    const r = await rows<{ name: string }>(
      client,
      `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`,
      { t: table },
    );
    cols = r.map((c) => `\`${c.name}\``).join(', ');
    columnCache.set(table, cols);
  }
  return cols;
}

/** Empties a table's scratch table and fills it for this build (with the build step's settings). */
async function prepare(
  client: ClickHouseClient,
  t: Table,
  f: Filter,
  q: Record<string, unknown>,
  settings: ClickHouseSettings | undefined,
  stepSettings: ClickHouseSettings | undefined,
): Promise<void> {
  if (!t.prepare) return;
  await client.command({ query: `TRUNCATE TABLE ${t.prepare.scratch}`, clickhouse_settings: settings });
  await client.command({ query: t.prepare.insert(f), query_params: q, clickhouse_settings: stepSettings });
}

/**
 * Returns the memory the engine's allocator keeps after a query freed it (for some seconds, for
 * reuse) to the system, so that one full build step's peak does not stack on the next one's (both
 * in the process, embedded). Best effort: an engine without jemalloc, or a user without the
 * SYSTEM privilege, refuses it, which changes nothing.
 */
async function releaseFreedMemory(client: ClickHouseClient): Promise<void> {
  await client.command({ query: 'SYSTEM JEMALLOC PURGE' }).catch(() => undefined);
}

/** Marks the snapshot as needing a full rebuild (after the state was rebuilt from the events). */
export async function invalidateSnapshot(client: ClickHouseClient): Promise<void> {
  await client.command({
    query: `INSERT INTO pw_eval_snapshots (built_at, params_hash, watermark, valid, mode, touched) SELECT now64(6), '', now64(6), 0, 'invalidated', 0`,
  });
}

/**
 * The watermark of a snapshot starting at `nowMs` on a replica `replicaDelaySeconds` behind
 * (system.replicas.absolute_delay; 0 on a single server or embedded): rows inserted on another
 * replica before now − delay may still arrive here, stamped with their insert time, after this
 * build read the state. The next incremental refresh re-reads the keys touched since this
 * watermark (minus TOUCHED_OVERLAP_MS), so it must not be later than the oldest row not yet here.
 * The delay is reported in whole seconds: one more second covers its rounding.
 */
export function snapshotWatermarkMs(nowMs: number, replicaDelaySeconds: number): number {
  return replicaDelaySeconds > 0 ? nowMs - (replicaDelaySeconds + 1) * 1000 : nowMs;
}

/** 'YYYY-MM-DD HH:MM:SS.mmm' (UTC) for a {p:DateTime64(6, 'UTC')} parameter. */
const toDateTime64Text = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export interface RefreshOptions {
  /** 'full': always rebuild everything; 'incremental': never fall back to full because many keys were touched. */
  mode?: 'auto' | 'full' | 'incremental';
  /** Settings applied to every snapshot query (memory bounds). */
  settings?: ClickHouseSettings;
  /** Added for the build queries (default BUILD_SETTINGS; tests override it to force the fallback). */
  buildSettings?: ClickHouseSettings;
}

/** Brings the pw_eval_* snapshot up to date with the state; see the header. */
export async function refreshSnapshot(client: ClickHouseClient, params: DetectionParams, opts: RefreshOptions = {}): Promise<SnapshotInfo> {
  const t0 = performance.now();
  // A refill may be identical to an earlier block of the same scratch table; a Replicated table
  // (cluster mode) would drop it as a duplicate insert and leave the table empty.
  const settings: ClickHouseSettings = { ...opts.settings, insert_deduplicate: 0 };
  const buildSettings = opts.buildSettings ?? BUILD_SETTINGS;
  const fallbacks: string[] = [];
  const hash = snapshotHash(params);
  const [clock] = await rows<{ now_ms: string; delay_s: string }>(
    client,
    `SELECT toUnixTimestamp64Milli(now64(6, 'UTC')) AS now_ms,
            (SELECT max(absolute_delay) FROM system.replicas WHERE database = currentDatabase()) AS delay_s`,
  );
  const watermarkMs = snapshotWatermarkMs(Number(clock!.now_ms), Number(clock!.delay_s));
  const watermark = toDateTime64Text(watermarkMs);
  const [last] = await rows<{ n: string; h: string; w_ms: string; v: number | string }>(
    client,
    `
    SELECT count() AS n, argMax(params_hash, built_at) AS h, toUnixTimestamp64Milli(argMax(watermark, built_at)) AS w_ms,
           argMax(valid, built_at) AS v
    FROM pw_eval_snapshots`,
  );
  let reason = '';
  if (opts.mode === 'full') reason = 'requested';
  else if (!last || Number(last.n) === 0) reason = 'first snapshot';
  else if (Number(last.v) !== 1) reason = 'previous build interrupted or state rebuilt';
  else if (watermarkMs - Number(last.w_ms) > MAX_INCREMENTAL_AGE_MS) reason = 'previous snapshot too old';
  else if (last.h !== hash) reason = 'links, directory sources or stale thresholds changed';
  // The credential gaps are the costly table (every credential activity day). They are kept and
  // only the touched credentials recomputed, even on a full build, when everything they depend on
  // is known unchanged: the previous build completed, the stale thresholds are the same, and the
  // touched-keys log covers the time since (so never on a requested, first, interrupted, too-old
  // or threshold-changed build). A credential's gaps depend only on its own state rows.
  const keepGaps =
    (reason === '' || reason === 'links, directory sources or stale thresholds changed') &&
    last !== undefined &&
    last.h.split(':')[1] === hash.split(':')[1];

  const q = { ...params, since: '' as string };
  let touched = 0;
  if (!reason || keepGaps) {
    const sinceMs = Number(last!.w_ms) - TOUCHED_OVERLAP_MS;
    q.since = toDateTime64Text(sinceMs);
    // One copy of the touched keys for every statement of this refresh (migration 0013).
    await client.command({ query: 'TRUNCATE TABLE pw_snapshot_touched', clickhouse_settings: settings });
    await client.command({
      query: `INSERT INTO pw_snapshot_touched (kind, source, key) SELECT DISTINCT kind, source, key FROM pw_touched WHERE touched_at >= {since:DateTime64(6, 'UTC')}`,
      query_params: q,
      clickhouse_settings: settings,
    });
    const [c] = await rows<{ subjects: string; credentials: string; total: string }>(
      client,
      `
      SELECT countIf(kind = 'subject') AS subjects, countIf(kind = 'credential') AS credentials,
             (SELECT count() FROM pw_eval_accounts) + (SELECT count() FROM pw_eval_credentials) AS total
      FROM pw_snapshot_touched`,
      q,
      settings,
    );
    touched = Number(c!.subjects) + Number(c!.credentials);
    if (!reason && opts.mode !== 'incremental' && touched > FULL_ABOVE_SHARE * Math.max(1, Number(c!.total))) reason = 'most keys touched';
  }
  const incremental = !reason;
  const filter = incremental ? dirtyFilter() : ALL;
  const gapsIncremental = incremental || keepGaps;

  const tables: Record<string, number> = {};
  // A full build is an evaluation's largest engine work, in this process when embedded: the JS
  // garbage goes first (collect-garbage.ts).
  if (!incremental) collectGarbage();
  await client.command({
    query: `INSERT INTO pw_eval_snapshots (built_at, params_hash, watermark, valid, mode, touched) VALUES (now64(6), '', now64(6), 0, 'building', 0)`,
  });
  // The person scope holds only what this refresh wrote: engines use it after an incremental one.
  await client.command({ query: 'TRUNCATE TABLE pw_eval_scope', clickhouse_settings: settings });
  const scoped = incremental && touched > 0;
  if (scoped) await client.command({ query: SCOPE_SQL, query_params: q, clickhouse_settings: settings });
  for (const t of TABLES) {
    const tt = performance.now();
    const cols = await columnsOf(client, t.name);
    if (incremental || (keepGaps && t.name === 'pw_eval_credential_gaps')) {
      if (touched > 0) {
        const dirty = dirtyFilter();
        await buildStep(t.name, settings, buildSettings, fallbacks, async (s) => {
          await client.command({ query: `DELETE FROM ${t.name} WHERE ${dirty[t.key]}`, query_params: q, clickhouse_settings: settings });
          await prepare(client, t, dirty, q, settings, s);
          await client.command({
            query: `INSERT INTO ${t.name} (${cols}) SELECT ${cols} FROM (${t.build(dirty)})`,
            query_params: q,
            clickhouse_settings: s,
          });
        });
      }
    } else {
      await buildStep(t.name, settings, buildSettings, fallbacks, async (s) => {
        await client.command({ query: `TRUNCATE TABLE ${t.name}`, clickhouse_settings: settings });
        await prepare(client, t, filter, q, settings, s);
        await client.command({
          query: `INSERT INTO ${t.name} (${cols}) SELECT ${cols} FROM (${t.build(filter)})`,
          query_params: q,
          clickhouse_settings: s,
        });
      });
    }
    tables[t.name] = performance.now() - tt;
    if (!incremental) await releaseFreedMemory(client);
  }
  if (scoped) await client.command({ query: SCOPE_SQL, query_params: q, clickhouse_settings: settings });
  if (!incremental || touched > 0) {
    const tt = performance.now();
    const cols = await columnsOf(client, 'pw_eval_people');
    await buildStep('pw_eval_people', settings, buildSettings, fallbacks, async (s) => {
      await client.command({
        query: scoped ? 'DELETE FROM pw_eval_people WHERE person IN (SELECT person FROM pw_eval_scope)' : 'TRUNCATE TABLE pw_eval_people',
        clickhouse_settings: settings,
      });
      await client.command({
        query: `INSERT INTO pw_eval_people (${cols}) SELECT ${cols} FROM (${peopleSql(scoped)})`,
        query_params: q,
        clickhouse_settings: s,
      });
    });
    tables.pw_eval_people = performance.now() - tt;
    if (!incremental) await releaseFreedMemory(client);
  }
  await client.command({
    query: `INSERT INTO pw_eval_snapshots (built_at, params_hash, watermark, valid, mode, touched)
            VALUES (now64(6), {hash:String}, {watermark:DateTime64(6, 'UTC')}, 1, {mode:String}, {touched:UInt64})`,
    query_params: { hash, watermark, mode: incremental ? 'incremental' : 'full', touched },
  });
  return {
    mode: incremental ? 'incremental' : 'full',
    touched,
    reason,
    gapsKept: !incremental && gapsIncremental,
    spilled: fallbacks,
    ms: performance.now() - t0,
    tables,
    watermarkMs,
    previousWatermarkMs: incremental ? Number(last!.w_ms) : null,
  };
}
