// End to end through real components: an Auth0 custom-webhook log stream delivery over HTTP ->
// collector -> Kafka -> normalizer -> Kafka -> sink -> embedded ClickHouse, read back with SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rawEnvelopeId } from '../../core/events/raw-envelope.ts';
import { redactSecrets } from '../../source-kit/redact.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const TOKEN = 'a0-stream-' + randomUUID();
const CONFIG = `
connections:
  - id: auth0-prod
    vendor: auth0
    transport: webhook
    secret_env: TEST_AUTH0_TOKEN
    authoritative_for: customers
    plane_rules:
      - { organization_id: org_ACMESTAFF, plane: platform, authoritative_for: employees }
`;

let t: TestPipeline;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  t = await startTestPipeline({ configYaml: CONFIG, env: { TEST_AUTH0_TOKEN: TOKEN }, ackTimeoutMs: 15_000 });
});
afterAll(async () => {
  await t?.stop();
});

const url = () => `${t.pipeline.url}/webhooks/auth0/auth0-prod`;
const userId = `auth0|${run}`;
const web = {
  client_id: 'CLIENTwebapp0001',
  client_name: 'Acme Web',
  ip: '203.0.113.7',
  user_agent: 'Chrome 124.0.0 / Mac OS X',
  tenant_name: 'acme-prod',
  connection: 'Username-Password-Authentication',
  strategy: 'auth0',
};
const record = (logId: string, data: Record<string, unknown>) => ({ log_id: logId, data: { log_id: logId, ...data } });

