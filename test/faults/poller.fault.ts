// Poller faults through the running pipeline's own poll runner (default HTTP policy: 6 attempts,
// Retry-After honoured, exponential backoff with jitter), against a local vendor API that plays
// OpenAI's audit log, with time compressed (poll_interval 1 s):
// - a 429 storm on the first page (three 429s with Retry-After: 1);
// - the vendor down for the following cycles (every attempt at the second page answers 503, four
//   whole cycles of six attempts: "down for minutes" at this time scale);
// - then the cursor the walk had stored is refused (400, "cursor expired"): the poller restarts
//   the walk from its watermark.
// Recovery without gaps or duplicates: each of the five audit events is stored exactly once; the
// outage is visible in `planewatch status` while it lasts (last error, failures in a row) and the
// recovery after it (last success, no failure in a row, the walk finished).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { json, serverError, startVendorApiServer, tooManyRequests, type VendorApiServer } from '../../demo/vendor-api-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { writeRunInfo, clearRunInfo } from '../../core/run-file.ts';
import { REPO_ROOT } from '../../local-broker/index.ts';
import { metricValue, startFaultPipeline, type FaultPipeline } from './helpers.ts';

const run = randomUUID().slice(0, 8);
const CONN = `fault-openai-${run}`;
const KEY = `sk-admin-fault-${randomUUID()}`;
const AUDIT = '/v1/organization/audit_logs';
const BASE = Math.floor(Date.now() / 1000) - 3600;
const id = (n: number) => `audit_log-fault-${run}-${n}`;
const ev = (n: number) => ({
  id: id(n),
  type: 'user.added',
  effective_at: BASE + n * 10,
  actor: {
    type: 'session',
    session: { user: { id: `user-owner-${run}`, email: 'owner@acme.example' }, ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' },
  },
  'user.added': { id: `user-${run}-${n}`, data: { role: 'reader' } },
});
const list = (data: unknown[], hasMore: boolean) => ({
  object: 'list',
  data,
  first_id: (data[0] as { id?: string })?.id ?? null,
  last_id: (data[data.length - 1] as { id?: string })?.id ?? null,
  has_more: hasMore,
});

let api: VendorApiServer;
let t: FaultPipeline;

beforeAll(async () => {
  api = await startVendorApiServer();
  // First walk: 429 ×3, then page 1 (events 1-3, more to come). Restarted walk: all five events, done. Then nothing new.
  api.route({ path: AUDIT, query: { after: null } }, [
    tooManyRequests(1),
    tooManyRequests(1),
    tooManyRequests(1),
    json(list([ev(1), ev(2), ev(3)], true)),
    json(list([ev(1), ev(2), ev(3), ev(4), ev(5)], false)),
    json(list([], false)),
  ]);
  // Page 2: down for four whole cycles (6 attempts each), then the cursor is refused for good.
  api.route({ path: AUDIT, query: { after: id(3) } }, [
    ...Array.from({ length: 24 }, () => serverError(503, { error: { message: 'Service Unavailable', type: 'server_error' } })),
    json(
      { error: { message: `Invalid 'after': cursor ${id(3)} has expired`, type: 'invalid_request_error', param: 'after', code: null } },
      400,
    ),
  ]);
  // Inventory: empty listings, so that stream succeeds and stays out of the way.
  for (const p of ['/v1/organization/users', '/v1/organization/admin_api_keys', '/v1/organization/projects'])
    api.route({ path: p }, [json(list([], false))]);

  t = await startFaultPipeline({
    configYaml: `
connections:
  - id: ${CONN}
    vendor: openai
    transport: poll
    api_key_env: FAULT_OPENAI_KEY
    base_url: ${api.url}/v1
    poll_interval: 1s
    inventory_interval: 1h
`,
    env: { FAULT_OPENAI_KEY: KEY },
    pipeline: { detector: false },
  });
  writeRunInfo(t.dataDir, { pid: process.pid, url: t.pipeline.url, startedAt: new Date().toISOString() }, t.apiToken);
}, 180_000);

afterAll(async () => {
  if (t) clearRunInfo(t.dataDir);
  await t?.stop();
  await api?.close();
});

interface StatusRow {
  connection_id: string;
  stream: string;
  last_error: string | null;
  last_error_kind: string | null;
  consecutive_failures: number;
  last_success_at: string | null;
  checkpoint: string | null;
}

/** `planewatch status --format json`, as an operator runs it (through the running process's API). */
async function planewatchStatus(): Promise<StatusRow> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/planewatch.js'), 'status', '--format', 'json'],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PLANEWATCH_DATA_DIR: t.dataDir,
        PLANEWATCH_CONFIG: path.join(t.dataDir, 'planewatch.yaml'),
        PLANEWATCH_LOG_LEVEL: 'silent',
      },
    },
  );
  return (JSON.parse(stdout) as StatusRow[]).find((r) => r.connection_id === CONN && r.stream === 'pages')!;
}

