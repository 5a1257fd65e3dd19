// End to end through real components: signed WorkOS webhooks over HTTP → collector → Kafka →
// normalizer → Kafka → sink → embedded ClickHouse, read back with SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { rawEnvelopeId } from '../../core/events/raw-envelope.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'whsec_test_' + randomUUID();
const CONFIG = `
connections:
  - id: workos-main
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_SECRET
    plane: application
    authoritative_for: customers
    plane_rules:
      - { organization_id: org_WORKFORCE, plane: platform, authoritative_for: employees }
`;

let t: TestPipeline;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  t = await startTestPipeline({ configYaml: CONFIG, env: { TEST_WORKOS_SECRET: SECRET }, ackTimeoutMs: 15_000 });
});
afterAll(async () => {
  await t?.stop();
});

function directoryUser(id: string, org: string, state: 'active' | 'inactive') {
  return {
    object: 'directory_user',
    id,
    idp_id: `idp-${id}`,
    directory_id: 'directory_01TEST',
    organization_id: org,
    first_name: 'Ada',
    last_name: 'Lovelace',
    emails: [{ primary: true, type: 'work', value: `Ada.${id}@Customer.example` }],
    email: `Ada.${id}@Customer.example`,
    username: `ada-${id}`,
    state,
    custom_attributes: {},
    raw_attributes: {},
    role: { slug: 'member' },
    created_at: '2026-11-01T10:00:00.000Z',
    updated_at: '2026-11-29T10:00:00.000Z',
  };
}

