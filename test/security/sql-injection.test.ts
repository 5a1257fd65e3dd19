// Only parameterised SQL for anything a user supplies. Injection attempts go through every filter
// a user can set — every query and path parameter of every API operation (from the OpenAPI
// document, so new operations are covered as they are added), SCIM list filters (inside string
// literals and around them), and the CLI's options and arguments — and must either be refused
// (400 / exit 2) or be taken literally: no error from the engine (never 5xx), nothing more
// returned than the literal value matches, and nothing changed in the store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { openApiDocument } from '../../services/api/openapi.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { SOURCES } from '../../sources/registry.ts';
import { REPO_ROOT } from '../../local-broker/index.ts';

const run = randomUUID().slice(0, 8);
const WK = `sqli-wk-${run}`;
const SP = `sqli-sp-${run}`;
const SECRET = `whsec_sqli_${run}`;
const TOKEN = `scim-sqli-${run}`;

const INJECTIONS = [
  "x' OR '1'='1",
  "x' OR 1=1 --",
  "'; DROP TABLE identity_events; --",
  "x') UNION ALL SELECT name, name, name FROM system.tables --",
  '{source:String}',
  "\\' OR 1=1 --",
  '1 OR 1=1',
  "x'; SELECT sleep(3); --",
  '%27%20OR%201%3D1',
  'x" OR "1"="1',
];

let t: TestPipeline;
let storeFingerprint = '';

/** What an injection could damage: the core tables and this test's rows in them (detector state tables come and go by design). */
async function storeState(): Promise<string> {
  const tables = await t.query<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN ('identity_events', 'raw_envelopes', 'dead_letters', 'scim_resources', 'poller_status') ORDER BY name",
  );
  const events = await t.query<{ n: string }>('SELECT count() AS n FROM identity_events WHERE connection_id = {c:String}', { c: WK });
  const raw = await t.query<{ n: string }>('SELECT count() AS n FROM raw_envelopes WHERE connection_id = {c:String}', { c: WK });
  const scim = await t.query<{ n: string }>('SELECT count() AS n FROM scim_resources WHERE connection_id = {c:String}', { c: SP });
  return JSON.stringify({ tables: tables.map((r) => r.name), events: events[0]!.n, raw: raw[0]!.n, scim: scim[0]!.n });
}

beforeAll(async () => {
  t = await startTestPipeline({
    configYaml: `
connections:
  - { id: ${WK}, vendor: workos, transport: webhook, secret_env: SQLI_SECRET }
  - { id: ${SP}, vendor: scim, transport: scim, secret_env: SQLI_TOKEN }
`,
    env: { SQLI_SECRET: SECRET, SQLI_TOKEN: TOKEN },
  });
  for (const e of SOURCES.workos!.samples!.events(Date.now())) {
    const res = await fetch(`${t.pipeline.url}/webhooks/workos/${WK}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(e.body, SECRET, Date.now()) },
      body: e.body,
    });
    expect(res.status).toBe(202);
  }
  for (const name of ['ada', 'grace']) {
    const res = await fetch(`${t.pipeline.url}/scim/v2/${SP}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ userName: `${name}@acme.example`, active: true }),
    });
    expect(res.status).toBe(201);
  }
  const samples = SOURCES.workos!.samples!.events(Date.now()).length;
  await waitFor(async () => {
    const raw = await t.query<{ n: string }>('SELECT count() AS n FROM raw_envelopes WHERE connection_id = {c:String}', { c: WK });
    const ev = await t.query<{ n: string }>('SELECT uniqExact(raw_id) AS n FROM identity_events WHERE connection_id = {c:String}', {
      c: WK,
    });
    return Number(raw[0]!.n) === samples && Number(ev[0]!.n) === samples ? true : undefined;
  }, 'the sample deliveries stored and normalized');
  storeFingerprint = await storeState();
});

afterAll(async () => {
  await t?.stop();
});

