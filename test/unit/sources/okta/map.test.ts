import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MappedEvent } from '../../../../core/events/identity-event.ts';
import type { NormalizeOutcome } from '../../../../source-kit/source-module.ts';
import { okta } from '../../../../sources/okta/index.ts';
import { checkOktaBody } from '../../../../sources/okta/webhook.ts';
import { MAPPED_EVENT_TYPES, mapOktaLogEvent, oktaOrgHost } from '../../../../sources/okta/map.ts';
import {
  assertNormalizeProperty,
  completer,
  expectOneValidEvent,
  mutatedFixture,
  vendorFixtures,
  webhookInput,
} from '../../../helpers/map-cases.ts';

const fx = vendorFixtures('okta');
const fixtureFiles = fx.files;
const fixture = (name: string): Record<string, unknown> => fx.json(name);

const SOURCE = 'https://acme.okta.com/api/v1/eventHooks/whoABC0000000000';
const delivery = (events: unknown[]) => ({
  eventType: 'com.okta.event_hook',
  eventTypeVersion: '1.0',
  cloudEventsVersion: '0.1',
  contentType: 'application/json',
  eventId: 'b5a188b9-0000-4000-8000-000000000001',
  eventTime: '2025-03-01T10:59:00.000Z',
  source: SOURCE,
  data: { events },
});

function normalize(body: unknown): NormalizeOutcome {
  return okta.normalize(webhookInput(body));
}

const complete = completer('platform', 'okta');

function mapOne(name: string): MappedEvent {
  return expectOneValidEvent(complete, normalize(delivery([fixture(name)])));
}

const ADMIN = {
  kind: 'human',
  id: '00uADMIN0000000001',
  email: 'ada.admin@acme.example',
  ip: '203.0.113.5',
  user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Chrome/124.0',
  credential_id: null,
};
const LEAVER_ACTOR = { ...ADMIN, id: '00uLEAVER000000001', email: 'lee.ver@acme.example' };
const LEAVER = { kind: 'human', id: '00uLEAVER000000001', email: 'lee.ver@acme.example', name: 'Lee Ver' };

interface Expected {
  event_id: string;
  category: string;
  action: string;
  outcome: 'success' | 'failure' | null;
  subject: Record<string, unknown>;
  occurred_at: number;
  ocsf: [number | null, number | null];
  actor?: Record<string, unknown>;
  credential?: Record<string, unknown> | null;
  attributes?: Record<string, string>;
  absent?: string[];
}

const uuid = (n: number) => `f1d0b993-0000-11ee-0000-${String(n).padStart(12, '0')}`;
// published is 2025-03-01T10:MM:00.123Z; 2025-03-01T10:00:00.123Z = 1740823200123
const at = (minute: number) => 1740823200123 + minute * 60_000;

