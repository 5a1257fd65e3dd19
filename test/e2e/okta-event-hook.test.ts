// End to end through real components: Okta event hook requests over HTTP -> collector -> Kafka ->
// normalizer -> Kafka -> sink -> embedded ClickHouse, read back with SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rawEnvelopeId } from '../../core/events/raw-envelope.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'okta-hook-' + randomUUID();
const CONFIG = `
connections:
  - id: okta-acme
    vendor: okta
    transport: webhook
    secret_env: TEST_OKTA_SECRET
    authoritative_for: employees
`;

let t: TestPipeline;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  t = await startTestPipeline({ configYaml: CONFIG, env: { TEST_OKTA_SECRET: SECRET }, ackTimeoutMs: 15_000 });
});
afterAll(async () => {
  await t?.stop();
});

const url = () => `${t.pipeline.url}/webhooks/okta/okta-acme`;
const admin = { id: '00uADMIN0000000001', type: 'User', alternateId: 'ada.admin@acme.example', displayName: 'Ada Admin' };
const user = { id: `00u${run}LEAVER`, type: 'User', alternateId: `Lee.${run}@Acme.example`, displayName: 'Lee Ver' };
const client = { ipAddress: '203.0.113.5', userAgent: { rawUserAgent: 'Mozilla/5.0' } };

function logEvent(uuid: string, eventType: string, published: string, fields: Record<string, unknown>) {
  return {
    uuid,
    published,
    eventType,
    version: '0',
    severity: 'INFO',
    displayMessage: eventType,
    client,
    outcome: { result: 'SUCCESS', reason: null },
    ...fields,
  };
}
function delivery(events: unknown[]) {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    contentType: 'application/json',
    eventId: randomUUID(),
    eventTime: '2026-11-29T10:05:00.000Z',
    source: 'https://acme.okta.com/api/v1/eventHooks/whoE2E000000000',
    data: { events },
  });
}