describe('SQL injection through user-supplied filters', () => {
  it('API: every query and path parameter of every operation takes injections literally or refuses them', async () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
    let attempts = 0;
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (method !== 'get') continue;
        for (const param of op.parameters ?? []) {
          for (const inj of INJECTIONS) {
            const concrete = p.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(name === param.name ? inj : 'x'));
            const qs = param.in === 'query' ? `?${new URLSearchParams({ [param.name]: inj })}` : '';
            const res = await fetch(`${t.pipeline.url}${concrete}${qs}`, { headers: { authorization: `Bearer ${t.apiToken}` } });
            const text = await res.text();
            attempts++;
            // Refused, not found, or answered — never an engine error.
            expect([p, param.name, inj, [200, 400, 404].includes(res.status)], text.slice(0, 300)).toEqual([p, param.name, inj, true]);
            if (res.status === 200 && param.in === 'path') {
              // A path parameter is an identifier: an injected one matches nothing.
              const body = JSON.parse(text) as { data?: unknown };
              const data = body.data as unknown[] | Record<string, unknown> | undefined;
              if (Array.isArray(data)) expect([p, param.name, inj, data.length]).toEqual([p, param.name, inj, 0]);
            }
          }
        }
      }
    }
    expect(attempts).toBeGreaterThan(INJECTIONS.length * 5);
    // A filter that would match everything if spliced matches nothing when bound.
    const bySource = await fetch(`${t.pipeline.url}/api/v1/events?source=${encodeURIComponent("workos' OR '1'='1")}`, {
      headers: { authorization: `Bearer ${t.apiToken}` },
    });
    expect(bySource.status).toBe(400);
    expect(await storeState()).toBe(storeFingerprint);
  });

  it('SCIM: filters with injections inside and around string literals match literally or are refused as invalid filters', async () => {
    const list = async (filter: string) => {
      const res = await fetch(`${t.pipeline.url}/scim/v2/${SP}/Users?filter=${encodeURIComponent(filter)}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return { status: res.status, body: (await res.json()) as { totalResults?: number; scimType?: string } };
    };
    expect((await list('userName eq "ada@acme.example"')).body.totalResults).toBe(1);
    for (const inj of INJECTIONS) {
      const inside = await list(`userName eq ${JSON.stringify(inj)}`); // a well-formed string literal holding the injection
      expect([inj, inside.status, inside.body.totalResults]).toEqual([inj, 200, 0]);
      const around = await list(`userName eq "x" ${inj}`);
      expect([inj, around.status, around.body.scimType]).toEqual([inj, 400, 'invalidFilter']);
      const asAttribute = await list(`${inj} eq "x"`);
      expect([inj, asAttribute.status]).toEqual([inj, 400]);
    }
    const search = await fetch(`${t.pipeline.url}/scim/v2/${SP}/Users/.search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: 'userName eq "x\' OR 1=1 --"',
        startIndex: 1,
        count: 10,
      }),
    });
    expect(((await search.json()) as { totalResults: number }).totalResults).toBe(0);
    expect(await storeState()).toBe(storeFingerprint);
  });

  it('CLI: options and arguments carrying injections are refused before anything is queried (exit 2)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-sqli-cli-'));
    const cli = async (...args: string[]) => {
      try {
        const r = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin/planewatch.js'), ...args], {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', PLANEWATCH_DATA_DIR: dataDir, PLANEWATCH_LOG_LEVEL: 'silent' },
        });
        return { code: 0, stderr: r.stderr };
      } catch (err) {
        return { code: (err as { code: number }).code, stderr: (err as { stderr: string }).stderr };
      }
    };
    const cases: string[][] = [
      ['events', '--source', "workos' OR '1'='1"],
      ['events', '--connection', "x'; DROP TABLE identity_events; --"],
      ['events', '--last', '10; DROP TABLE identity_events'],
      ['events', '--plane', "platform' OR '1'='1"],
      ['findings', '--detection', "PW-X' OR '1'='1"],
      ['findings', '--status', "open' OR '1'='1"],
      ['findings', 'ack', "' OR 1=1 --"],
    ];
    for (const args of cases) {
      const r = await cli(...args);
      expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
      expect(r.stderr).not.toMatch(/ClickHouse|SQL|syntax error|Code: \d+/i);
    }
  }, 120_000);
});