const CASES: Record<string, Expected> = {
  'user.lifecycle.create': {
    event_id: uuid(1),
    category: 'account',
    action: 'created',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(0),
    ocsf: [3001, 1],
    actor: ADMIN,
    attributes: {
      lifecycle: 'create',
      display_message: 'Create Okta user',
      request_uri: '/api/v1/users/00uLEAVER000000001/lifecycle',
      delivery_id: 'b5a188b9-0000-4000-8000-000000000001',
    },
  },
  'user.lifecycle.activate': {
    event_id: uuid(2),
    category: 'account',
    action: 'reactivated',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(1),
    ocsf: [3001, 2],
    attributes: { lifecycle: 'activate' },
  },
  'user.lifecycle.deactivate': {
    event_id: uuid(3),
    category: 'account',
    action: 'suspended',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(2),
    ocsf: [3001, 5],
    actor: ADMIN,
    attributes: { lifecycle: 'deactivate' },
  },
  'user.lifecycle.suspend': {
    event_id: uuid(4),
    category: 'account',
    action: 'suspended',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(3),
    ocsf: [3001, 5],
    attributes: { lifecycle: 'suspend' },
  },
  'user.lifecycle.unsuspend': {
    event_id: uuid(5),
    category: 'account',
    action: 'reactivated',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(4),
    ocsf: [3001, 2],
    attributes: { lifecycle: 'unsuspend' },
  },
  'user.lifecycle.delete.initiated': {
    event_id: uuid(6),
    category: 'account',
    action: 'deleted',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(5),
    ocsf: [3001, 6],
    attributes: { lifecycle: 'delete.initiated' },
  },
  'user.lifecycle.delete.completed': {
    event_id: uuid(7),
    category: 'account',
    action: 'deleted',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(6),
    ocsf: [3001, 6],
    actor: { ...ADMIN, kind: 'system', id: '0oaSYSTEM', email: 'system@okta.com' },
    attributes: { lifecycle: 'delete.completed', actor_type: 'SystemPrincipal' },
  },
  'user.lifecycle.deactivate.failure': {
    event_id: uuid(8),
    category: 'account',
    action: 'failed',
    outcome: 'failure',
    subject: LEAVER,
    occurred_at: at(7),
    ocsf: [3001, 5],
    attributes: { lifecycle: 'deactivate', attempted_action: 'suspended', outcome_reason: 'INSUFFICIENT_PERMISSIONS' },
  },
  'user.session.start': {
    event_id: uuid(9),
    category: 'session',
    action: 'succeeded',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(10),
    ocsf: [3002, 1],
    actor: LEAVER_ACTOR,
    attributes: {
      credential_type: 'PASSWORD',
      authentication_provider: 'OKTA_AUTHENTICATION_PROVIDER',
      session_id: '102SESSIONabc',
      legacy_event_type: 'core.user_auth.login_success',
    },
  },
  'user.session.start.failure': {
    event_id: uuid(10),
    category: 'authentication',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'human', id: 'ghost@acme.example', email: 'ghost@acme.example', name: null },
    occurred_at: at(11),
    ocsf: [3002, 1],
    actor: { ...ADMIN, id: null, email: 'ghost@acme.example' },
    attributes: { subject_from: 'alternate_id', outcome_reason: 'VERIFICATION_ERROR', credential_type: 'PASSWORD' },
    absent: ['session_id', 'actor_display_name'],
  },
  'user.session.end': {
    event_id: uuid(11),
    category: 'session',
    action: 'ended',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(12),
    ocsf: [3002, 2],
    actor: LEAVER_ACTOR,
  },
  'user.authentication.sso': {
    event_id: uuid(12),
    category: 'authentication',
    action: 'succeeded',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(13),
    ocsf: [3002, 1],
    attributes: { auth_method: 'sso', app_instance_id: '0oaAPPSALESFORCE01', app_name: 'Salesforce.com' },
    absent: ['mfa'],
  },
  'user.authentication.auth_via_mfa': {
    event_id: uuid(13),
    category: 'authentication',
    action: 'failed',
    outcome: 'failure',
    subject: LEAVER,
    occurred_at: at(14),
    ocsf: [3002, 1],
    attributes: {
      auth_method: 'mfa',
      mfa: 'true',
      credential_type: 'OTP',
      authentication_provider: 'FACTOR_PROVIDER',
      outcome_reason: 'INVALID_CREDENTIALS',
    },
  },
  'group.user_membership.add': {
    event_id: uuid(14),
    category: 'membership',
    action: 'added',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(20),
    ocsf: [3006, 3],
    attributes: { group_id: '00gENGINEERING0001', group_name: 'Engineering' },
  },
  'group.user_membership.remove': {
    event_id: uuid(15),
    category: 'membership',
    action: 'removed',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(21),
    ocsf: [3006, 4],
    attributes: { group_id: '00gENGINEERING0001' },
  },
  'application.user_membership.add': {
    event_id: uuid(16),
    category: 'membership',
    action: 'added',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(22),
    ocsf: [3005, 1],
    attributes: { app_instance_id: '0oaAPPSALESFORCE01', app_name: 'Salesforce.com', app_user_id: '0uaAPPUSER00000001' },
    absent: ['subject_from'],
  },
  'application.user_membership.remove': {
    event_id: uuid(17),
    category: 'membership',
    action: 'removed',
    outcome: 'success',
    subject: { kind: 'human', id: '0uaAPPUSER00000001', email: 'lee.ver@acme.example', name: 'Lee Ver' },
    occurred_at: at(23),
    ocsf: [3005, 2],
    attributes: { subject_from: 'app_user', app_instance_id: '0oaAPPSALESFORCE01' },
  },
  'user.account.privilege.grant': {
    event_id: uuid(18),
    category: 'role',
    action: 'added',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(24),
    ocsf: [3005, 1],
    attributes: { privilege: 'Super administrator' },
  },
  'user.account.privilege.revoke': {
    event_id: uuid(19),
    category: 'role',
    action: 'removed',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(25),
    ocsf: [3005, 2],
    attributes: { privilege: 'Super administrator' },
  },
  'system.api_token.create': {
    event_id: uuid(20),
    category: 'credential',
    action: 'created',
    outcome: 'success',
    subject: { kind: 'api_key', id: '00TTOKEN0000000001', email: null, name: 'ci-pipeline' },
    occurred_at: at(30),
    ocsf: [3004, 1],
    actor: LEAVER_ACTOR,
    credential: {
      id: '00TTOKEN0000000001',
      kind: 'idp_api_token',
      owner_id: '00uLEAVER000000001',
      owner_kind: 'human',
      scopes: [],
      created_at: at(30),
      last_used_at: null,
    },
    attributes: { credential_kind: 'idp_api_token', token_name: 'ci-pipeline', owner_from: 'actor' },
  },
  'system.api_token.revoke': {
    event_id: uuid(21),
    category: 'credential',
    action: 'revoked',
    outcome: 'success',
    subject: { kind: 'api_key', id: '00TTOKEN0000000001', email: null, name: 'ci-pipeline' },
    occurred_at: at(31),
    ocsf: [3004, 4],
    actor: ADMIN,
    credential: {
      id: '00TTOKEN0000000001',
      kind: 'idp_api_token',
      owner_id: null,
      owner_kind: null,
      scopes: [],
      created_at: null,
      last_used_at: null,
    },
  },
  'app.oauth2.credentials.lifecycle.create': {
    event_id: uuid(22),
    category: 'credential',
    action: 'created',
    outcome: 'success',
    subject: { kind: 'api_key', id: 'ocsSECRET000000001', email: null, name: 'ocsSECRET000000001' },
    occurred_at: at(40),
    ocsf: [3004, 1],
    credential: {
      id: 'ocsSECRET000000001',
      kind: 'oauth_secret',
      owner_id: '0oaSERVICEAPP00001',
      owner_kind: 'oauth_client',
      scopes: [],
      created_at: at(40),
      last_used_at: null,
    },
    attributes: {
      credential_kind: 'oauth_secret',
      credential_type: 'ClientSecret',
      client_id: '0oaSERVICEAPP00001',
      client_name: 'Reporting Bot',
    },
  },
  'app.oauth2.credentials.lifecycle.deactivate': {
    event_id: uuid(23),
    category: 'credential',
    action: 'revoked',
    outcome: 'success',
    subject: { kind: 'api_key', id: 'ocsSECRET000000001', email: null, name: 'ocsSECRET000000001' },
    occurred_at: at(41),
    ocsf: [3004, 11],
    credential: {
      id: 'ocsSECRET000000001',
      kind: 'oauth_secret',
      owner_id: '0oaSERVICEAPP00001',
      owner_kind: 'oauth_client',
      scopes: [],
      created_at: null,
      last_used_at: null,
    },
  },
  'app.oauth2.client.read_client_secret': {
    event_id: uuid(24),
    category: 'credential',
    action: 'used',
    outcome: 'success',
    subject: { kind: 'api_key', id: '0oaSERVICEAPP00001:client_secret', email: null, name: 'Reporting Bot' },
    occurred_at: at(42),
    ocsf: [3004, 2],
    credential: {
      id: '0oaSERVICEAPP00001:client_secret',
      kind: 'oauth_secret',
      owner_id: '0oaSERVICEAPP00001',
      owner_kind: 'oauth_client',
      scopes: [],
      created_at: null,
      last_used_at: null,
    },
    attributes: { usage: 'secret_read', credential_id_from: 'client' },
  },
  'user.account.update_profile': {
    event_id: uuid(25),
    category: 'other',
    action: 'other',
    outcome: 'success',
    subject: LEAVER,
    occurred_at: at(50),
    ocsf: [null, null],
    attributes: { target_type: 'User', subject_from: 'target' },
  },
};