describe('poller faults', () => {
  it('rides out a 429 storm and a vendor outage, restarts the walk when the cursor is refused, and stores every event exactly once', async () => {
    // During the outage: the status names it, with failures in a row.
    const during = await waitFor(
      async () => {
        const s = await planewatchStatus();
        return s.consecutive_failures >= 2 ? s : undefined;
      },
      'two failed cycles in planewatch status',
      120_000,
      500,
    ).catch(async (err: unknown) => {
      throw new Error(
        `${(err as Error).message}; status ${JSON.stringify(await planewatchStatus())}; vendor saw ${JSON.stringify(api.requests.map((r) => [r.path, r.query.after ?? null, r.status]))}`,
      );
    });
    expect(during.last_error_kind).toBe('http');
    expect(during.last_error).toBe(`${api.url}${AUDIT}: HTTP 503 after 6 attempts`);
    expect(during.checkpoint).toMatch(new RegExp(`walk in progress after ${id(3)}$`));

    // After: recovered, walk finished, no failure in a row.
    const after = await waitFor(
      async () => {
        const s = await planewatchStatus();
        return s.consecutive_failures === 0 && s.checkpoint !== null && !s.checkpoint.includes('walk in progress') ? s : undefined;
      },
      'the recovery in planewatch status',
      120_000,
      500,
    );
    expect(after.last_success_at).not.toBeNull();
    expect(after.checkpoint).toBe(
      `effective_at >= ${new Date((BASE + 50) * 1000).toISOString().replace('.000Z', 'Z')} (1 id seen at that second)`,
    );

    // No gap, no duplicate.
    const counts = await waitFor(
      async () => {
        const rows = await t.query<{ event_id: string; n: string }>(
          'SELECT event_id, count() AS n FROM identity_events FINAL WHERE connection_id = {c:String} AND category != {inv:String} GROUP BY event_id ORDER BY event_id',
          { c: CONN, inv: 'inventory' },
        );
        return rows.length === 5 ? rows : undefined;
      },
      'five audit events',
      60_000,
    );
    expect(counts).toEqual([1, 2, 3, 4, 5].map((n) => ({ event_id: id(n), n: '1' })));

    // What the vendor saw: the storm honoured, the outage retried 6× per cycle, the refused cursor given up at once, the walk restarted.
    const first = api.requestsTo(AUDIT, { after: null }).map((r) => r.status);
    expect(first.slice(0, 5)).toEqual([429, 429, 429, 200, 200]);
    expect(api.requestsTo(AUDIT, { after: id(3) }).map((r) => r.status)).toEqual([...Array.from({ length: 24 }, () => 503), 400]);
    expect(api.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    const metrics = await (await fetch(`${t.pipeline.url}/metrics`)).text();
    expect(metricValue(metrics, 'planewatch_poller_http_retries_total', { source: 'openai', connection: CONN })).toBe(3 + 4 * 5);
    expect(
      metricValue(metrics, 'planewatch_poller_cycle_failures_total', { source: 'openai', connection: CONN, stream: 'pages', kind: 'http' }),
    ).toBe(4);
  }, 240_000);
});