describe('Okta event hook to ClickHouse', () => {
  it('answers the one-time verification GET only with the right secret', async () => {
    const ok = await fetch(url(), { headers: { 'x-okta-verification-challenge': `challenge-${run}`, authorization: SECRET } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ verification: `challenge-${run}` });
    const bad = await fetch(url(), { headers: { 'x-okta-verification-challenge': `challenge-${run}`, authorization: 'wrong' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({
      error: { status: 401, code: 'unauthorized', message: "Authorization header does not match the connection's Okta event hook secret" },
    });
  });

  it('stores every event of a multi-event delivery, and dead-letters the bad one with its reason', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const events = [
      logEvent(ids[0]!, 'user.session.start', '2026-11-29T09:00:00.000Z', {
        actor: user,
        target: null,
        authenticationContext: { externalSessionId: `102${run}` },
      }),
      logEvent(ids[1]!, 'user.lifecycle.deactivate', '2026-11-29T10:00:00.000Z', { actor: admin, target: [user] }),
      { eventType: 'user.lifecycle.suspend', published: '2026-11-29T10:01:00.000Z', actor: admin, target: [user] }, // no uuid
      logEvent(ids[2]!, 'group.user_membership.remove', '2026-11-29T10:02:00.000Z', {
        actor: admin,
        target: [user, { id: '00gENG', type: 'UserGroup', displayName: 'Engineering' }],
      }),
      logEvent(ids[3]!, 'system.api_token.revoke', '2026-11-29T10:03:00.000Z', {
        actor: admin,
        target: [{ id: `00T${run}`, type: 'Token', displayName: 'ci' }],
      }),
    ];
    const body = delivery(events);
    const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body });
    expect(res.status).toBe(202);

    const rows = await waitFor(async () => {
      const r = await t.query<Record<string, string | null>>(
        `SELECT event_id, plane, connection_id, tenant_id, authoritative_for, category, action, outcome, subject_kind, subject_id, subject_email, actor_id, credential_kind, vendor_type
           FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} ORDER BY occurred_at`,
        { ids },
      );
      return r.length === 4 ? r : undefined;
    }, 'four Okta events in identity_events');
    const common = {
      plane: 'platform',
      connection_id: 'okta-acme',
      tenant_id: 'acme.okta.com',
      authoritative_for: 'employees',
      outcome: 'success',
    };
    expect(rows).toEqual([
      {
        ...common,
        event_id: ids[0],
        category: 'session',
        action: 'succeeded',
        subject_kind: 'human',
        subject_id: `00u${run}LEAVER`,
        subject_email: `lee.${run}@acme.example`,
        actor_id: `00u${run}LEAVER`,
        credential_kind: null,
        vendor_type: 'user.session.start',
      },
      {
        ...common,
        event_id: ids[1],
        category: 'account',
        action: 'suspended',
        subject_kind: 'human',
        subject_id: `00u${run}LEAVER`,
        subject_email: `lee.${run}@acme.example`,
        actor_id: '00uADMIN0000000001',
        credential_kind: null,
        vendor_type: 'user.lifecycle.deactivate',
      },
      {
        ...common,
        event_id: ids[2],
        category: 'membership',
        action: 'removed',
        subject_kind: 'human',
        subject_id: `00u${run}LEAVER`,
        subject_email: `lee.${run}@acme.example`,
        actor_id: '00uADMIN0000000001',
        credential_kind: null,
        vendor_type: 'group.user_membership.remove',
      },
      {
        ...common,
        event_id: ids[3],
        category: 'credential',
        action: 'revoked',
        subject_kind: 'api_key',
        subject_id: `00T${run}`,
        subject_email: null,
        actor_id: '00uADMIN0000000001',
        credential_kind: 'idp_api_token',
        vendor_type: 'system.api_token.revoke',
      },
    ]);

    const rawId = rawEnvelopeId('okta', 'okta-acme', Buffer.from(body));
    const dead = await waitFor(async () => {
      const r = await t.query<{ reason: string; source: string }>(
        'SELECT reason, source FROM dead_letters FINAL WHERE raw_id = {raw:String}',
        { raw: rawId },
      );
      return r.length ? r : undefined;
    }, 'dead letter for the event without uuid');
    expect(dead).toEqual([{ reason: 'okta: data.events[2]: uuid: expected string, received undefined', source: 'okta' }]);
    const [raw] = await t.query<{ verification_scheme: string; headers: Record<string, string> }>(
      'SELECT verification_scheme, headers FROM raw_envelopes FINAL WHERE id = {raw:String}',
      { raw: rawId },
    );
    expect(raw!.verification_scheme).toBe('static-secret');
    expect(Object.keys(raw!.headers)).not.toContain('authorization');
  });

  it('answers 401 to a wrong or missing secret and stores nothing', async () => {
    const id = randomUUID();
    const body = delivery([logEvent(id, 'user.lifecycle.deactivate', '2026-11-29T11:00:00.000Z', { actor: admin, target: [user] })]);
    const wrong = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'not-the-secret' },
      body,
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { status: 401, code: 'unauthorized', message: "Authorization header does not match the connection's Okta event hook secret" },
    });
    const missing = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(missing.status).toBe(401);

    // A valid delivery sent afterwards is stored; the rejected one never is.
    const marker = randomUUID();
    const ok = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: SECRET },
      body: delivery([logEvent(marker, 'user.lifecycle.create', '2026-11-29T11:01:00.000Z', { actor: admin, target: [user] })]),
    });
    expect(ok.status).toBe(202);
    await waitFor(
      async () => (await t.query('SELECT 1 FROM identity_events FINAL WHERE event_id = {id:String}', { id: marker })).length > 0,
      'marker event',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const rawId = rawEnvelopeId('okta', 'okta-acme', Buffer.from(body));
    const [counts] = await t.query<{ events: string; raws: string }>(
      `SELECT (SELECT count() FROM identity_events WHERE event_id = {id:String}) AS events,
              (SELECT count() FROM raw_envelopes WHERE id = {raw:String}) AS raws`,
      { id, raw: rawId },
    );
    expect(counts).toEqual({ events: '0', raws: '0' });
  });
});