describe('Okta mapping per event type (hook delivery of one event)', () => {
  it('has a literal case for every fixture', () => {
    expect(
      Object.keys(CASES)
        .map((k) => `${k}.json`)
        .sort(),
    ).toEqual(fixtureFiles);
  });

  for (const [name, exp] of Object.entries(CASES)) {
    it(name, () => {
      const ev = mapOne(name);
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
        plane_keys: ev.plane_keys,
      }).toEqual({
        event_id: exp.event_id,
        tenant_id: 'acme.okta.com',
        category: exp.category,
        action: exp.action,
        outcome: exp.outcome,
        subject: exp.subject,
        occurred_at: exp.occurred_at,
        ocsf: exp.ocsf,
        vendor_type: fixture(name).eventType,
        plane_keys: { organization_id: 'acme.okta.com' },
      });
      if (exp.actor) expect(ev.actor).toEqual(exp.actor);
      if (exp.credential !== undefined) expect(ev.credential).toEqual(exp.credential);
      else expect(ev.credential).toBeNull();
      if (exp.attributes) expect(ev.attributes).toMatchObject(exp.attributes);
      for (const key of exp.absent ?? []) expect(ev.attributes).not.toHaveProperty(key);
    });
  }

  it('never copies debugData wholesale or query strings (a client secret and a session token are in the fixtures)', () => {
    const all = JSON.stringify(fixtureFiles.map((f) => normalize(delivery([fixture(f.replace(/\.json$/, ''))]))));
    expect(all).not.toContain('PLAINTEXT-SECRET-MUST-NOT-LEAK');
    expect(all).not.toContain('sessionToken');
    expect(all).not.toContain('SECRET1');
  });
});

