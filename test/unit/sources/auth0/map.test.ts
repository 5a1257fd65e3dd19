import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MappedEvent } from '../../../../core/events/identity-event.ts';
import type { NormalizeOutcome } from '../../../../source-kit/source-module.ts';
import { auth0 } from '../../../../sources/auth0/index.ts';
import { checkAuth0Body } from '../../../../sources/auth0/webhook.ts';
import { MAPPED_LOG_TYPES, mapAuth0Log } from '../../../../sources/auth0/map.ts';
import { parseAuth0Body } from '../../../../sources/auth0/payloads.ts';
import {
  assertNormalizeProperty,
  completer,
  expectValidEvent,
  mutatedFixture,
  vendorFixtures,
  webhookInput,
} from '../../../helpers/map-cases.ts';

const fx = vendorFixtures('auth0');
const fixtureFiles = fx.files;
type Rec = { log_id: string; data: Record<string, unknown> };
const fixture = (name: string): Rec => fx.json<Rec>(name);

const RECEIVED = 1_750_000_000_000;
function normalize(body: string | Buffer): NormalizeOutcome {
  return auth0.normalize(webhookInput(body, RECEIVED));
}
const complete = completer('application', 'auth0');
function mapFixture(name: string): MappedEvent[] {
  const out = normalize(JSON.stringify(fixture(name)));
  expect(out.rejected).toEqual([]);
  for (const ev of out.events) expectValidEvent(complete, ev);
  return out.events;
}

// log_id of the n-th fixture record; date 2025-03-01T11:MM:00.000Z (11:00 = 1740826800000)
const logId = (n: number) => `900202503011${String(n).padStart(3, '0')}0000000000000000000000000`;
const at = (minute: number) => 1740826800000 + minute * 60_000;
const USER_ID = 'auth0|65f0000000000000000000a1';
const GRACE = { kind: 'human', id: USER_ID, email: 'grace.hopper@customer.example', name: null };
const GRACE_NO_EMAIL = { kind: 'human', id: USER_ID, email: null, name: null };
const GRACE_ACTOR = {
  kind: 'human',
  id: USER_ID,
  email: 'grace.hopper@customer.example',
  ip: '203.0.113.7',
  user_agent: 'Chrome 122.0.0 / Mac OS X 14.3.1',
  credential_id: null,
};
const ADMIN_ACTOR = {
  kind: 'human',
  id: 'google-oauth2|100000000000000000001',
  email: 'admin@acme.example',
  ip: '198.51.100.9',
  user_agent: 'Firefox 126.0.0 / Linux',
  credential_id: null,
};
const SCIM_ACTOR = {
  kind: 'scim_client',
  id: null,
  email: null,
  ip: '198.51.100.44',
  user_agent: 'Okta SCIM Client 1.0.0',
  credential_id: null,
};
const M2M_CRED = {
  id: 'CLIENTm2mexport00000001:client_secret',
  kind: 'oauth_secret',
  owner_id: 'CLIENTm2mexport00000001',
  owner_kind: 'oauth_client',
};
const ORG = 'org_CUSTOMER000000001';

interface Expected {
  n: number;
  minute: number;
  tenant?: string;
  category: string;
  action: string;
  outcome: 'success' | 'failure' | null;
  subject: Record<string, unknown>;
  ocsf: [number | null, number | null];
  actor?: Record<string, unknown>;
  credential?: Record<string, unknown> | null;
  attributes?: Record<string, string>;
  absent?: string[];
  /** further events of the same record (`<log_id>#2` …): subject ids */
  more?: Array<{ action: string; subject_id: string }>;
}

