// `planewatch replay` end to end through the real broker, normalizer, sink and embedded ClickHouse:
// signed WorkOS deliveries are stored under boundary map v1; planewatch restarts on the same data
// dir with map v2 (a plane rule moves the workforce organisation to the platform plane, and one
// connection is gone); the CLI (a child process, through the running process's admin endpoint)
// replays by connection and received_at range; rows, counts, dead letters and the derived account
// state are asserted with literal values; a second replay changes nothing; an interrupted replay
// resumes from its checkpoint.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline, type Pipeline } from '../../services/all-in-one/pipeline.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { rawEnvelopeId } from '../../core/events/raw-envelope.ts';
import { clearRunInfo, writeRunInfo } from '../../core/run-file.ts';
import { runReplay } from '../../services/replay/runner.ts';
import { readReplayCheckpoint } from '../../services/replay/checkpoint.ts';
import { waitFor } from '../helpers/wait.ts';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 120_000 });

const run = randomUUID().slice(0, 8);
const RP = `rp-${run}`;
const OLD = `old-${run}`;
const SECRET = 'whsec_replay_' + randomUUID();
const OLD_SECRET = 'whsec_replay_old_' + randomUUID();
const WF = `org_WF_${run}`;
const CU = `org_CU_${run}`;

// v1: both connections, no plane rule: everything lands on the application plane.
const MAP_V1 = `
connections:
  - id: ${RP}
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_SECRET
    plane: application
    authoritative_for: customers
  - id: ${OLD}
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_OLD_SECRET
    plane: application
    authoritative_for: customers
`;
// v2: the workforce organisation is the platform plane; the old connection is gone.
const MAP_V2 = `
connections:
  - id: ${RP}
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_SECRET
    plane: application
    authoritative_for: customers
    plane_rules:
      - { organization_id: ${WF}, plane: platform, authoritative_for: employees }
`;

const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-replay-'));
const configPath = path.join(dataDir, 'planewatch.yaml');
const apiToken = randomBytes(16).toString('hex');
let rt: Runtime | null = null;
let pipeline: Pipeline | null = null;

async function start(mapYaml: string, detector: boolean): Promise<void> {
  writeFileSync(configPath, mapYaml);
  rt = await bootstrap({
    service: 'test',
    knownVendors: KNOWN_VENDORS,
    processEnv: {
      PATH: process.env.PATH,
      PLANEWATCH_LOG_LEVEL: process.env.PLANEWATCH_LOG_LEVEL ?? 'warn',
      PLANEWATCH_DATA_DIR: dataDir,
      PLANEWATCH_CONFIG: configPath,
      PLANEWATCH_HTTP_PORT: '0',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      TEST_WORKOS_SECRET: SECRET,
      TEST_WORKOS_OLD_SECRET: OLD_SECRET,
    },
  });
  // The same consumer groups across restarts (as a real restart): nothing is re-normalized by itself.
  pipeline = await startPipeline(rt, SOURCES, {
    apiToken,
    groupSuffix: path.basename(dataDir),
    ackTimeoutMs: 15_000,
    detector: detector ? {} : false,
  });
}

async function stop(): Promise<void> {
  await pipeline?.stop();
  await rt?.close();
  pipeline = null;
  rt = null;
}

async function query<T = Record<string, unknown>>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await rt!.clickhouse.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  return rs.json<T>();
}

function directoryUser(id: string, org: string, state: 'active' | 'inactive') {
  return {
    object: 'directory_user',
    id,
    idp_id: `idp-${id}`,
    directory_id: `directory_${run}`,
    organization_id: org,
    first_name: 'Ada',
    last_name: 'Lovelace',
    emails: [{ primary: true, type: 'work', value: `${id}@example.com` }],
    email: `${id}@example.com`,
    username: id,
    state,
    custom_attributes: {},
    raw_attributes: {},
    role: { slug: 'member' },
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-29T10:00:00.000Z',
  };
}