describe('Okta deliveries and pages', () => {
  it('maps every event of a multi-event delivery and rejects only the bad one, naming the field', () => {
    const noUuid = fixture('user.lifecycle.suspend');
    delete noUuid.uuid;
    const badTime = { ...fixture('user.lifecycle.unsuspend'), published: 'yesterday' };
    const noUser = { ...fixture('user.lifecycle.create'), target: [{ id: '00gX', type: 'UserGroup' }] };
    const out = normalize(
      delivery([
        fixture('user.lifecycle.deactivate'),
        noUuid,
        fixture('user.session.start'),
        badTime,
        noUser,
        'junk',
        fixture('system.api_token.revoke'),
      ]),
    );
    expect(out.events.map((e) => [e.event_id, e.category, e.action])).toEqual([
      [uuid(3), 'account', 'suspended'],
      [uuid(9), 'session', 'succeeded'],
      [uuid(21), 'credential', 'revoked'],
    ]);
    expect(out.rejected.map((r) => r.reason)).toEqual([
      'data.events[1]: uuid: expected string, received undefined',
      'data.events[3]: user.lifecycle.unsuspend: published: expected ISO 8601 timestamp, received "yesterday"',
      'data.events[4]: user.lifecycle.create: target: expected an entry of type "User" with an id',
      'data.events[5]: (body): expected object, received string',
    ]);
    expect(out.rejected[0]!.item).toEqual(noUuid);
  });

  it('maps a System Log API page (a JSON array) the same way, without an org from the envelope', () => {
    const out = normalize([fixture('user.lifecycle.deactivate'), { eventType: 'user.session.start' }]);
    expect(out.events.map((e) => [e.event_id, e.action, e.tenant_id])).toEqual([[uuid(3), 'suspended', null]]);
    expect(out.rejected.map((r) => r.reason)).toEqual([
      '(page)[1]: uuid: expected string, received undefined; published: expected string, received undefined',
    ]);
  });

  it('takes the org from an absolute debugData url when nothing else names it', () => {
    const ev = {
      ...fixture('user.lifecycle.create'),
      debugContext: { debugData: { url: 'https://Acme-Admin.okta.com/api/v1/users?activate=true' } },
    };
    const r = mapOktaLogEvent(ev);
    expect(r.ok && r.events[0]!.tenant_id).toBe('acme-admin.okta.com');
    const viaCtx = mapOktaLogEvent(fixture('user.lifecycle.create'), { org: 'https://acme.okta.com' });
    expect(viaCtx.ok && viaCtx.events[0]!.tenant_id).toBe('acme.okta.com');
  });

  it('reads the org host from the hook source', () => {
    expect(oktaOrgHost('https://acme.okta.com/api/v1/eventHooks/who1')).toBe('acme.okta.com');
    expect(oktaOrgHost('ACME.oktapreview.com')).toBe('acme.oktapreview.com');
    expect(oktaOrgHost('not a url')).toBeNull();
    expect(oktaOrgHost('ftp://acme.okta.com')).toBeNull();
    expect(oktaOrgHost(42)).toBeNull();
  });

  it('uses the API token that made a call as the actor credential', () => {
    const ev = {
      ...fixture('user.lifecycle.deactivate'),
      transaction: { type: 'WEB', id: 'T1', detail: { requestApiTokenId: '00TAUTOMATION0001' } },
    };
    const r = mapOktaLogEvent(ev);
    expect(r.ok && r.events[0]!.actor?.credential_id).toBe('00TAUTOMATION0001');
  });

  it('throws a described error for a body that is not a delivery, and checkBody answers 400 for it', () => {
    expect(() => normalize('{"data": ')).toThrow(/^Okta body is not valid JSON: /);
    expect(() => normalize({ data: {} })).toThrow('Okta event hook delivery is invalid: data.events: expected array, received undefined');
    expect(() => normalize('"text"')).toThrow(
      'Okta event hook delivery is invalid (received string): (body): expected object, received string',
    );
    expect(checkOktaBody(Buffer.from(JSON.stringify(delivery([]))))).toBeNull();
    expect(checkOktaBody(Buffer.from('[]'))).toBe('body: expected a JSON object (an Okta event hook delivery), received array');
    expect(checkOktaBody(Buffer.from('{"data":{"events":{}}}'))).toBe('data.events: expected array of LogEvents, received object');
    expect(checkOktaBody(Buffer.from('{"eventType":"com.okta.event_hook"}'))).toBe(
      'data: expected object holding events[], received undefined',
    );
    expect(checkOktaBody(Buffer.from('{'))).toMatch(/^body is not valid JSON: /);
  });
});