const CASES: Record<string, Expected> = {
  s: {
    n: 1,
    minute: 0,
    tenant: ORG,
    category: 'authentication',
    action: 'succeeded',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3002, 1],
    actor: GRACE_ACTOR,
    attributes: {
      auth_method: 'auth0',
      mfa: 'true',
      session_id: 'sess_0000000001',
      organization_id: ORG,
      organization_name: 'customer-one',
      auth0_tenant: 'acme-prod',
      connection: 'Username-Password-Authentication',
    },
  },
  f: {
    n: 2,
    minute: 1,
    category: 'authentication',
    action: 'failed',
    outcome: 'failure',
    subject: GRACE,
    ocsf: [3002, 1],
    attributes: { failure_reason: 'Multifactor authentication required' },
    absent: ['mfa'],
  },
  fp: {
    n: 3,
    minute: 2,
    category: 'authentication',
    action: 'failed',
    outcome: 'failure',
    subject: GRACE,
    ocsf: [3002, 1],
    actor: GRACE_ACTOR,
    attributes: { failure_reason: 'Wrong email or password.' },
  },
  fu: {
    n: 4,
    minute: 3,
    category: 'authentication',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'human', id: 'nobody@customer.example', email: 'nobody@customer.example', name: null },
    ocsf: [3002, 1],
    attributes: { subject_from: 'user_name' },
  },
  slo: { n: 5, minute: 4, category: 'session', action: 'ended', outcome: 'success', subject: GRACE, ocsf: [3002, 2] },
  flo: {
    n: 6,
    minute: 5,
    category: 'session',
    action: 'failed',
    outcome: 'failure',
    subject: GRACE,
    ocsf: [3002, 2],
    attributes: { failure_reason: 'Invalid return_to URL' },
  },
  ss: { n: 7, minute: 6, category: 'account', action: 'created', outcome: 'success', subject: GRACE, ocsf: [3001, 1], actor: GRACE_ACTOR },
  fs: {
    n: 8,
    minute: 7,
    category: 'account',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'human', id: 'weak@customer.example', email: 'weak@customer.example', name: null },
    ocsf: [3001, 1],
    attributes: { attempted_action: 'created', failure_reason: 'Password is too weak' },
  },
  sdu: {
    n: 9,
    minute: 8,
    category: 'account',
    action: 'deleted',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3001, 6],
    actor: { kind: 'unknown', id: null, email: null, ip: '198.51.100.9', user_agent: 'Firefox 126.0.0 / Linux', credential_id: null },
  },
  fdu: {
    n: 10,
    minute: 9,
    category: 'account',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'human', id: 'auth0|65f0000000000000000000ff', email: null, name: null },
    ocsf: [3001, 6],
    attributes: { attempted_action: 'deleted', failure_reason: 'User not found' },
  },
  limit_wc: {
    n: 11,
    minute: 10,
    category: 'account',
    action: 'suspended',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3001, 9],
    actor: { kind: 'system', id: null, email: null, ip: null, user_agent: null, credential_id: null },
    attributes: { block_kind: 'brute_force', blocked_ip: '203.0.113.7' },
  },
  ublkdu: {
    n: 12,
    minute: 11,
    category: 'account',
    action: 'reactivated',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3001, 2],
    attributes: { block_kind: 'brute_force' },
  },
  scp: {
    n: 13,
    minute: 12,
    category: 'account',
    action: 'updated',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3001, 3],
    attributes: { account_change: 'password', description: 'Password changed' },
  },
  fcp: {
    n: 14,
    minute: 13,
    category: 'account',
    action: 'failed',
    outcome: 'failure',
    subject: GRACE,
    ocsf: [3001, 3],
    attributes: { account_change: 'password', attempted_action: 'updated' },
  },
  'sapi.delete-user': {
    n: 15,
    minute: 20,
    category: 'account',
    action: 'deleted',
    outcome: 'success',
    subject: GRACE_NO_EMAIL,
    ocsf: [3001, 6],
    actor: ADMIN_ACTOR,
    attributes: {
      api_method: 'DELETE',
      api_path: '/api/v2/users/auth0%7C65f0000000000000000000a1',
      status_code: '204',
      actor_name: 'Tenant Admin',
    },
  },
  'sapi.block-user': {
    n: 16,
    minute: 21,
    category: 'account',
    action: 'suspended',
    outcome: 'success',
    subject: GRACE_NO_EMAIL,
    ocsf: [3001, 5],
    actor: ADMIN_ACTOR,
    attributes: { block_kind: 'admin', changed_fields: 'blocked' },
  },
  'sapi.unblock-user': {
    n: 17,
    minute: 22,
    category: 'account',
    action: 'reactivated',
    outcome: 'success',
    subject: GRACE_NO_EMAIL,
    ocsf: [3001, 2],
    attributes: { block_kind: 'admin' },
  },
  'sapi.update-user': {
    n: 18,
    minute: 23,
    category: 'account',
    action: 'updated',
    outcome: 'success',
    subject: GRACE_NO_EMAIL,
    ocsf: [3001, 99],
    attributes: { changed_fields: 'email,password', account_change: 'password' },
  },
  'sapi.create-user': {
    n: 19,
    minute: 24,
    category: 'account',
    action: 'created',
    outcome: 'success',
    subject: { kind: 'human', id: 'auth0|65f0000000000000000000b2', email: 'new.hire@customer.example', name: null },
    ocsf: [3001, 1],
    attributes: { api_method: 'POST', api_path: '/api/v2/users', status_code: '201' },
  },
  'sapi.user-roles': {
    n: 20,
    minute: 25,
    category: 'role',
    action: 'added',
    outcome: 'success',
    subject: GRACE_NO_EMAIL,
    ocsf: [3005, 1],
    attributes: { roles: 'rol_ADMIN0000000001,rol_BILLING00000001' },
  },
  'sapi.org-members-remove': {
    n: 21,
    minute: 26,
    tenant: ORG,
    category: 'membership',
    action: 'removed',
    outcome: 'success',
    subject: GRACE_NO_EMAIL,
    ocsf: [3006, 4],
    attributes: { organization_id: ORG },
    more: [{ action: 'removed', subject_id: 'auth0|65f0000000000000000000c3' }],
  },
  'sapi.rotate-secret': {
    n: 22,
    minute: 27,
    category: 'credential',
    action: 'updated',
    outcome: 'success',
    subject: { kind: 'api_key', id: 'CLIENTm2mexport00000001:client_secret', email: null, name: null },
    ocsf: [3004, 3],
    credential: { ...M2M_CRED, scopes: [], created_at: null, last_used_at: null },
    attributes: { rotation: 'true' },
  },
  'sapi.other': {
    n: 23,
    minute: 28,
    category: 'other',
    action: 'other',
    outcome: 'success',
    subject: { kind: 'other', id: logId(23), email: null, name: null },
    ocsf: [null, null],
    attributes: { api_method: 'PATCH', api_path: '/api/v2/tenants/settings', subject_from: 'log_id' },
  },
  'fapi.delete-user': {
    n: 24,
    minute: 29,
    category: 'account',
    action: 'failed',
    outcome: 'failure',
    subject: GRACE_NO_EMAIL,
    ocsf: [3001, 6],
    attributes: { attempted_action: 'deleted', status_code: '403', failure_reason: 'Insufficient scope' },
  },
  seccft: {
    n: 25,
    minute: 30,
    category: 'credential',
    action: 'used',
    outcome: 'success',
    subject: { kind: 'service_account', id: 'CLIENTm2mexport00000001', email: null, name: 'nightly-export' },
    ocsf: [3002, 1],
    actor: {
      kind: 'oauth_client',
      id: 'CLIENTm2mexport00000001',
      email: null,
      ip: '192.0.2.10',
      user_agent: 'node-fetch/2.7.0',
      credential_id: 'CLIENTm2mexport00000001:client_secret',
    },
    credential: { ...M2M_CRED, scopes: ['read:reports', 'export:data'], created_at: null, last_used_at: at(30) },
    attributes: { audience: 'https://api.acme.example/', grant_type: 'client_credentials' },
  },
  feccft: {
    n: 26,
    minute: 31,
    category: 'authentication',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'service_account', id: 'CLIENTm2mexport00000001', email: null, name: 'nightly-export' },
    ocsf: [3002, 1],
    credential: { ...M2M_CRED, scopes: ['read:reports'], created_at: null, last_used_at: null },
    attributes: { failure_reason: 'Unauthorized' },
  },
  'sscim.post-user': {
    n: 27,
    minute: 40,
    category: 'account',
    action: 'created',
    outcome: 'success',
    subject: { kind: 'human', id: 'ana.lovelace@customer.example', email: 'ana.lovelace@customer.example', name: null },
    ocsf: [3001, 1],
    actor: SCIM_ACTOR,
    attributes: {
      external_id: '00uOKTA000001',
      subject_from: 'userName',
      connection_id: 'con_OKTASCIM00000001',
      scim_path: '/scim/v2/Users',
    },
  },
  'sscim.patch-deactivate': {
    n: 28,
    minute: 41,
    category: 'account',
    action: 'suspended',
    outcome: 'success',
    subject: { kind: 'human', id: '2f8c0000-0000-4000-8000-000000000001', email: null, name: null },
    ocsf: [3001, 5],
    attributes: { active: 'false', scim_method: 'PATCH' },
  },
  'sscim.group-members': {
    n: 29,
    minute: 42,
    category: 'membership',
    action: 'added',
    outcome: 'success',
    subject: { kind: 'human', id: '2f8c0000-0000-4000-8000-000000000002', email: null, name: null },
    ocsf: [3006, 3],
    attributes: { group_id: '7d1c0000-0000-4000-8000-00000000000a' },
    more: [{ action: 'removed', subject_id: '2f8c0000-0000-4000-8000-000000000001' }],
  },
  'fscim.delete-user': {
    n: 30,
    minute: 43,
    category: 'account',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'human', id: '2f8c0000-0000-4000-8000-000000000001', email: null, name: null },
    ocsf: [3001, 6],
    attributes: { attempted_action: 'deleted', status_code: '404' },
  },
  organization_member_added: {
    n: 31,
    minute: 50,
    tenant: ORG,
    category: 'membership',
    action: 'added',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3006, 3],
    attributes: { reason: 'invitation', organization_id: ORG },
  },
  gd_enrollment_complete: {
    n: 32,
    minute: 51,
    category: 'other',
    action: 'other',
    outcome: null,
    subject: GRACE,
    ocsf: [null, null],
    attributes: { description: 'Guardian - Enrollment complete (push)' },
  },
};