const bodies: Record<string, string> = {};
async function deliver(
  name: string,
  connection: string,
  secret: string,
  event: string,
  user: string,
  org: string,
  at: string,
): Promise<void> {
  const body = JSON.stringify({
    object: 'event',
    id: `evt_${run}_${name}`,
    event,
    data: directoryUser(user, org, event.endsWith('deleted') ? 'inactive' : 'active'),
    created_at: at,
  });
  bodies[name] = body;
  const res = await fetch(`${pipeline!.url}/webhooks/workos/${connection}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, secret, Date.now()) },
    body,
  });
  expect(res.status).toBe(202);
}
const rawId = (name: string, connection = RP) => rawEnvelopeId('workos', connection, Buffer.from(bodies[name]!));

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.resolve('bin/planewatch.js'), ...args],
      {
        env: { PATH: process.env.PATH, PLANEWATCH_CONFIG: configPath, PLANEWATCH_DATA_DIR: dataDir, PLANEWATCH_LOG_LEVEL: 'silent' },
        timeout: 180_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
async function replayJson(...args: string[]): Promise<Record<string, unknown>> {
  const r = await cli('replay', ...args, '--format', 'json');
  expect(r.stderr.split('\n').filter((l) => l.startsWith('planewatch'))).toEqual([]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

const users = [`ua1_${run}`, `ua2_${run}`, `ub1_${run}`, `uo1_${run}`];
const events = () =>
  query<Record<string, string>>(
    `SELECT event_id, plane, authoritative_for, action, subject_id, connection_id FROM identity_events FINAL WHERE subject_id IN {u:Array(String)} ORDER BY event_id`,
    { u: users },
  );
const accounts = () =>
  query<Record<string, string>>(
    `SELECT plane, subject_id, status, authoritative_for FROM pw_accounts WHERE subject_id IN {u:Array(String)} ORDER BY subject_id, plane`,
    { u: users },
  );
const counts = async () =>
  (
    await query<Record<string, string>>(
      `SELECT (SELECT count() FROM identity_events FINAL WHERE subject_id IN {u:Array(String)}) AS events_final,
          (SELECT count() FROM raw_envelopes FINAL WHERE connection_id IN {c:Array(String)}) AS raw_final,
          (SELECT count() FROM raw_envelopes WHERE connection_id IN {c:Array(String)}) AS raw_rows`,
      { u: users, c: [RP, OLD] },
    )
  )[0];

let T = '';

beforeAll(async () => {
  await start(MAP_V1, false);
  await deliver('a1', RP, SECRET, 'dsync.user.created', `ua1_${run}`, WF, '2026-11-02T10:00:00.000Z');
  await deliver('a2', RP, SECRET, 'dsync.user.created', `ua2_${run}`, CU, '2026-11-02T11:00:00.000Z');
  await deliver('a3', RP, SECRET, 'dsync.user.deleted', `ua1_${run}`, WF, '2026-11-20T10:00:00.000Z');
  await deliver('o1', OLD, OLD_SECRET, 'dsync.user.created', `uo1_${run}`, CU, '2026-11-03T10:00:00.000Z');
  // Everything above was received before T (the collector stamps received_at when it accepts).
  await new Promise((r) => setTimeout(r, 5));
  T = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 5));
  await deliver('b1', RP, SECRET, 'dsync.user.created', `ub1_${run}`, WF, '2026-11-25T10:00:00.000Z');
  await waitFor(async () => (await events()).length === 5, 'five events under map v1', 60_000);
  await waitFor(async () => (await counts())!.raw_final === '5', 'five raw envelopes', 60_000);
  // The mapping change: restart on the same data dir with map v2 (and the detector on).
  await stop();
  await start(MAP_V2, true);
  writeRunInfo(dataDir, { pid: process.pid, url: pipeline!.url, startedAt: new Date().toISOString() }, apiToken);
});
afterAll(async () => {
  clearRunInfo(dataDir);
  await stop();
});

describe('planewatch replay', () => {
  it('before: everything stored under map v1, and a restart re-normalizes nothing by itself', async () => {
    expect(await events()).toEqual([
      {
        event_id: `evt_${run}_a1`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `ua1_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_a2`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `ua2_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_a3`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'deleted',
        subject_id: `ua1_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_b1`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `ub1_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_o1`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `uo1_${run}`,
        connection_id: OLD,
      },
    ]);
    expect(await accounts()).toEqual([
      { plane: 'application', subject_id: `ua1_${run}`, status: 'deleted', authoritative_for: 'customers' },
      { plane: 'application', subject_id: `ua2_${run}`, status: 'active', authoritative_for: 'customers' },
      { plane: 'application', subject_id: `ub1_${run}`, status: 'active', authoritative_for: 'customers' },
      { plane: 'application', subject_id: `uo1_${run}`, status: 'active', authoritative_for: 'customers' },
    ]);
  });

  it('--dry-run counts exactly the envelopes the filters select, and changes nothing', async () => {
    const dry = async (...a: string[]) => (await replayJson(...a, '--dry-run')).matched;
    expect(await dry('--connection', RP)).toBe(4);
    expect(await dry('--connection', OLD)).toBe(1);
    expect(await dry('--connection', RP, '--since', T)).toBe(1);
    expect(await dry('--connection', RP, '--until', T)).toBe(3);
    expect(await dry('--source', 'workos', '--connection', RP)).toBe(4);
    expect(await dry('--source', 'okta', '--connection', RP)).toBe(0);
    const all = await replayJson('--all', '--dry-run');
    expect(
      (all.by_connection as { connection_id: string; envelopes: number }[]).filter(
        (b) => b.connection_id === RP || b.connection_id === OLD,
      ),
    ).toEqual([
      { source: 'workos', connection_id: OLD, envelopes: 1, bytes: Buffer.byteLength(bodies.o1!) },
      {
        source: 'workos',
        connection_id: RP,
        envelopes: 4,
        bytes: ['a1', 'a2', 'a3', 'b1'].reduce((a, n) => a + Buffer.byteLength(bodies[n]!), 0),
      },
    ]);
    expect((await events()).map((e) => e.plane)).toEqual(['application', 'application', 'application', 'application', 'application']);
    // usage errors exit 2
    const none = await cli('replay');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('planewatch replay: expected --all, or at least one of --source, --connection, --since, --until (not both)\n');
    expect((await cli('replay', '--since', 'last tuesday')).code).toBe(2);
    expect((await cli('replay', '--all', '--format', 'csv')).code).toBe(2);
  });

  it('the admin endpoint wants the local token and a valid request', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${pipeline!.url}/admin/replay`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const dryAll = JSON.stringify({ filter: { all: true }, spec: 'x', dry_run: true });
    const none = await post({}, dryAll);
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect((await post({ authorization: 'Bearer wrong' }, dryAll)).status).toBe(401);
    const bad = await post({ authorization: `Bearer ${apiToken}` }, JSON.stringify({ filter: {}, spec: 'x' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        status: 400,
        code: 'bad_request',
        message: 'filter.all: expected all=true or at least one of source, connection, since, until',
      },
    });
    expect((await fetch(`${pipeline!.url}/admin/replay`, { headers: { authorization: `Bearer ${apiToken}` } })).status).toBe(405);
  });

  it('a time-range replay re-maps exactly the selected envelopes with the new plane rule', async () => {
    const r = await replayJson('--connection', RP, '--until', T);
    expect(r).toMatchObject({
      dry_run: false,
      resumed: false,
      matched: 3,
      envelopes_replayed: 3,
      events_written: 3,
      events_changed: 2,
      events_new: 0,
      events_unchanged: 1,
      events_removed: 0,
      dead_lettered: 0,
      waves: 1,
      state_rebuilt: true,
      evaluated: true,
    });
    expect(await events()).toEqual([
      {
        event_id: `evt_${run}_a1`,
        plane: 'platform',
        authoritative_for: 'employees',
        action: 'created',
        subject_id: `ua1_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_a2`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `ua2_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_a3`,
        plane: 'platform',
        authoritative_for: 'employees',
        action: 'deleted',
        subject_id: `ua1_${run}`,
        connection_id: RP,
      },
      // received after T: not selected, still the old mapping
      {
        event_id: `evt_${run}_b1`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `ub1_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_o1`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `uo1_${run}`,
        connection_id: OLD,
      },
    ]);
    expect(await counts()).toEqual({ events_final: '5', raw_final: '5', raw_rows: '5' });
    // The rebuilt state knows ua1 only on the platform plane (no stale application account).
    expect(await accounts()).toEqual([
      { plane: 'platform', subject_id: `ua1_${run}`, status: 'deleted', authoritative_for: 'employees' },
      { plane: 'application', subject_id: `ua2_${run}`, status: 'active', authoritative_for: 'customers' },
      { plane: 'application', subject_id: `ub1_${run}`, status: 'active', authoritative_for: 'customers' },
      { plane: 'application', subject_id: `uo1_${run}`, status: 'active', authoritative_for: 'customers' },
    ]);
  });

  it('a connection removed from the map: its events are removed and recorded as dead letters (table output)', async () => {
    const r = await cli('replay', '--connection', OLD);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^replay_[0-9a-f-]{36}: 1 of 1 matching envelope\(s\) replayed in 1 wave\(s\)$/);
    expect(lines.slice(1, 4)).toEqual([
      'ENVELOPES  WRITTEN  CHANGED  NEW  UNCHANGED  REMOVED  DEAD_LETTERED',
      '---------  -------  -------  ---  ---------  -------  -------------',
      '1          0        0        0    0          1        1',
    ]);
    expect(lines.slice(4)).toEqual([
      'detection state rebuilt; detections evaluated',
      "1 event(s) are no longer produced by the current mapping: removed from identity_events, each recorded as a dead letter with stage 'replay'",
      "1 dead letter(s) from the normalizer for the replayed envelopes (see dead_letters, stage 'normalizer')",
      '',
    ]);
    expect((await events()).map((e) => e.event_id)).toEqual([`evt_${run}_a1`, `evt_${run}_a2`, `evt_${run}_a3`, `evt_${run}_b1`]);
    const dead = await waitFor(async () => {
      const rows = await query<{ stage: string; reason: string; source: string; connection_id: string; raw_id: string; payload: string }>(
        'SELECT stage, reason, source, connection_id, raw_id, payload FROM dead_letters FINAL WHERE raw_id = {r:String} ORDER BY stage',
        { r: rawId('o1', OLD) },
      );
      return rows.length === 2 ? rows : undefined;
    }, 'the dead letters of the removed connection');
    expect(dead.map(({ payload: _p, ...rest }) => rest)).toEqual([
      {
        stage: 'normalizer',
        reason: `connection "${OLD}" is not in the boundary map`,
        source: 'workos',
        connection_id: OLD,
        raw_id: rawId('o1', OLD),
      },
      {
        stage: 'replay',
        source: 'workos',
        connection_id: OLD,
        raw_id: rawId('o1', OLD),
        reason: `replay: the current mapping no longer produces event evt_${run}_o1 from raw envelope ${rawId('o1', OLD)}; the stored event was removed from identity_events (payload: its last stored row)`,
      },
    ]);
    expect(JSON.parse(Buffer.from(dead[1]!.payload, 'base64').toString('utf8'))).toMatchObject({
      event_id: `evt_${run}_o1`,
      plane: 'application',
      action: 'created',
      subject_id: `uo1_${run}`,
      connection_id: OLD,
    });
    expect(await counts()).toEqual({ events_final: '4', raw_final: '5', raw_rows: '5' });
    expect((await accounts()).map((a) => a.subject_id)).toEqual([`ua1_${run}`, `ua2_${run}`, `ub1_${run}`]);
  });

  it('the rest of the connection, then the whole connection again: the second replay changes nothing', async () => {
    const first = await replayJson('--connection', RP);
    expect(first).toMatchObject({
      matched: 4,
      envelopes_replayed: 4,
      events_written: 4,
      events_changed: 1,
      events_new: 0,
      events_unchanged: 3,
      events_removed: 0,
      dead_lettered: 0,
    });
    const expected = [
      {
        event_id: `evt_${run}_a1`,
        plane: 'platform',
        authoritative_for: 'employees',
        action: 'created',
        subject_id: `ua1_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_a2`,
        plane: 'application',
        authoritative_for: 'customers',
        action: 'created',
        subject_id: `ua2_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_a3`,
        plane: 'platform',
        authoritative_for: 'employees',
        action: 'deleted',
        subject_id: `ua1_${run}`,
        connection_id: RP,
      },
      {
        event_id: `evt_${run}_b1`,
        plane: 'platform',
        authoritative_for: 'employees',
        action: 'created',
        subject_id: `ub1_${run}`,
        connection_id: RP,
      },
    ];
    const expectedAccounts = [
      { plane: 'platform', subject_id: `ua1_${run}`, status: 'deleted', authoritative_for: 'employees' },
      { plane: 'application', subject_id: `ua2_${run}`, status: 'active', authoritative_for: 'customers' },
      { plane: 'platform', subject_id: `ub1_${run}`, status: 'active', authoritative_for: 'employees' },
    ];
    expect(await events()).toEqual(expected);
    expect(await accounts()).toEqual(expectedAccounts);

    const again = await replayJson('--connection', RP);
    expect(again).toMatchObject({
      matched: 4,
      envelopes_replayed: 4,
      events_written: 4,
      events_changed: 0,
      events_new: 0,
      events_unchanged: 4,
      events_removed: 0,
      dead_lettered: 0,
    });
    expect(await events()).toEqual(expected);
    expect(await accounts()).toEqual(expectedAccounts);
    expect(await counts()).toEqual({ events_final: '4', raw_final: '5', raw_rows: '5' });
  });

  it('interrupted after two waves, the same replay resumes after the last completed wave', async () => {
    const file = path.join(dataDir, 'resume-test', 'checkpoint.json');
    const deps = {
      clickhouse: rt!.clickhouse,
      kafka: rt!.kafka,
      producer: rt!.producer,
      log: rt!.log,
      checkpointFile: file,
      groups: { normalizer: `planewatch-normalizer-${path.basename(dataDir)}`, sink: `planewatch-sink-${path.basename(dataDir)}` },
    };
    const req = { filter: { all: false, source: null, connection: RP, since: null, until: null }, spec: 'resume-test', batchSize: 1 };
    const abort = new AbortController();
    await expect(
      runReplay(deps, req, {
        signal: abort.signal,
        onProgress: (p) => {
          if (p.totals.waves === 2) abort.abort(new Error('stop here'));
        },
      }),
    ).rejects.toThrow('stop here');
    expect(readReplayCheckpoint(file)).toMatchObject({
      phase: 'replaying',
      matched: 4,
      totals: { envelopes_replayed: 2, waves: 2, events_unchanged: 2 },
      cursor: { source: 'workos', connection_id: RP, id: [rawId('a1'), rawId('a2'), rawId('a3'), rawId('b1')].sort()[1] },
    });
    const resumed = await runReplay(deps, req);
    expect(resumed).toMatchObject({
      resumed: true,
      matched: 4,
      envelopes_replayed: 4,
      waves: 4,
      events_written: 4,
      events_changed: 0,
      events_unchanged: 4,
      state_rebuilt: true,
      evaluated: false,
    });
    expect(readReplayCheckpoint(file)).toMatchObject({ phase: 'done' });
    expect(await counts()).toEqual({ events_final: '4', raw_final: '5', raw_rows: '5' });
  });
});
