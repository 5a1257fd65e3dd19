// The query commands as a user runs them (node bin/planewatch.js in a child process) while
// planewatch "runs": the data dir holds the run file of this test's API server (the real API
// handler over embedded ClickHouse with the seeded scenario), so the CLI reads through the API as it
// does when the all-in-one process holds the store. Every command and format, usage errors (exit 2)
// and --fail-on (exit 3).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { writeRunInfo } from '../../core/run-file.ts';
import { SOURCES } from '../../sources/registry.ts';
import { createApiHandler } from '../../services/api/api.ts';
import { buildScenario, type Scenario } from '../../demo/company/seeded-company.ts';
import { deliver, normalizeAll } from '../helpers/scenario/load.ts';

// Each command is a child process (tsx + the native ClickHouse module load in ~3 s): several per test.
vi.setConfig({ testTimeout: 240_000 });

const TOKEN = 'cli-test-token-0123456789abcdef';
let ch: ClickHouse;
let sc: Scenario;
let server: Server;
let dataDir: string;
let configPath: string;

beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-cli-store-')) });
  await migrate(ch.client);
  sc = buildScenario(20261129, { scale: 1 });
  await deliver(ch.client, normalizeAll(sc.envelopes, sc.map));
  await evaluate(ch.client, {
    cache: cacheOf(ch.client),
    detections: loadDetections(),
    map: sc.map,
    now: sc.now,
    defaultPlaneOf: (v) => SOURCES[v]!.defaultPlane,
  });
  server = createServer(
    createApiHandler({
      clickhouse: ch.client,
      token: TOKEN,
      log: pino({ level: 'silent' }),
      map: sc.map,
      sources: SOURCES,
      clock: () => sc.now,
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  dataDir = mkdtempSync(path.join(tmpdir(), 'pw-cli-'));
  configPath = path.join(dataDir, 'planewatch.yaml');
  writeFileSync(configPath, sc.configYaml);
  writeRunInfo(
    dataDir,
    { pid: process.pid, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, startedAt: new Date().toISOString() },
    TOKEN,
  );
}, 120_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await ch?.close();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.resolve('bin/planewatch.js'), ...args],
      {
        env: { PATH: process.env.PATH, PLANEWATCH_CONFIG: configPath, PLANEWATCH_DATA_DIR: dataDir, PLANEWATCH_LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('planewatch findings', () => {
  it('table, json and csv; filters; --fail-on exits 3', async () => {
    const json = await cli('findings', '--format', 'json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(24);
    const crit = await cli('findings', '--severity', 'critical', '--format', 'csv');
    expect(crit.stdout.split('\n')[0]).toBe(
      'severity,detection,status,plane,tenant,subject_kind,subject_id,subject_email,first_seen,last_seen,fingerprint,event_ids,raw_ids',
    );
    expect(
      crit.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[10])
        .sort(),
    ).toEqual(['04781646f6d42473506b206ab4482ee0', '39baf9d7067b963aeb80eb125df89b08', 'f3a58685b845e7ceb74daa7f0b13fa85']);
    const table = await cli('findings', '--tenant', 'org_01INITECH');
    expect(table.stdout.split('\n')[0]).toMatch(/^SEVERITY +DETECTION +STATUS +PLANE +TENANT/);
    expect(table.stdout.split('\n')[2]).toMatch(
      /^high +PW-PROVISIONING-DISABLED +open +application +org_01INITECH +directory +directory_01INITECH/,
    );
    expect((await cli('findings', '--fail-on', 'critical', '--format', 'json')).code).toBe(3);
    expect((await cli('findings', '--fail-on', 'info', '--tenant', 'no-such-tenant')).code).toBe(0);
    const bad = await cli('findings', '--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since: expected an ISO 8601 date or time');
    expect((await cli('findings', '--severity', 'urgent')).code).toBe(2);
  });
});

describe('planewatch lag', () => {
  it('json, csv and table', async () => {
    const args = ['lag', '--from', '2026-01-01T12:00:00Z', '--to', '2026-07-20T12:00:00Z', '--now', '2026-07-20T12:00:00Z'];
    const json = JSON.parse((await cli(...args, '--format', 'json')).stdout);
    expect(json.statistics.find((s: any) => s.plane === 'platform' && s.source === null)).toEqual({
      plane: 'platform',
      source: null,
      count: 12,
      removed: 6,
      pending: 6,
      overdue: 3,
      breaches: 1,
      p50_ms: 45480000,
      p90_ms: 556320000,
      p99_ms: 556320000,
      max_ms: 556320000,
    });
    expect(json.overdue).toHaveLength(4);
    const csv = (await cli(...args, '--format', 'csv')).stdout.trim().split('\n');
    expect(csv).toEqual([
      'plane,source,count,removed,pending,overdue,breaches,p50,p90,p99,max',
      'application,(all),3,2,1,1,0,36000000,36000000,36000000,36000000',
      'application,workos,3,2,1,1,0,36000000,36000000,36000000,36000000',
      'platform,(all),12,6,6,3,1,45480000,556320000,556320000,556320000',
      'platform,openai,12,6,6,3,1,45480000,556320000,556320000,556320000',
    ]);
    const table = (await cli(...args)).stdout;
    expect(table).toContain('Deprovisioning lag, signals in [2026-01-01T12:00:00.000Z, 2026-07-20T12:00:00.000Z):');
    expect(table).toMatch(/platform +\(all\) +12 +6 +6 +3 +1 +12\.6h +6\.4d +6\.4d +6\.4d/);
    expect(table).toContain('Overdue removals (4):');
    expect((await cli('lag', '--quarter', '2026Q5')).code).toBe(2);
  });
});

describe('planewatch person', () => {
  it('timeline as table, json and csv', async () => {
    const json = JSON.parse((await cli('person', 'Ken.Gbz3e@Acme.Example', '--format', 'json', '--now', '2026-07-20T12:00:00Z')).stdout);
    expect(json.map((e: any) => e.what)).toEqual(['created', 'created', 'created', 'deprovision_signal']);
    const csv = (await cli('person', 'ken.gbz3e@acme.example', '--format', 'csv')).stdout.trim().split('\n');
    expect(csv[0]).toBe('at,plane,source,tenant,entity,subject_kind,subject_id,what,event_id,raw_id');
    expect(csv[4]).toBe(
      '2026-07-08T10:53:30.000Z,platform,workos,org_01ACMEWORKFORCE,account,human,directory_user_D4B5VMZKVT,deprovision_signal,evt_wf_20261129_00012,raw_9debda35ed8facbb8197460a5a788f07',
    );
    const table = (await cli('person', 'ken.gbz3e@acme.example')).stdout.split('\n');
    expect(table[0]).toMatch(/^AT +PLANE +SOURCE +TENANT +ENTITY/);
    expect(table).toHaveLength(7);
    expect((await cli('person', 'not-an-email')).code).toBe(2);
  });
});

describe('planewatch credentials', () => {
  it('stale / orphaned / all in every format', async () => {
    const stale = JSON.parse((await cli('credentials', 'stale', '--format', 'json')).stdout);
    expect(stale.map((c: any) => c.credential_id)).toEqual(['key_KAQQD7R1X3', 'key_N5ZSRX1XDD']);
    const orphaned = (await cli('credentials', 'orphaned', '--format', 'csv')).stdout.trim().split('\n');
    expect(orphaned[0]).toBe('plane,source,tenant,credential_id,kind,name,status,owner_email,owner_id,created_at,last_used_at,findings');
    expect(orphaned.slice(1)).toEqual([
      'platform,openai,proj_MAIN,key_JHQ5HA4AHS,project_key,ci,active,vint.wmqz9@acme.example,user-AMNBS0CZNK,2026-06-27T10:55:45.000Z,2026-07-05T10:55:45.000Z,PW-ORPHANED-CREDENTIAL',
      'platform,openai,proj_MAIN,key_R7JZB52JE2,project_key,ci,active,ken.gbz3e@acme.example,user-0Y7VR18TP7,2026-01-09T17:00:00.000Z,2026-07-03T10:53:30.000Z,PW-ORPHANED-CREDENTIAL',
    ]);
    const all = (await cli('credentials')).stdout.trim().split('\n');
    expect(all).toHaveLength(13); // header, rule, 11 credentials
    const bad = await cli('credentials', 'forgotten');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('[which]: expected all, stale or orphaned');
  });
});

describe('planewatch evidence', () => {
  it('table, json and csv; unknown fingerprint exits 1; malformed exits 2', async () => {
    const fp = '01eb643f7cb5cee4450f9abcc3effe71';
    const table = (await cli('evidence', fp)).stdout;
    expect(table.split('\n')[0]).toBe(
      'HIGH PW-DEPROV-OVERDUE (open) on platform / proj_MAIN: project_key key_JHQ5HA4AHS <vint.wmqz9@acme.example>',
    );
    expect(table).toContain('raw_5b5461a492e3c9c67df85bfb2684a244');
    const json = JSON.parse((await cli('evidence', fp, '--format', 'json')).stdout);
    expect(json.events.map((e: any) => e.event_id)).toEqual(['evt_wf_20261129_00020', 'oai_inv_7d47104b4d0c2bc40ea0c7b6d4e0e3af']);
    const csv = (await cli('evidence', fp, '--format', 'csv')).stdout.trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[1]).toContain('dsync.user.deleted,evt_wf_20261129_00020,raw_5b5461a492e3c9c67df85bfb2684a244');
    const missing = await cli('evidence', '00000000000000000000000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('planewatch evidence: no finding with fingerprint 00000000000000000000000000000000\n');
    expect((await cli('evidence', "x' OR 1=1")).code).toBe(2);
  });
});

describe('planewatch export', () => {
  it('CSV to stdout for a quarter, JSON to a file', async () => {
    const q = await cli('export', '--quarter', '2026Q2', '--now', '2026-07-20T12:00:00Z');
    expect(q.code).toBe(0);
    expect(q.stdout.split('\r\n')).toEqual([
      'person,deprovisioned_at,plane,items,removed,pending,lag_ms,last_removed_at,sla_ms,breaches,overdue,within_sla,signal_event_id',
      // One unit of access, the Globex membership, removed 10 h after the signal (the AuthKit user is no unit).
      'edsger.vnwdv@globex.example,2026-06-10T12:00:00.000Z,application,1,1,0,36000000,2026-06-10T22:00:00.000Z,259200000,0,0,true,evt_cu_20261129_00035',
      'vint.2cj1s@acme.example,2026-06-20T08:37:33.000Z,platform,2,2,0,556320000,2026-06-26T19:09:33.000Z,86400000,1,0,false,evt_wf_20261129_00010',
      'ada.y6mpp@acme.example,2026-06-20T11:06:28.000Z,platform,1,1,0,21600000,2026-06-20T17:06:28.000Z,86400000,0,0,true,evt_wf_20261129_00022',
      'donald.atkvw@acme.example,2026-06-23T07:02:49.000Z,platform,2,2,0,60300000,2026-06-23T23:47:49.000Z,86400000,0,0,true,evt_wf_20261129_00008',
      'vint.wmqz9@acme.example,2026-06-30T10:55:45.000Z,platform,2,1,1,,2026-06-30T12:55:45.000Z,86400000,0,1,false,evt_wf_20261129_00020',
      '',
    ]);
    const out = path.join(dataDir, 'q3.json');
    const j = await cli(
      'export',
      '--from',
      '2026-07-01',
      '--to',
      '2026-08-01',
      '--now',
      '2026-07-20T12:00:00Z',
      '--format',
      'json',
      '--out',
      out,
    );
    expect(j.stderr).toBe(`wrote 6 rows to ${out}\n`);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.period).toEqual({ from: '2026-07-01T00:00:00.000Z', to: '2026-08-01T00:00:00.000Z' });
    expect(doc.leavers.map((l: any) => `${l.person} ${l.plane} ${l.within_sla}`)).toEqual([
      'donald.760zg@globex.example application true',
      'ken.gbz3e@acme.example platform false',
      'edsger.2jkaf@globex.example application false',
      'donald.j37fb@acme.example platform true',
      'dennis.xxqkt@acme.example platform true',
      'john.x00np@acme.example platform true',
    ]);
    expect((await cli('export', '--quarter', '2026Q2', '--from', '2026-01-01')).code).toBe(2);
  });
});

describe('--help on every query command shows examples', () => {
  it.each(['findings', 'lag', 'person', 'credentials', 'evidence', 'export'])('%s --help', async (c) => {
    const r = await cli(c, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:\n  planewatch ' + c);
  });
});
