// Issue #18, points 3 and 7, against the real pipeline (shared broker, embedded ClickHouse):
// - /healthz, /readyz and /metrics answer GET and HEAD only; PUT, DELETE, TRACE, POST, PATCH and
//   OPTIONS get 405 with `Allow: GET, HEAD` (the ops server of the stand-alone services too);
// - a client that hangs up mid-body is counted as status="499", reason="client_aborted" (webhook)
//   or status="499" (SCIM), logged at info level, and never as an internal error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { startOpsServer, type OpsServer } from '../../core/http/ops-server.ts';
import { createCollectorHandler } from '../../services/collector/collector.ts';
import { rawEnvelopePublisher } from '../../services/collector/publish.ts';
import { SOURCES } from '../../sources/registry.ts';

const run = randomUUID().slice(0, 8);
const WK = `abort-wk-${run}`;
const SP = `abort-sp-${run}`;
let t: TestPipeline;
let ops: OpsServer;
let collector: http.Server;
let collectorUrl = '';
const logLines: { level: number; msg: string; connection?: string }[] = [];

beforeAll(async () => {
  t = await startTestPipeline({
    configYaml: `
connections:
  - { id: ${WK}, vendor: workos, transport: webhook, secret_env: ABORT_WK }
  - { id: ${SP}, vendor: scim, transport: scim, secret_env: ABORT_SCIM }
`,
    env: { ABORT_WK: `whsec_abort_${run}`, ABORT_SCIM: `scim-abort-token-${run}` },
  });
  ops = await startOpsServer({ host: '127.0.0.1', port: 0, readiness: async () => ({ ready: true, checks: {} }), log: t.rt.log });
  // A second collector on the same real producer, whose log lines this test reads.
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as never);
      cb();
    },
  });
  const handler = createCollectorHandler({
    map: t.rt.config.map,
    secrets: t.rt.secrets,
    sources: SOURCES,
    publish: rawEnvelopePublisher(t.rt.producer),
    readiness: async () => ({ ready: true, checks: {} }),
    log: pino({ level: 'trace' }, sink),
    maxBodyBytes: 1 << 20,
    ackTimeoutMs: 5000,
  });
  collector = http.createServer(handler);
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  collectorUrl = `127.0.0.1:${(collector.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => (collector ? collector.close(() => r()) : r()));
  await ops?.stop();
  await t?.stop();
});

/** node:http, because fetch() refuses to send TRACE. */
function request(base: string, method: string, p: string): Promise<{ status: number; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${p}`, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends the headers and part of a declared body, then destroys the socket. */
function hangUpMidBody(hostPort: string, p: string, headers: Record<string, string>): Promise<void> {
  const [host, port] = hostPort.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) }, () => {
      const head = [
        `POST ${p} HTTP/1.1`,
        `host: ${hostPort}`,
        'content-type: application/json',
        'content-length: 5000',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${head.join('\r\n')}\r\n\r\n{"object":"event","id":"partial`, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

const metricsText = async () => (await fetch(`${t.pipeline.url}/metrics`)).text();

describe('ops routes answer GET and HEAD only', () => {
  for (const p of ['/healthz', '/readyz', '/metrics']) {
    it(`${p} on the pipeline and on the ops server`, async () => {
      for (const base of [t.pipeline.url, ops.url]) {
        expect((await request(base, 'GET', p)).status).not.toBe(405);
        expect((await request(base, 'HEAD', p)).status).not.toBe(405);
        for (const method of ['PUT', 'DELETE', 'TRACE', 'POST', 'PATCH', 'OPTIONS']) {
          expect([base, method, p, await request(base, method, p)]).toEqual([base, method, p, { status: 405, allow: 'GET, HEAD' }]);
        }
      }
    });
  }
  it('/healthz and /metrics answer 200 to GET and HEAD', async () => {
    for (const base of [t.pipeline.url, ops.url]) {
      for (const method of ['GET', 'HEAD']) {
        expect([base, method, (await request(base, method, '/healthz')).status]).toEqual([base, method, 200]);
        expect([base, method, (await request(base, method, '/metrics')).status]).toEqual([base, method, 200]);
      }
    }
  });
});

describe('a client that hangs up mid-body', () => {
  it('is a client abort on a webhook: status 499, reason client_aborted, logged at info, never internal', async () => {
    await hangUpMidBody(collectorUrl, `/webhooks/workos/${WK}`, { 'workos-signature': 't=1, v1=00' });
    await hangUpMidBody(collectorUrl, `/webhooks/workos/${WK}`, { 'workos-signature': 't=1, v1=00' });
    const metric = `planewatch_webhook_deliveries_total{source="workos",connection="${WK}",status="499",reason="client_aborted"} 2`;
    await waitFor(async () => (await metricsText()).includes(metric), 'two client aborts counted');
    expect(await metricsText()).not.toContain(`connection="${WK}",status="500"`);
    const about = logLines.filter((l) => l.connection === WK);
    expect(about.map((l) => [l.level, l.msg])).toEqual([
      [30, 'client hung up before the delivery body was complete'],
      [30, 'client hung up before the delivery body was complete'],
    ]);
  });

  it('is a client abort on the SCIM service: status 499, never 500', async () => {
    await hangUpMidBody(new URL(t.pipeline.url).host, `/scim/v2/${SP}/Users`, { authorization: `Bearer scim-abort-token-${run}` });
    const metric = `planewatch_scim_requests_total{connection="${SP}",method="POST",status="499"} 1`;
    await waitFor(async () => (await metricsText()).includes(metric), 'the SCIM client abort counted');
    expect(await metricsText()).not.toContain(`connection="${SP}",method="POST",status="500"`);
  });
});
