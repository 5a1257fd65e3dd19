// The all-in-one's normalizer on a worker thread (PLANEWATCH_NORMALIZER_THREAD=worker):
// deliveries are normalized on the worker, its metrics reach /metrics of the main thread, and a
// worker that dies fails readiness and is reported once through onFatal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { bootstrap, type Runtime } from '../../runtime/bootstrap.ts';
import { SOURCES, KNOWN_VENDORS } from '../../sources/registry.ts';
import { startPipeline, type Pipeline } from '../../services/all-in-one/pipeline.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'whsec_test_' + randomUUID();
const CONFIG = `
connections:
  - id: workos-main
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_SECRET
    plane: application
`;
const run = randomUUID().slice(0, 8);
let rt: Runtime;
let pipeline: Pipeline;
const fatals: string[] = [];

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-nthread-'));
  writeFileSync(path.join(dataDir, 'planewatch.yaml'), CONFIG);
  rt = await bootstrap({
    service: 'test',
    knownVendors: KNOWN_VENDORS,
    processEnv: {
      PATH: process.env.PATH,
      PLANEWATCH_LOG_LEVEL: process.env.PLANEWATCH_LOG_LEVEL ?? 'warn',
      PLANEWATCH_DATA_DIR: dataDir,
      PLANEWATCH_CONFIG: path.join(dataDir, 'planewatch.yaml'),
      PLANEWATCH_HTTP_PORT: '0',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      TEST_WORKOS_SECRET: SECRET,
      PLANEWATCH_NORMALIZER_THREAD: 'worker',
    },
  });
  pipeline = await startPipeline(rt, SOURCES, {
    apiToken: randomBytes(16).toString('hex'),
    groupSuffix: path.basename(dataDir),
    ackTimeoutMs: 15_000,
    detector: false,
    onFatal: (err) => fatals.push(err.message),
  });
});
afterAll(async () => {
  await pipeline?.stop();
  await rt?.close();
});

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('normalizer on a worker thread', () => {
  it('normalizes a delivery on the worker, and its metrics are served by the main thread', async () => {
    expect(pipeline.normalizerThread).not.toBeNull();
    const before = await (await fetch(`${pipeline.url}/metrics`)).text();
    const eventId = `event_${run}_thread`;
    const body = JSON.stringify({
      object: 'event',
      id: eventId,
      event: 'dsync.user.deleted',
      created_at: '2026-11-29T10:00:00.000Z',
      data: {
        object: 'directory_user',
        id: `u${run}`,
        idp_id: `idp-${run}`,
        directory_id: 'directory_01TEST',
        organization_id: 'org_CUSTOMER',
        first_name: 'Ada',
        last_name: 'Lovelace',
        emails: [{ primary: true, type: 'work', value: `ada.${run}@customer.example` }],
        email: `ada.${run}@customer.example`,
        username: `ada-${run}`,
        state: 'inactive',
        custom_attributes: {},
        raw_attributes: {},
        role: { slug: 'member' },
        created_at: '2026-11-01T10:00:00.000Z',
        updated_at: '2026-11-29T10:00:00.000Z',
      },
    });
    const res = await fetch(`${pipeline.url}/webhooks/workos/workos-main`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(body, SECRET, Date.now()) },
      body,
    });
    expect(res.status).toBe(202);
    const rows = await waitFor(async () => {
      const rs = await rt.clickhouse.query({
        query: 'SELECT plane, action, subject_id FROM identity_events FINAL WHERE event_id = {id:String}',
        query_params: { id: eventId },
        format: 'JSONEachRow',
      });
      const r = await rs.json<{ plane: string; action: string; subject_id: string }>();
      return r.length ? r : undefined;
    }, 'the event in identity_events');
    expect(rows).toEqual([{ plane: 'application', action: 'deleted', subject_id: `u${run}` }]);
    const after = await (await fetch(`${pipeline.url}/metrics`)).text();
    const n = (t: string) => metric(t, 'planewatch_normalized_events_total', 'source="workos",plane="application"');
    expect(n(after) - n(before)).toBe(1);
    const batches = (t: string) => metric(t, 'planewatch_batch_messages_sum', `stage="normalizer",topic="${TOPICS.raw}"`);
    expect(batches(after) - batches(before)).toBe(1);
    const ready = (await (await fetch(`${pipeline.url}/readyz`)).json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    expect(ready.checks.normalizer).toEqual({ ok: true });
  });

  it('a worker that dies fails readiness and is reported once', async () => {
    await pipeline.normalizerThread!.worker.terminate();
    const ready = await waitFor(async () => {
      const r = await fetch(`${pipeline.url}/readyz`);
      return r.status === 503
        ? ((await r.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail?: string }> })
        : undefined;
    }, 'readiness to fail');
    expect(ready.ready).toBe(false);
    expect(ready.checks.normalizer).toEqual({ ok: false, detail: 'normalizer worker thread exited with code 1' });
    expect(fatals).toEqual(['normalizer worker thread exited with code 1']);
  });
});
