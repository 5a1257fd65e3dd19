// Detection evaluation benchmark (not a test): `tsx bench/detections.ts [--quick|--full] [--json]`,
// also run by `npm run bench` (bench/run.ts reads the last stdout line of JSON: { rows: [...] }).
//
// For each size (quick: 1 M events; full and default: 1 M and 10 M) it generates identity events
// INSIDE ClickHouse (INSERT … SELECT FROM numbers(): a workforce directory with ~2 % leavers,
// platform users and keys from inventory snapshots with last_used_at, logins, application-plane
// memberships and sessions), which also drives the materialized views that maintain the
// detection state, then measures in the same run:
//   - baseline: a plain scan of identity_events (count over two columns, every row read);
//   - evaluate(): every built-in detection plus the findings diff and commit, at a fixed `now`;
// and reports evaluation time as a ratio to the baseline, and peak memory: the process's peak RSS
// during each phase (chDB runs in-process; VmHWM is reset through /proc/self/clear_refs before each
// phase) and ClickHouse's own peak per query where system.query_log is available.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClickHouse } from '../core/clickhouse/client.ts';
import { migrate } from '../core/clickhouse/migrate.ts';
import { validateBoundaryMap } from '../core/config/load.ts';
import { loadDetections } from '../core/detections/metadata.ts';
import { evaluate, runDetection } from '../core/detections/engine.ts';
import { detectionParams } from '../core/detections/params.ts';

const args = new Set(process.argv.slice(2));
const SIZES = args.has('--quick') ? [1_000_000] : [1_000_000, 10_000_000];
const JSON_OUT = args.has('--json');
const CHUNK = 1_000_000;
const DAY = 86_400_000;
const BASE = Date.UTC(2025, 0, 1);
const NOW = BASE + 366 * DAY;

interface Row { what: string; value: number | null; unit: string; ratio?: string; target?: string; met?: boolean | null; note?: string }
const rows: Row[] = [];
const say = (s: string) => { if (!JSON_OUT) process.stdout.write(s + '\n'); else process.stderr.write(s + '\n'); };
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
function peakRssMiB(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? round(Number(m[1]) / 1024, 0) : null;
  } catch {
    return null;
  }
}

const MAP = validateBoundaryMap({
  domains: { corporate: ['acme.example'] },
  connections: [
    { id: 'workos-main', vendor: 'workos', transport: 'webhook', secret_env: 'BENCH_WORKOS_SECRET', plane: 'application', authoritative_for: 'customers',
      plane_rules: [{ organization_id: 'org_wf', plane: 'platform', authoritative_for: 'employees' }] },
    { id: 'openai-main', vendor: 'openai', transport: 'poll', api_key_env: 'BENCH_OPENAI_KEY', poll_interval: '5m' },
  ],
}, 'bench');
const defaultPlaneOf = (v: string) => (v === 'openai' ? 'platform' as const : 'application' as const);

/** One chunk of synthetic events; `people` persons, each getting one event of type (round % 10) per round. */
function generateSql(offset: number, count: number, people: number, rounds: number): string {
  const span = Math.floor((365 * DAY) / rounds);
  return `
INSERT INTO identity_events
  (event_id, source, connection_id, plane, tenant_id, authoritative_for, category, action, outcome, subject_kind, subject_id, subject_email,
   subject_name, actor_kind, actor_id, actor_email, actor_ip, actor_user_agent, actor_credential_id, credential_id, credential_kind,
   credential_owner_id, credential_owner_kind, credential_scopes, credential_created_at, credential_last_used_at, occurred_at, received_at,
   raw_id, vendor_type, ocsf_class_uid, ocsf_activity_id, attributes)
SELECT
  concat('bench-', toString(n)),
  if(t IN (0, 8, 9), 'workos', 'openai'),
  if(t IN (0, 8, 9), 'workos-main', 'openai-main'),
  if(t IN (8, 9), 'application', 'platform'),
  multiIf(t = 0, 'org_wf', t IN (8, 9), concat('org_', toString(p % 100)), t IN (3, 4, 5), 'proj_main', NULL),
  if(t = 0, 'employees', NULL),
  multiIf(t = 0, 'account', t IN (1, 2, 3, 4, 5), 'inventory', t IN (6, 7), 'authentication', t = 8, 'membership', 'session'),
  multiIf(t = 0, if(p % 50 = 0 AND r >= ${Math.floor(rounds * 0.8)}, 'suspended', 'created'), t IN (1, 2, 3, 4, 5), 'observed', t = 8, 'added', 'succeeded'),
  if(t IN (6, 7, 9), 'success', NULL),
  multiIf(t IN (3, 4, 5), 'api_key', 'human'),
  multiIf(t = 0, concat('du_', toString(p)), t IN (1, 2, 6, 7), concat('user-', toString(p)), t IN (3, 4, 5), concat('key-', toString(p * 3 + t - 3)), concat('user_', toString(p))),
  if(t IN (0, 1, 2), concat('p', toString(p), '@acme.example'), NULL),
  NULL,
  if(t IN (6, 7, 9), 'human', NULL), if(t IN (6, 7, 9), concat('user-', toString(p)), NULL), NULL, NULL, NULL, NULL,
  if(t IN (3, 4, 5), concat('key-', toString(p * 3 + t - 3)), NULL),
  if(t IN (3, 4, 5), 'project_key', NULL),
  if(t IN (3, 4, 5), concat('user-', toString(p)), NULL),
  if(t IN (3, 4, 5), 'human', NULL),
  [],
  if(t IN (3, 4, 5), toDateTime64(${BASE / 1000}, 3, 'UTC'), NULL),
  if(t IN (3, 4, 5), addDays(at, -toInt32(p % 200)), NULL),
  at, at, concat('raw-', toString(intDiv(n, 50))), 'bench', NULL, NULL,
  if(t = 0, map('directory_id', 'dir_wf'), map())
FROM
(
  SELECT number + ${offset} AS n, n % ${people} AS p, intDiv(n, ${people}) AS r, r % 10 AS t,
         addMilliseconds(toDateTime64(${BASE / 1000}, 3, 'UTC'), toInt64(r * ${span} + (p * 997) % ${span})) AS at
  FROM numbers(${count})
)`;
}