describe('Okta normalize: property', () => {
  const knownTypes = [
    ...MAPPED_EVENT_TYPES,
    'user.authentication.sso',
    'user.authentication.auth_via_IDP',
    'app.oauth2.client_secret.rotate',
  ];
  const mutatedEvent = mutatedFixture(fx.all());
  const targetLike = fc.record(
    {
      id: fc.oneof(fc.string(), fc.jsonValue()),
      type: fc.oneof(fc.constantFrom('User', 'AppUser', 'AppInstance', 'Token', 'UserGroup', 'ClientSecret'), fc.jsonValue()),
      alternateId: fc.oneof(fc.emailAddress(), fc.jsonValue()),
      displayName: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  const eventLike = fc.record(
    {
      uuid: fc.oneof(fc.uuid(), fc.jsonValue()),
      eventType: fc.oneof(fc.constantFrom(...knownTypes), fc.string(), fc.jsonValue()),
      published: fc.oneof(
        fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString()),
        fc.string(),
        fc.jsonValue(),
      ),
      actor: fc.oneof(targetLike, fc.jsonValue()),
      target: fc.oneof(fc.array(fc.oneof(targetLike, fc.jsonValue()), { maxLength: 3 }), fc.jsonValue()),
      outcome: fc.oneof(
        fc.record({ result: fc.constantFrom('SUCCESS', 'FAILURE', 'DENY', 'ALLOW', 'CHALLENGE', 'UNKNOWN') }),
        fc.jsonValue(),
      ),
      client: fc.jsonValue({ maxDepth: 3 }),
      authenticationContext: fc.jsonValue({ maxDepth: 2 }),
      debugContext: fc.jsonValue({ maxDepth: 3 }),
      transaction: fc.jsonValue({ maxDepth: 3 }),
    },
    { requiredKeys: [] },
  );
  const anyEvent = fc.oneof(
    { weight: 5, arbitrary: mutatedEvent },
    { weight: 3, arbitrary: eventLike as fc.Arbitrary<unknown> },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
  const anyBody = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(fc.array(anyEvent, { maxLength: 4 }), fc.oneof(fc.constant(SOURCE), fc.string(), fc.jsonValue()))
        .map(([events, source]) => JSON.stringify({ ...delivery(events), source })),
    },
    { weight: 2, arbitrary: fc.array(anyEvent, { maxLength: 3 }).map((events) => JSON.stringify(events)) },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string() },
  );

  it('never throws anything but a described Error, and every event passes the schema', () => {
    assertNormalizeProperty({
      bodies: anyBody,
      normalize,
      complete,
      thrown: (message) => expect(message).toMatch(/^Okta (body is not valid JSON|event hook delivery is invalid)/),
      rejected: (rej) => expect(rej.reason).toMatch(/^(data\.events|\(page\))\[\d+\]: .+/),
      numRuns: 1500,
    });
  });
});