function deliver(body: string, opts: { secret?: string; ts?: number; path?: string; signature?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = opts.signature === undefined ? signWorkosPayload(body, opts.secret ?? SECRET, opts.ts ?? Date.now()) : opts.signature;
  if (sig !== null) headers['workos-signature'] = sig;
  return fetch(`${t.pipeline.url}${opts.path ?? '/webhooks/workos/workos-main'}`, { method: 'POST', headers, body });
}

async function eventRow(eventId: string) {
  return waitFor(async () => {
    const rows = await t.query<Record<string, string>>(
      'SELECT plane, source, connection_id, tenant_id, category, action, subject_kind, subject_id, subject_email, vendor_type, authoritative_for, raw_id FROM identity_events FINAL WHERE event_id = {id:String}',
      { id: eventId },
    );
    return rows.length ? rows : undefined;
  }, `event ${eventId} in identity_events`);
}

describe('signed WorkOS webhook to ClickHouse', () => {
  it('stores a directory user deletion on the application plane', async () => {
    const eventId = `event_${run}_del`;
    const body = JSON.stringify({
      object: 'event',
      id: eventId,
      event: 'dsync.user.deleted',
      data: directoryUser(`u${run}1`, 'org_CUSTOMER', 'inactive'),
      created_at: '2026-11-29T10:00:00.000Z',
    });
    const res = await deliver(body);
    expect(res.status).toBe(202);
    const rows = await eventRow(eventId);
    expect(rows).toEqual([
      {
        plane: 'application',
        source: 'workos',
        connection_id: 'workos-main',
        tenant_id: 'org_CUSTOMER',
        category: 'account',
        action: 'deleted',
        subject_kind: 'human',
        subject_id: `u${run}1`,
        subject_email: `ada.u${run}1@customer.example`,
        vendor_type: 'dsync.user.deleted',
        authoritative_for: 'customers',
        raw_id: rawEnvelopeId('workos', 'workos-main', Buffer.from(body)),
      },
    ]);
    // The raw delivery is kept byte for byte as evidence.
    const raw = await waitFor(async () => {
      const r = await t.query<{ body: string; verified: number; verification_scheme: string }>(
        'SELECT body, verified, verification_scheme FROM raw_envelopes FINAL WHERE id = {id:String}',
        { id: rows[0]!.raw_id },
      );
      return r.length ? r : undefined;
    }, 'raw envelope');
    expect(raw).toEqual([{ body, verified: 1, verification_scheme: 'workos-hmac-sha256' }]);
  });

  it('puts the workforce organisation on the platform plane (boundary-map plane rule)', async () => {
    const eventId = `event_${run}_wf`;
    const body = JSON.stringify({
      object: 'event',
      id: eventId,
      event: 'dsync.user.updated',
      data: directoryUser(`u${run}2`, 'org_WORKFORCE', 'inactive'),
      created_at: '2026-11-29T11:00:00.000Z',
    });
    expect((await deliver(body)).status).toBe(202);
    const rows = await eventRow(eventId);
    expect(rows[0]).toMatchObject({
      plane: 'platform',
      tenant_id: 'org_WORKFORCE',
      category: 'account',
      action: 'suspended',
      authoritative_for: 'employees',
    });
  });

  it('answers 401 to a bad signature, 400 to a malformed body, 413 to a huge one, 404 to an unknown connection; none is stored', async () => {
    const badId = `event_${run}_bad`;
    const body = JSON.stringify({
      object: 'event',
      id: badId,
      event: 'dsync.user.deleted',
      data: directoryUser(`u${run}3`, 'org_CUSTOMER', 'inactive'),
      created_at: '2026-11-29T10:00:00.000Z',
    });
    const wrongSecret = await deliver(body, { secret: 'not-the-secret' });
    expect(wrongSecret.status).toBe(401);
    expect(await wrongSecret.json()).toEqual({
      error: { status: 401, code: 'unauthorized', message: 'WorkOS-Signature: signature mismatch' },
    });
    expect((await deliver(body, { signature: null })).status).toBe(401);
    expect((await deliver(body, { ts: Date.now() - 10 * 60_000 })).status).toBe(401);

    const malformed = await deliver('{"id": "event_x", "event": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('malformed');

    const huge = await deliver(JSON.stringify({ id: 'e', event: 'x', data: { pad: 'x'.repeat(2_000_000) } }));
    expect(huge.status).toBe(413);

    const unknown = await deliver(body, { path: '/webhooks/workos/nope' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { status: 404, code: 'unknown_connection', message: 'no webhook connection "nope" for vendor "workos" in the boundary map' },
    });

    // A valid delivery sent afterwards is stored; the rejected one never is.
    const markerId = `event_${run}_marker`;
    const marker = JSON.stringify({
      object: 'event',
      id: markerId,
      event: 'dsync.user.created',
      data: directoryUser(`u${run}4`, 'org_CUSTOMER', 'active'),
      created_at: '2026-11-29T10:00:00.000Z',
    });
    expect((await deliver(marker)).status).toBe(202);
    await eventRow(markerId);
    // Give the pipeline the same time again for anything stray, then check every table.
    await new Promise((r) => setTimeout(r, 1500));
    const rawId = rawEnvelopeId('workos', 'workos-main', Buffer.from(body));
    const [counts] = await t.query<{ events: string; raws: string; dead: string }>(
      `SELECT (SELECT count() FROM identity_events WHERE event_id = {id:String}) AS events,
              (SELECT count() FROM raw_envelopes WHERE id = {raw:String}) AS raws,
              (SELECT count() FROM dead_letters WHERE raw_id = {raw:String}) AS dead`,
      { id: badId, raw: rawId },
    );
    expect(counts).toEqual({ events: '0', raws: '0', dead: '0' });
  });

  it('sends a valid but unmappable payload to the DLQ with the reason, and keeps going', async () => {
    const badData = JSON.stringify({
      object: 'event',
      id: `event_${run}_unmappable`,
      event: 'dsync.user.created',
      data: { object: 'directory_user', id: 12345 },
      created_at: '2026-11-29T10:00:00.000Z',
    });
    expect((await deliver(badData)).status).toBe(202);
    const rawId = rawEnvelopeId('workos', 'workos-main', Buffer.from(badData));
    const dead = await waitFor(async () => {
      const r = await t.query<{ stage: string; reason: string; source: string; origin_topic: string }>(
        'SELECT stage, reason, source, origin_topic FROM dead_letters FINAL WHERE raw_id = {raw:String}',
        { raw: rawId },
      );
      return r.length ? r : undefined;
    }, 'dead letter');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ stage: 'normalizer', source: 'workos', origin_topic: TOPICS.raw });
    expect(dead[0]!.reason).toMatch(/data\.id/);
    // The envelope itself is still kept as evidence.
    const raws = await t.query('SELECT id FROM raw_envelopes FINAL WHERE id = {raw:String}', { raw: rawId });
    expect(raws).toHaveLength(1);
  });

  it('keeps unknown event types instead of dropping them', async () => {
    const eventId = `event_${run}_future`;
    const body = JSON.stringify({
      object: 'event',
      id: eventId,
      event: 'vault.secret.rotated',
      data: { id: 'secret_01', organization_id: 'org_CUSTOMER' },
      created_at: '2026-11-29T10:00:00.000Z',
    });
    expect((await deliver(body)).status).toBe(202);
    const rows = await eventRow(eventId);
    expect(rows[0]).toMatchObject({ category: 'other', action: 'other', vendor_type: 'vault.secret.rotated' });
  });

  it('stores a redelivered webhook once', async () => {
    const eventId = `event_${run}_dup`;
    const body = JSON.stringify({
      object: 'event',
      id: eventId,
      event: 'dsync.user.created',
      data: directoryUser(`u${run}5`, 'org_CUSTOMER', 'active'),
      created_at: '2026-11-29T10:00:00.000Z',
    });
    for (let i = 0; i < 3; i++) expect((await deliver(body)).status).toBe(202);
    await eventRow(eventId);
    await new Promise((r) => setTimeout(r, 1500));
    const [c] = await t.query<{ n: string }>('SELECT count() AS n FROM identity_events FINAL WHERE event_id = {id:String}', {
      id: eventId,
    });
    expect(c!.n).toBe('1');
  });

  it('serves recent events through the local API with a bearer token', async () => {
    const unauth = await fetch(`${t.pipeline.url}/api/v1/events?last=5`);
    expect(unauth.status).toBe(401);
    const res = await fetch(`${t.pipeline.url}/api/v1/events?last=500&source=workos`, {
      headers: { authorization: `Bearer ${t.apiToken}` },
    });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { event_id: string }[] };
    expect(data.map((e) => e.event_id)).toContain(`event_${run}_del`);
    const bad = await fetch(`${t.pipeline.url}/api/v1/events?last=abc`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    expect(bad.status).toBe(400);
  });

  it('reports readiness of Kafka and ClickHouse', async () => {
    const res = await fetch(`${t.pipeline.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    expect(body.ready).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(['clickhouse', 'kafka', 'normalizer', 'sink']);
  });
});