describe('Auth0 mapping per log type', () => {
  it('has a literal case for every fixture', () => {
    expect(
      Object.keys(CASES)
        .map((k) => `${k}.json`)
        .sort(),
    ).toEqual(fixtureFiles);
  });

  for (const [name, exp] of Object.entries(CASES)) {
    it(name, () => {
      const events = mapFixture(name);
      expect(events).toHaveLength(1 + (exp.more?.length ?? 0));
      const ev = events[0]!;
      expect({
        event_id: ev.event_id,
        tenant_id: ev.tenant_id,
        category: ev.category,
        action: ev.action,
        outcome: ev.outcome,
        subject: ev.subject,
        occurred_at: ev.occurred_at,
        ocsf: [ev.ocsf_class_uid, ev.ocsf_activity_id],
        vendor_type: ev.vendor_type,
      }).toEqual({
        // No Organization: no customer tenant (the Auth0 tenant name stays in attributes.auth0_tenant).
        event_id: logId(exp.n),
        tenant_id: exp.tenant ?? null,
        category: exp.category,
        action: exp.action,
        outcome: exp.outcome,
        subject: exp.subject,
        occurred_at: at(exp.minute),
        ocsf: exp.ocsf,
        vendor_type: fixture(name).data.type,
      });
      expect(ev.plane_keys).toEqual({ organization_id: exp.tenant === ORG ? ORG : null });
      if (exp.actor) expect(ev.actor).toEqual(exp.actor);
      if (exp.credential !== undefined) expect(ev.credential).toEqual(exp.credential);
      else expect(ev.credential).toBeNull();
      if (exp.attributes) expect(ev.attributes).toMatchObject(exp.attributes);
      for (const key of exp.absent ?? []) expect(ev.attributes).not.toHaveProperty(key);
      (exp.more ?? []).forEach((m, i) => {
        const next = events[i + 1]!;
        expect([next.event_id, next.action, next.subject.id]).toEqual([`${logId(exp.n)}#${i + 2}`, m.action, m.subject_id]);
      });
    });
  }

  it('never keeps credentials, passwords or tokens (the fixtures carry several)', () => {
    const everything = JSON.stringify(normalize(JSON.stringify(fixtureFiles.map((f) => fixture(f.replace(/\.json$/, ''))))));
    for (const secret of [
      'JTI-SECRET-MUST-NOT-LEAK',
      'ATJTI-MUST-NOT-LEAK',
      'ROTATED-SECRET-MUST-NOT-LEAK',
      'hunter2-PLAINTEXT',
      'NEW-PLAINTEXT-PASSWORD',
      'ADMIN-SET-PLAINTEXT',
      'INITIAL-PLAINTEXT',
      'SCIM-PLAINTEXT-PASSWORD',
      '"jti"',
      'password":',
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('Auth0 content formats', () => {
  const records = [fixture('s'), fixture('sapi.delete-user'), fixture('seccft')];
  const expectedIds = [logId(1), logId(15), logId(25)];

  it('reads JSONARRAY, JSONLINES and JSONOBJECT from the body, whatever the Content-Type', () => {
    const array = JSON.stringify(records);
    const lines = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const crlf = records.map((r) => JSON.stringify(r)).join('\r\n');
    const object = JSON.stringify(records[0]);
    expect(parseAuth0Body(Buffer.from(array))).toMatchObject({ ok: true, format: 'JSONARRAY' });
    expect(parseAuth0Body(Buffer.from(lines))).toMatchObject({ ok: true, format: 'JSONLINES' });
    expect(parseAuth0Body(Buffer.from(object))).toMatchObject({ ok: true, format: 'JSONOBJECT' });
    expect(normalize(array).events.map((e) => e.event_id)).toEqual(expectedIds);
    expect(normalize(lines).events.map((e) => e.event_id)).toEqual(expectedIds);
    expect(normalize(crlf).events.map((e) => e.event_id)).toEqual(expectedIds);
    expect(normalize('\ufeff' + object).events.map((e) => e.event_id)).toEqual([logId(1)]);
  });

  it('maps the other records of a delivery and rejects each bad one with a reason naming the field', () => {
    const noType = { log_id: 'L-notype', data: { date: '2025-03-01T11:00:00.000Z' } };
    const badDate = { log_id: 'L-baddate', data: { ...fixture('fp').data, date: '01/03/2025' } };
    const noUser = { log_id: 'L-nouser', data: { type: 'sdu', date: '2025-03-01T11:00:00.000Z', tenant_name: 'acme-prod' } };
    const noData = { log_id: 'L-nodata' };
    const noId = { data: { type: 's', date: '2025-03-01T11:00:00.000Z', user_id: 'auth0|x' } };
    const out = normalize(JSON.stringify([records[0], noType, badDate, noUser, 'junk', noData, noId, records[2]]));
    expect(out.events.map((e) => e.event_id)).toEqual([logId(1), logId(25)]);
    expect(out.rejected.map((r) => r.reason)).toEqual([
      '[1]: data.type: expected string, received undefined',
      '[2]: fp: data.date: expected ISO 8601 timestamp, received "01/03/2025"',
      '[3]: sdu: user_id: expected the id of the user concerned (nor user_name given)',
      '[4]: expected a log record object ({log_id, data}), received string',
      '[5]: data: expected object, received undefined',
      "[6]: s: log_id: expected the log's id (in the record or in data.log_id), received none",
    ]);
    expect(out.rejected[0]!.item).toEqual(noType);
  });

  it('rejects a JSONLINES line that is not JSON and keeps the others', () => {
    const body = `${JSON.stringify(records[0])}\n{"log_id": "broken", "data": \n${JSON.stringify(records[1])}\n`;
    const out = normalize(body);
    expect(out.events.map((e) => e.event_id)).toEqual([logId(1), logId(15)]);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]!.reason).toMatch(/^line 2: not valid JSON: /);
    expect(out.rejected[0]!.item).toBe('{"log_id": "broken", "data": ');
  });

  it('accepts a bare log (Management API /logs shape) and falls back to the received time without a date', () => {
    const bare = { ...fixture('slo').data };
    delete bare.date;
    const out = normalize(JSON.stringify([bare]));
    expect(out.rejected).toEqual([]);
    expect(out.events.map((e) => [e.event_id, e.occurred_at, e.attributes.occurred_at_from])).toEqual([
      [logId(5), RECEIVED, 'received_at'],
    ]);
    const direct = mapAuth0Log({ type: 's', user_id: 'auth0|x' }, { logId: 'L1' });
    expect(direct).toEqual({ ok: false, reason: 's: data.date: expected ISO 8601 timestamp, received none' });
  });

  it('throws a described error when nothing in the body is JSON; checkBody answers 400 for the same', () => {
    expect(() => normalize('')).toThrow('Auth0 body is empty: expected Auth0 log records (JSONARRAY, JSONLINES or JSONOBJECT)');
    expect(() => normalize('42')).toThrow(
      'Auth0 body: expected a JSON array, a JSON object or JSON lines of Auth0 log records, received number',
    );
    expect(() => normalize('{"log_id": ')).toThrow(/^Auth0 body is not valid JSON \(nor JSON lines\): /);
    expect(checkAuth0Body(Buffer.from('[]'))).toBeNull();
    expect(checkAuth0Body(Buffer.from('   '))).toBe('body is empty: expected Auth0 log records (JSONARRAY, JSONLINES or JSONOBJECT)');
    expect(checkAuth0Body(Buffer.from('"x"'))).toBe(
      'body: expected a JSON array, a JSON object or JSON lines of Auth0 log records, received string',
    );
    expect(checkAuth0Body(Buffer.from(`${JSON.stringify(records[0])}\nnot json`))).toBeNull();
  });
});

describe('Auth0 normalize: property', () => {
  const mutated = mutatedFixture(fx.all());
  const apiReq = fc.record(
    {
      method: fc.oneof(fc.constantFrom('get', 'post', 'patch', 'put', 'delete', 'PATCH'), fc.jsonValue()),
      path: fc.oneof(
        fc.constantFrom(
          '/api/v2/users',
          '/api/v2/users/auth0%7Cx',
          '/api/v2/users/%E0%A4%A/roles',
          '/api/v2/organizations/org_1/members',
          '/api/v2/clients/c1/rotate-secret',
          '/scim/v2/Users/u1',
          '/scim/v2/Groups/g1',
          '/scim/v2/Users',
        ),
        fc.string(),
        fc.jsonValue(),
      ),
      body: fc.oneof(
        fc.record(
          {
            blocked: fc.jsonValue(),
            members: fc.jsonValue(),
            roles: fc.jsonValue(),
            userName: fc.jsonValue(),
            Operations: fc.jsonValue({ maxDepth: 3 }),
            active: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );
  const logLike = fc.record(
    {
      type: fc.oneof(fc.constantFrom(...MAPPED_LOG_TYPES, 'w', 'gd_auth_succeed'), fc.string(), fc.jsonValue()),
      date: fc.oneof(
        fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString()),
        fc.string(),
        fc.jsonValue(),
      ),
      log_id: fc.oneof(fc.string(), fc.jsonValue()),
      user_id: fc.oneof(fc.string(), fc.jsonValue()),
      user_name: fc.oneof(fc.emailAddress(), fc.string(), fc.jsonValue()),
      client_id: fc.oneof(fc.string(), fc.jsonValue()),
      organization_id: fc.oneof(fc.string(), fc.jsonValue()),
      scope: fc.oneof(fc.string(), fc.array(fc.string()), fc.jsonValue()),
      details: fc.oneof(
        fc.record(
          {
            request: fc.oneof(apiReq, fc.jsonValue()),
            response: fc.jsonValue({ maxDepth: 2 }),
            prompts: fc.jsonValue({ maxDepth: 3 }),
            connection_id: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
    },
    { requiredKeys: [] },
  );
  const recordLike = fc.oneof(
    { weight: 4, arbitrary: mutated as fc.Arbitrary<unknown> },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.oneof(fc.string(), fc.jsonValue()), logLike)
        .map(([log_id, data]) => ({ log_id, data })) as fc.Arbitrary<unknown>,
    },
    { weight: 1, arbitrary: logLike as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.jsonValue() as fc.Arbitrary<unknown> },
  );
  const anyBody = fc.oneof(
    { weight: 4, arbitrary: fc.array(recordLike, { maxLength: 4 }).map((rs) => JSON.stringify(rs)) },
    {
      weight: 3,
      arbitrary: fc
        .array(
          fc.oneof(
            recordLike.map((r) => JSON.stringify(r)),
            fc.string(),
          ),
          { maxLength: 4 },
        )
        .map((ls) => ls.join('\n')),
    },
    { weight: 2, arbitrary: recordLike.map((r) => JSON.stringify(r)) },
    { weight: 1, arbitrary: fc.string() },
  );

  it('never throws anything but a described Error, and every event passes the schema', () => {
    assertNormalizeProperty({
      bodies: anyBody,
      normalize,
      complete,
      thrown: (message) => expect(message).toMatch(/^Auth0 body/),
      rejected: (rej) => expect(rej.reason).toMatch(/^(\[\d+\]|line \d+|\(body\)): .+/),
      numRuns: 1500,
    });
  });
});