async function main(): Promise<void> {
  const detections = loadDetections();
  const peakResettable = resetPeak();
  for (const size of SIZES) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-bench-det-'));
    const ch = createClickHouse({ dataDir, maxMemoryUsage: 8 * 1024 ** 3 });
    try {
      await migrate(ch.client);
      const people = Math.max(1000, Math.floor(size / 100));
      const rounds = Math.ceil(size / people);
      say(`detections bench: generating ${size.toLocaleString('en-US')} events (${people.toLocaleString('en-US')} people) inside ClickHouse`);
      resetPeak();
      const g0 = performance.now();
      for (let off = 0; off < size; off += CHUNK) {
        await ch.client.command({ query: generateSql(off, Math.min(CHUNK, size - off), people, rounds), clickhouse_settings: { max_insert_threads: '2' } });
      }
      const genSec = (performance.now() - g0) / 1000;
      const genPeak = peakRssMiB();
      const q = async (sql: string) => (await (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string>>())[0]!;
      const stateRows = await q(`SELECT (SELECT count() FROM pw_subject_state) AS subjects, (SELECT count() FROM pw_credential_state) AS creds, (SELECT count() FROM pw_activity_days) AS days`);
      await ch.client.command({ query: 'OPTIMIZE TABLE pw_subject_state FINAL' }).catch(() => undefined);

      // Baseline: a plain scan of identity_events.
      const baseTimes: number[] = [];
      resetPeak();
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await q(`SELECT count() AS n FROM identity_events WHERE NOT ignore(subject_id, occurred_at)`);
        baseTimes.push((performance.now() - t0) / 1000);
      }
      const basePeak = peakRssMiB();
      const baseline = Math.min(...baseTimes);

      // Each detection alone (for the note), then full evaluations (the second is the steady state).
      const params = detectionParams(MAP, NOW, defaultPlaneOf);
      const per: string[] = [];
      for (const d of detections) {
        const t0 = performance.now();
        const got = await runDetection(ch.client, d, params);
        per.push(`${d.id.replace('PW-', '')} ${round((performance.now() - t0) / 1000)}s/${got.length}`);
      }
      resetPeak();
      const evalTimes: number[] = [];
      let matches = 0;
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const r = await evaluate(ch.client, { detections, map: MAP, now: NOW + i * 60_000, defaultPlaneOf });
        evalTimes.push((performance.now() - t0) / 1000);
        matches = r.matches;
        if (r.errors.length) throw new Error(`detections failed: ${r.errors.map((e) => e.message).join('; ')}`);
      }
      const evalPeak = peakRssMiB();
      let chPeak: string | null = null;
      try {
        await ch.client.command({ query: 'SYSTEM FLUSH LOGS' });
        const m = await q(`SELECT formatReadableSize(max(memory_usage)) AS m FROM system.query_log WHERE type = 'QueryFinish' AND query LIKE '%pw_person_accounts%'`);
        chPeak = m.m ?? null;
      } catch {
        chPeak = null;
      }
      const label = size >= 10_000_000 ? '10 M' : `${size / 1_000_000} M`;
      const evalSec = Math.min(...evalTimes);
      say(`  generated in ${round(genSec, 1)} s; state rows: ${JSON.stringify(stateRows)}; baseline scan ${round(baseline, 3)} s; evaluation ${evalTimes.map((t) => round(t)).join(' / ')} s; ${matches} matches`);
      rows.push({
        what: `evaluate all ${detections.length} detections over ${label} events`, value: round(evalSec), unit: 's',
        ratio: `${round(evalSec / baseline, 1)} × a plain scan of identity_events (${round(baseline, 3)} s)`,
        target: size >= 10_000_000 ? '≤ 2 s at 10 M' : undefined, met: size >= 10_000_000 ? evalSec <= 2 : null,
        note: `${matches} findings matched; first evaluation ${round(evalTimes[0]!)} s; per detection: ${per.join(', ')}`,
      });
      rows.push({
        what: `peak RSS during evaluation, ${label} events (chDB in-process)`, value: evalPeak, unit: 'MiB',
        ratio: basePeak ? `${round((evalPeak ?? 0) / basePeak, 2)} × during the baseline scan (${basePeak} MiB)` : undefined,
        note: `${peakResettable ? 'peak reset before each phase' : 'peak not resettable here: process-lifetime peak'}; ClickHouse peak per detection query: ${chPeak ?? 'query_log unavailable'}; generation (with the materialized views) ${round(genSec, 1)} s, peak ${genPeak} MiB; state table rows before background merges: ${stateRows.subjects} subject / ${stateRows.creds} credential / ${stateRows.days} activity-day rows`,
      });
    } finally {
      await ch.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (!JSON_OUT) for (const r of rows) say(`${r.what}: ${r.value} ${r.unit}${r.ratio ? ` (${r.ratio})` : ''}${r.note ? `\n    ${r.note}` : ''}`);
  process.stdout.write(JSON.stringify({ rows }) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/detections: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