describe('Auth0 log stream to ClickHouse', () => {
  it('stores every record of a JSONLINES delivery and dead-letters the bad one with its reason', async () => {
    const ids = [`900${run}01`, `900${run}02`, `900${run}03`, `900${run}04`];
    const lines = [
      record(ids[0]!, {
        ...web,
        type: 's',
        date: '2026-11-29T09:00:00.000Z',
        user_id: userId,
        user_name: `Grace.${run}@Customer.example`,
        organization_id: 'org_CUSTOMER1',
      }),
      record(ids[1]!, {
        ...web,
        type: 'fp',
        date: '2026-11-29T09:05:00.000Z',
        user_id: userId,
        user_name: `grace.${run}@customer.example`,
        description: 'Wrong email or password.',
      }),
      record(`900${run}bad`, { ...web, type: 'sdu', date: '2026-11-29T09:06:00.000Z' }), // no user: rejected
      record(ids[2]!, {
        type: 'sapi',
        date: '2026-11-29T09:10:00.000Z',
        description: 'Delete a user',
        tenant_name: 'acme-prod',
        client_id: 'CLIENTdash',
        ip: '198.51.100.9',
        details: {
          request: {
            method: 'delete',
            path: `/api/v2/users/${encodeURIComponent(userId)}`,
            body: {},
            auth: {
              user: { user_id: 'google-oauth2|admin', email: 'admin@acme.example' },
              strategy: 'jwt',
              credentials: { jti: 'jti-never-stored' },
            },
          },
          response: { statusCode: 204 },
        },
      }),
      record(ids[3]!, {
        ...web,
        type: 's',
        date: '2026-11-29T09:20:00.000Z',
        user_id: `auth0|staff${run}`,
        user_name: `staff.${run}@acme.example`,
        organization_id: 'org_ACMESTAFF',
      }),
    ];
    const body = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    const res = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${TOKEN}` },
      body,
    });
    expect(res.status).toBe(202);

    const rows = await waitFor(async () => {
      const r = await t.query<Record<string, string | null>>(
        `SELECT event_id, plane, tenant_id, authoritative_for, category, action, outcome, subject_kind, subject_id, subject_email, actor_id, vendor_type
           FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} ORDER BY occurred_at`,
        { ids },
      );
      return r.length === 4 ? r : undefined;
    }, 'four Auth0 events in identity_events');
    expect(rows).toEqual([
      {
        event_id: ids[0],
        plane: 'application',
        tenant_id: 'org_CUSTOMER1',
        authoritative_for: 'customers',
        category: 'authentication',
        action: 'succeeded',
        outcome: 'success',
        subject_kind: 'human',
        subject_id: userId,
        subject_email: `grace.${run}@customer.example`,
        actor_id: userId,
        vendor_type: 's',
      },
      {
        event_id: ids[1],
        plane: 'application',
        tenant_id: null,
        authoritative_for: 'customers',
        category: 'authentication',
        action: 'failed',
        outcome: 'failure',
        subject_kind: 'human',
        subject_id: userId,
        subject_email: `grace.${run}@customer.example`,
        actor_id: userId,
        vendor_type: 'fp',
      },
      {
        event_id: ids[2],
        plane: 'application',
        tenant_id: null,
        authoritative_for: 'customers',
        category: 'account',
        action: 'deleted',
        outcome: 'success',
        subject_kind: 'human',
        subject_id: userId,
        subject_email: null,
        actor_id: 'google-oauth2|admin',
        vendor_type: 'sapi',
      },
      {
        event_id: ids[3],
        plane: 'platform',
        tenant_id: 'org_ACMESTAFF',
        authoritative_for: 'employees',
        category: 'authentication',
        action: 'succeeded',
        outcome: 'success',
        subject_kind: 'human',
        subject_id: `auth0|staff${run}`,
        subject_email: `staff.${run}@acme.example`,
        actor_id: `auth0|staff${run}`,
        vendor_type: 's',
      },
    ]);
    const [attrs] = await t.query<{ attributes: Record<string, string> }>(
      'SELECT attributes FROM identity_events FINAL WHERE event_id = {id:String}',
      { id: ids[2] },
    );
    expect(JSON.stringify(attrs)).not.toContain('jti');

    // The stored delivery is the redacted one: the admin's token credentials never reach the raw envelope.
    const stored = redactSecrets(Buffer.from(body));
    expect(stored.equals(Buffer.from(body))).toBe(false);
    const rawId = rawEnvelopeId('auth0', 'auth0-prod', stored);
    const [raw] = await waitFor(async () => {
      const r = await t.query<{ body: string }>('SELECT body FROM raw_envelopes FINAL WHERE id = {raw:String}', { raw: rawId });
      return r.length ? r : undefined;
    }, 'raw envelope');
    expect(raw!.body).toBe(stored.toString('utf8'));
    expect(raw!.body).not.toContain('jti-never-stored');
    expect(raw!.body).toContain(`"path":"/api/v2/users/${encodeURIComponent(userId)}"`);
    const dead = await waitFor(async () => {
      const r = await t.query<{ reason: string }>('SELECT reason FROM dead_letters FINAL WHERE raw_id = {raw:String}', { raw: rawId });
      return r.length ? r : undefined;
    }, 'dead letter for the sdu without user');
    expect(dead).toEqual([{ reason: 'auth0: line 3: sdu: user_id: expected the id of the user concerned (nor user_name given)' }]);
  });

  it('answers 401 to a wrong or missing token and stores nothing', async () => {
    const id = `900${run}denied`;
    const body = JSON.stringify([record(id, { ...web, type: 's', date: '2026-11-29T10:00:00.000Z', user_id: userId })]);
    const wrong = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-the-token' },
      body,
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { status: 401, code: 'unauthorized', message: "Authorization header does not match the connection's Auth0 log stream token" },
    });
    expect((await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);

    const marker = `900${run}marker`;
    const ok = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: TOKEN },
      body: JSON.stringify(record(marker, { ...web, type: 'slo', date: '2026-11-29T10:01:00.000Z', user_id: userId })),
    });
    expect(ok.status).toBe(202);
    await waitFor(
      async () => (await t.query('SELECT 1 FROM identity_events FINAL WHERE event_id = {id:String}', { id: marker })).length > 0,
      'marker event',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const rawId = rawEnvelopeId('auth0', 'auth0-prod', Buffer.from(body));
    const [counts] = await t.query<{ events: string; raws: string }>(
      `SELECT (SELECT count() FROM identity_events WHERE event_id = {id:String}) AS events,
              (SELECT count() FROM raw_envelopes WHERE id = {raw:String}) AS raws`,
      { id, raw: rawId },
    );
    expect(counts).toEqual({ events: '0', raws: '0' });
  });
});
