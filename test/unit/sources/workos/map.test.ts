import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MappedEvent } from '../../../../core/events/identity-event.ts';
import type { NormalizeOutcome } from '../../../../source-kit/source-module.ts';
import { workos } from '../../../../sources/workos/index.ts';
import { MAPPED_EVENT_TYPES } from '../../../../sources/workos/map.ts';
import {
  assertNormalizeProperty,
  completer,
  expectOneValidEvent,
  mutateJson,
  jsonEdits,
  vendorFixtures,
  webhookInput,
  type Json,
} from '../../../helpers/map-cases.ts';

const fx = vendorFixtures('workos');
const fixtureFiles = fx.files;
const fixtureText = (file: string): string => fx.read(file);
const fixtureJson = (file: string): Record<string, unknown> => JSON.parse(fixtureText(file)) as Record<string, unknown>;

const ORG = 'org_01HZXACMECUSTOMER000000001';
const DIR = 'directory_01HZXACMEOKTA0000000001';
const CONN = 'conn_01HZXACMESAML00000000001';

function normalize(body: string | Buffer, receivedAt = 1_750_000_000_000): NormalizeOutcome {
  return workos.normalize(webhookInput(body, receivedAt));
}

/** What the normalizer adds before validating; plane_keys is mapper-to-normalizer only. */
const complete = completer('application', 'workos');

function mapFixture(file: string): MappedEvent {
  return expectOneValidEvent(complete, normalize(fixtureText(file)));
}

interface Expected {
  event_id: string;
  category: string;
  action: string;
  kind: string;
  id: string;
  email: string | null;
  tenant: string | null;
  outcome: 'success' | 'failure' | null;
  occurred_at: number;
  ocsf: [number | null, number | null];
  attributes?: Record<string, string>;
  absentAttributes?: string[];
  directory_id?: string | null;
  connection_ref?: string | null;
  name?: string | null;
  actor?: Record<string, unknown> | null;
  credential?: Record<string, unknown> | null;
}

const CASES: Record<string, Expected> = {
  'dsync.activated.json': {
    event_id: 'event_01HZX00000000000000000DA01',
    category: 'connection',
    action: 'activated',
    kind: 'directory',
    id: DIR,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1738400400500,
    ocsf: [3004, 10],
    directory_id: DIR,
    name: 'Acme Customer Okta',
    attributes: { directory_type: 'okta scim v2.0', state: 'active' },
  },
  'dsync.deleted.json': {
    event_id: 'event_01HZX00000000000000000DD01',
    category: 'connection',
    action: 'deleted',
    kind: 'directory',
    id: DIR,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1751305500000,
    ocsf: [3004, 4],
    directory_id: DIR,
    attributes: { state: 'deleting' },
  },
  'dsync.user.created.json': {
    event_id: 'event_01HZX00000000000000000UC01',
    category: 'account',
    action: 'created',
    kind: 'human',
    id: 'directory_user_01HZXNEWHIRE000000000001',
    email: 'new.hire@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1736929800250,
    ocsf: [3001, 1],
    directory_id: DIR,
    name: 'Nia Hire',
    attributes: { state: 'active', idp_id: '00u1abcNEWHIRE', role: 'member', directory_id: DIR, organization_id: ORG },
    actor: null,
  },
  'dsync.user.updated.json': {
    event_id: 'event_01HZX0000000000000000000AA',
    category: 'account',
    action: 'suspended',
    kind: 'human',
    id: 'directory_user_01HZXLEAVER0000000000001',
    email: 'leaver@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1740823201123,
    ocsf: [3001, 5],
    directory_id: DIR,
    attributes: { state: 'inactive', previous_state: 'active', state_change: 'explicit' },
  },
  'dsync.user.updated--inactive-no-previous-state.json': {
    event_id: 'event_01HZX00000000000000000UU02',
    category: 'account',
    action: 'suspended',
    kind: 'human',
    id: 'directory_user_01HZXLEAVER0000000000002',
    email: 'second.leaver@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1740913200900,
    ocsf: [3001, 5],
    directory_id: DIR,
    attributes: { state: 'inactive', state_change: 'inferred' },
    absentAttributes: ['previous_state'],
  },
  'dsync.user.updated--reactivated.json': {
    event_id: 'event_01HZX00000000000000000UU03',
    category: 'account',
    action: 'reactivated',
    kind: 'human',
    id: 'directory_user_01HZXLEAVER0000000000001',
    email: 'leaver@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1741166100400,
    ocsf: [3001, 2],
    directory_id: DIR,
    attributes: { state: 'active', previous_state: 'inactive', state_change: 'explicit' },
  },
  'dsync.user.updated--profile-change.json': {
    event_id: 'event_01HZX00000000000000000UU04',
    category: 'account',
    action: 'updated',
    kind: 'human',
    id: 'directory_user_01HZXNEWHIRE000000000001',
    email: 'new.hire@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1743508800000,
    ocsf: [3001, 99],
    directory_id: DIR,
    name: 'Nia Hire-Smith',
    attributes: { state: 'active' },
    absentAttributes: ['state_change', 'previous_state'],
  },
  'dsync.user.deleted.json': {
    event_id: 'event_01HZX00000000000000000UD01',
    category: 'account',
    action: 'deleted',
    kind: 'human',
    id: 'directory_user_01HZXLEAVER0000000000003',
    email: 'departed@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1741623600750,
    ocsf: [3001, 6],
    directory_id: DIR,
  },
  'dsync.group.user_added.json': {
    event_id: 'event_01HZX00000000000000000GA01',
    category: 'membership',
    action: 'added',
    kind: 'human',
    id: 'directory_user_01HZXNEWHIRE000000000001',
    email: 'new.hire@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1736929860000,
    ocsf: [3006, 3],
    directory_id: DIR,
    attributes: { group_id: 'directory_group_01HZXENGINEERS000000001', group_name: 'Engineering', group_idp_id: '00g1engineers' },
  },
  'dsync.group.user_removed.json': {
    event_id: 'event_01HZX00000000000000000GR01',
    category: 'membership',
    action: 'removed',
    kind: 'human',
    id: 'directory_user_01HZXNEWHIRE000000000001',
    email: 'new.hire@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1747749600000,
    ocsf: [3006, 4],
    directory_id: DIR,
    attributes: { group_id: 'directory_group_01HZXENGINEERS000000001', group_name: 'Engineering' },
  },
  'dsync.group.created.json': {
    event_id: 'event_01HZX00000000000000000GC01',
    category: 'other',
    action: 'created',
    kind: 'group',
    id: 'directory_group_01HZXENGINEERS000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1735776000300,
    ocsf: [3006, 6],
    directory_id: DIR,
    name: 'Engineering',
  },
  'dsync.group.updated.json': {
    event_id: 'event_01HZX00000000000000000GU01',
    category: 'other',
    action: 'updated',
    kind: 'group',
    id: 'directory_group_01HZXENGINEERS000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1739181600200,
    ocsf: [3006, 99],
    directory_id: DIR,
    name: 'Platform Engineering',
  },
  'dsync.group.deleted.json': {
    event_id: 'event_01HZX00000000000000000GD01',
    category: 'other',
    action: 'deleted',
    kind: 'group',
    id: 'directory_group_01HZXENGINEERS000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1748736000000,
    ocsf: [3006, 5],
    directory_id: DIR,
  },
  'dsync.token.created.json': {
    event_id: 'event_01HZX00000000000000000TC01',
    category: 'credential',
    action: 'created',
    kind: 'api_key',
    id: 'directory_token_01HZXSCIMTOKEN00000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1735732800100,
    ocsf: [3004, 1],
    directory_id: DIR,
    credential: {
      id: 'directory_token_01HZXSCIMTOKEN00000001',
      kind: 'scim_token',
      owner_id: DIR,
      owner_kind: 'directory',
      scopes: [],
      created_at: 1735732800000,
      last_used_at: null,
    },
    actor: { kind: 'human', id: 'user_01HZXCUSTOMERADMIN00001', email: null, ip: null, user_agent: null, credential_id: null },
    attributes: { actor_source: 'admin_portal' },
  },
  'dsync.token.revoked.json': {
    event_id: 'event_01HZX00000000000000000TR01',
    category: 'credential',
    action: 'revoked',
    kind: 'api_key',
    id: 'directory_token_01HZXSCIMTOKEN00000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1743494400000,
    ocsf: [3004, 4],
    directory_id: DIR,
  },
  'connection.activated.json': {
    event_id: 'event_01HZX00000000000000000CA01',
    category: 'connection',
    action: 'activated',
    kind: 'connection',
    id: CONN,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1735894800100,
    ocsf: [3004, 10],
    connection_ref: CONN,
    name: 'Acme Customer SAML',
    attributes: { connection_type: 'OktaSAML', state: 'active', status: 'linked' },
  },
  'connection.deactivated.json': {
    event_id: 'event_01HZX00000000000000000CD01',
    category: 'connection',
    action: 'deactivated',
    kind: 'connection',
    id: CONN,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1746090000100,
    ocsf: [3004, 11],
    connection_ref: CONN,
    attributes: { state: 'inactive' },
  },
  'connection.deleted.json': {
    event_id: 'event_01HZX00000000000000000CX01',
    category: 'connection',
    action: 'deleted',
    kind: 'connection',
    id: CONN,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1746176400000,
    ocsf: [3004, 4],
    connection_ref: CONN,
  },
  'connection.saml_certificate_renewal_required.json': {
    event_id: 'event_01HZX00000000000000000SR01',
    category: 'credential',
    action: 'updated',
    kind: 'connection',
    id: CONN,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1751328000000,
    ocsf: [3004, 3],
    connection_ref: CONN,
    credential: {
      id: `${CONN}:ResponseSigning`,
      kind: 'saml_certificate',
      owner_id: CONN,
      owner_kind: 'connection',
      scopes: [],
      created_at: null,
      last_used_at: null,
    },
    attributes: {
      certificate_event: 'renewal_required',
      certificate_type: 'ResponseSigning',
      expiry_date: '2025-09-01T00:00:00.000Z',
      is_expired: 'false',
      days_until_expiry: '62',
    },
  },
  'connection.saml_certificate_renewed.json': {
    event_id: 'event_01HZX00000000000000000SN01',
    category: 'credential',
    action: 'updated',
    kind: 'connection',
    id: CONN,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1752573600500,
    ocsf: [3004, 3],
    connection_ref: CONN,
    attributes: { certificate_event: 'renewed', renewed_at: '2025-07-15T10:00:00.000Z' },
  },
  'authentication.sso_succeeded.json': {
    event_id: 'event_01HZX00000000000000000AS01',
    category: 'authentication',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: 'member@customer.example',
    tenant: ORG,
    outcome: 'success',
    occurred_at: 1740987912000,
    ocsf: [3002, 1],
    connection_ref: CONN,
    attributes: { auth_method: 'sso', sso_connection_id: CONN, sso_session_id: 'saml_session_01HZX0000000000001' },
    absentAttributes: ['mfa'],
    actor: {
      kind: 'human',
      id: 'user_01HZXAPPMEMBER000000001',
      email: 'member@customer.example',
      ip: '203.0.113.10',
      user_agent: 'Mozilla/5.0 (placeholder)',
      credential_id: null,
    },
  },
  'authentication.sso_failed.json': {
    event_id: 'event_01HZX00000000000000000AF01',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: 'member@customer.example',
    tenant: ORG,
    outcome: 'failure',
    occurred_at: 1740987600000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'sso', error_code: 'sso_failed' },
  },
  'authentication.sso_timed_out.json': {
    event_id: 'event_01HZX00000000000000000AT01',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: 'member@customer.example',
    tenant: ORG,
    outcome: 'failure',
    occurred_at: 1740987300000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'sso', failure_reason: 'timed_out' },
  },
  'authentication.password_succeeded.json': {
    event_id: 'event_01HZX00000000000000000AP01',
    category: 'authentication',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXPASSWORDUSER00001',
    email: 'pat.password@customer.example',
    tenant: null,
    outcome: 'success',
    occurred_at: 1741075200000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'password' },
  },
  'authentication.password_failed.json': {
    event_id: 'event_01HZX00000000000000000AP02',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'unknown.person@customer.example',
    email: 'unknown.person@customer.example',
    tenant: null,
    outcome: 'failure',
    occurred_at: 1741075260000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'password', subject_from: 'email', error_code: 'invalid_credentials' },
  },
  'authentication.oauth_succeeded.json': {
    event_id: 'event_01HZX00000000000000000AO01',
    category: 'authentication',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXOAUTHUSER00000001',
    email: 'oauth.user@customer.example',
    tenant: null,
    outcome: 'success',
    occurred_at: 1741078800000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'oauth' },
  },
  'authentication.oauth_failed.json': {
    event_id: 'event_01HZX00000000000000000AO02',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'user_01HZXOAUTHUSER00000001',
    email: 'oauth.user@customer.example',
    tenant: null,
    outcome: 'failure',
    occurred_at: 1741078860000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'oauth' },
  },
  'authentication.magic_auth_succeeded.json': {
    event_id: 'event_01HZX00000000000000000AM01',
    category: 'authentication',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXMAGICUSER00000001',
    email: 'magic.user@customer.example',
    tenant: null,
    outcome: 'success',
    occurred_at: 1741082400000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'magic_auth' },
  },
  'authentication.magic_auth_failed.json': {
    event_id: 'event_01HZX00000000000000000AM02',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'user_01HZXMAGICUSER00000001',
    email: 'magic.user@customer.example',
    tenant: null,
    outcome: 'failure',
    occurred_at: 1741082460000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'magic_auth' },
  },
  'authentication.passkey_succeeded.json': {
    event_id: 'event_01HZX00000000000000000AK01',
    category: 'authentication',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXPASSKEYUSER000001',
    email: 'key.user@customer.example',
    tenant: null,
    outcome: 'success',
    occurred_at: 1741086000000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'passkey' },
  },
  'authentication.passkey_failed.json': {
    event_id: 'event_01HZX00000000000000000AK02',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'user_01HZXPASSKEYUSER000001',
    email: 'key.user@customer.example',
    tenant: null,
    outcome: 'failure',
    occurred_at: 1741086060000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'passkey' },
  },
  'authentication.mfa_succeeded.json': {
    event_id: 'event_01HZX00000000000000000AX01',
    category: 'authentication',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXPASSWORDUSER00001',
    email: 'pat.password@customer.example',
    tenant: null,
    outcome: 'success',
    occurred_at: 1741075205000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'mfa', mfa: 'true' },
  },
  'authentication.mfa_failed.json': {
    event_id: 'event_01HZX00000000000000000AX02',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'user_01HZXPASSWORDUSER00001',
    email: 'pat.password@customer.example',
    tenant: null,
    outcome: 'failure',
    occurred_at: 1741075204000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'mfa', mfa: 'true' },
  },
  'authentication.email_verification_succeeded.json': {
    event_id: 'event_01HZX00000000000000000AE01',
    category: 'authentication',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXNEWSIGNUP00000001',
    email: 'new.signup@customer.example',
    tenant: null,
    outcome: 'success',
    occurred_at: 1741089600000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'email_verification' },
  },
  'authentication.radar_risk_detected.json': {
    event_id: 'event_01HZX00000000000000000AR01',
    category: 'authentication',
    action: 'failed',
    kind: 'human',
    id: 'user_01HZXPASSWORDUSER00001',
    email: 'pat.password@customer.example',
    tenant: null,
    outcome: 'failure',
    occurred_at: 1741093200000,
    ocsf: [3002, 1],
    attributes: { auth_method: 'password', failure_reason: 'radar_risk_detected', radar_action: 'login', radar_control: 'bot_detection' },
    absentAttributes: ['blocklist_type'],
  },
  'session.created.json': {
    event_id: 'event_01HZX00000000000000000SC01',
    category: 'session',
    action: 'succeeded',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: null,
    tenant: ORG,
    outcome: 'success',
    occurred_at: 1740987913200,
    ocsf: [3002, 1],
    attributes: { session_id: 'session_01HZXSESSION000000000001', auth_method: 'sso', status: 'active' },
    absentAttributes: ['impersonated'],
    actor: {
      kind: 'human',
      id: 'user_01HZXAPPMEMBER000000001',
      email: null,
      ip: '203.0.113.10',
      user_agent: 'Mozilla/5.0 (placeholder)',
      credential_id: null,
    },
  },
  'session.revoked.json': {
    event_id: 'event_01HZX00000000000000000SV01',
    category: 'session',
    action: 'ended',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1741024800300,
    ocsf: [3002, 2],
    attributes: {
      status: 'revoked',
      impersonated: 'true',
      impersonator_email: 'support.agent@acme.example',
      ended_at: '2025-03-03T18:00:00.000Z',
    },
    actor: {
      kind: 'human',
      id: null,
      email: 'support.agent@acme.example',
      ip: '203.0.113.10',
      user_agent: 'Mozilla/5.0 (placeholder)',
      credential_id: null,
    },
  },
  'user.created.json': {
    event_id: 'event_01HZX00000000000000000XC01',
    category: 'account',
    action: 'created',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: 'member@customer.example',
    tenant: null,
    outcome: null,
    occurred_at: 1738368000400,
    ocsf: [3001, 1],
    name: 'Mem Ber',
    attributes: { email_verified: 'true', external_id: 'ext-user-0001' },
  },
  'user.updated.json': {
    event_id: 'event_01HZX00000000000000000XU01',
    category: 'account',
    action: 'updated',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: 'member@customer.example',
    tenant: null,
    outcome: null,
    occurred_at: 1741219200100,
    ocsf: [3001, 99],
    name: 'Mem Berg',
    attributes: { last_sign_in_at: '2025-03-03T07:45:12.000Z', actor_source: 'api' },
    actor: { kind: 'api_key', id: 'user_01HZXAPPMEMBER000000001', email: null, ip: null, user_agent: null, credential_id: null },
  },
  'user.deleted.json': {
    event_id: 'event_01HZX00000000000000000XD01',
    category: 'account',
    action: 'deleted',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: 'member@customer.example',
    tenant: null,
    outcome: null,
    occurred_at: 1748779200000,
    ocsf: [3001, 6],
  },
  'organization_membership.created.json': {
    event_id: 'event_01HZX00000000000000000OC01',
    category: 'membership',
    action: 'added',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1738368001500,
    ocsf: [3006, 3],
    attributes: {
      membership_id: 'om_01HZXMEMBERSHIP000000001',
      role: 'admin',
      roles: 'admin,billing',
      status: 'active',
      directory_managed: 'false',
    },
  },
  'organization_membership.updated.json': {
    event_id: 'event_01HZX00000000000000000OU01',
    category: 'membership',
    action: 'suspended',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1740823201000,
    ocsf: [3006, 99],
    attributes: { status: 'inactive', previous_status: 'active', state_change: 'explicit' },
  },
  'organization_membership.updated--reactivated-context.json': {
    event_id: 'event_01HZX00000000000000000OU02',
    category: 'membership',
    action: 'reactivated',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1741428001000,
    ocsf: [3006, 99],
    attributes: { status: 'active', previous_status: 'inactive', role: 'member', actor_source: 'admin_portal' },
  },
  'organization_membership.deleted.json': {
    event_id: 'event_01HZX0000000000000000000BB',
    category: 'membership',
    action: 'removed',
    kind: 'human',
    id: 'user_01HZXAPPMEMBER000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1740823202000,
    ocsf: [3006, 4],
    attributes: { role: 'admin', actor_source: 'dashboard' },
    actor: { kind: 'human', id: 'user_01ADMIN', email: null, ip: null, user_agent: null, credential_id: null },
  },
  'invitation.created.json': {
    event_id: 'event_01HZX00000000000000000IC01',
    category: 'account',
    action: 'invited',
    kind: 'invite',
    id: 'invitation_01HZXINVITE00000000001',
    email: 'invitee@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1741392000200,
    ocsf: [null, null],
    attributes: { state: 'pending', inviter_user_id: 'user_01HZXCUSTOMERADMIN00001' },
    actor: { kind: 'human', id: 'user_01HZXCUSTOMERADMIN00001', email: null, ip: null, user_agent: null, credential_id: null },
  },
  'invitation.resent.json': {
    event_id: 'event_01HZX00000000000000000IS01',
    category: 'account',
    action: 'invited',
    kind: 'invite',
    id: 'invitation_01HZXINVITE00000000001',
    email: 'invitee@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1741564800200,
    ocsf: [null, null],
  },
  'invitation.accepted.json': {
    event_id: 'event_01HZX00000000000000000IA01',
    category: 'account',
    action: 'activated',
    kind: 'invite',
    id: 'invitation_01HZXINVITE00000000001',
    email: 'invitee@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1741683600300,
    ocsf: [null, null],
    attributes: { state: 'accepted', accepted_user_id: 'user_01HZXINVITEE0000000001' },
    actor: null,
  },
  'invitation.revoked.json': {
    event_id: 'event_01HZX00000000000000000IR01',
    category: 'account',
    action: 'revoked',
    kind: 'invite',
    id: 'invitation_01HZXINVITE00000000002',
    email: 'other.invitee@customer.example',
    tenant: ORG,
    outcome: null,
    occurred_at: 1741478400100,
    ocsf: [null, null],
    attributes: { state: 'revoked', actor_source: 'dashboard' },
  },
  'api_key.created.json': {
    event_id: 'event_01HZX00000000000000000KC01',
    category: 'credential',
    action: 'created',
    kind: 'api_key',
    id: 'api_key_01HZXCUSTOMERKEY0000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1739577600100,
    ocsf: [3004, 1],
    name: 'CI pipeline key',
    credential: {
      id: 'api_key_01HZXCUSTOMERKEY0000001',
      kind: 'app_api_key',
      owner_id: ORG,
      owner_kind: 'organization',
      scopes: ['posts:read', 'posts:write'],
      created_at: 1739577600000,
      last_used_at: null,
    },
    attributes: { owner_type: 'organization', credential_kind: 'app_api_key' },
  },
  'api_key.updated.json': {
    event_id: 'event_01HZX00000000000000000KU01',
    category: 'credential',
    action: 'updated',
    kind: 'api_key',
    id: 'api_key_01HZXUSERKEY000000000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1742515200100,
    ocsf: [3004, 3],
    credential: {
      id: 'api_key_01HZXUSERKEY000000000001',
      kind: 'app_api_key',
      owner_id: 'user_01HZXAPPMEMBER000000001',
      owner_kind: 'user',
      scopes: ['posts:read'],
      created_at: 1739577600000,
      last_used_at: 1742457600000,
    },
    attributes: { expires_at: '2025-12-31T00:00:00.000Z', previous_expires_at: '2025-06-30T00:00:00.000Z', owner_type: 'user' },
  },
  'api_key.revoked.json': {
    event_id: 'event_01HZX00000000000000000KR01',
    category: 'credential',
    action: 'revoked',
    kind: 'api_key',
    id: 'api_key_01HZXCUSTOMERKEY0000001',
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1743552000100,
    ocsf: [3004, 4],
  },
  'organization.updated--unmapped.json': {
    event_id: 'event_01HZX00000000000000000ZZ01',
    category: 'other',
    action: 'other',
    kind: 'other',
    id: ORG,
    email: null,
    tenant: ORG,
    outcome: null,
    occurred_at: 1741737600000,
    ocsf: [null, null],
    attributes: { data_object: 'organization' },
  },
};

describe('WorkOS fixtures → MappedEvent', () => {
  it('every fixture file has an expectation, and every mapped type has a fixture', () => {
    expect(Object.keys(CASES).sort()).toEqual(fixtureFiles);
    const types = new Set(fixtureFiles.map((f) => String(fixtureJson(f).event)));
    for (const t of MAPPED_EVENT_TYPES) expect(types, t).toContain(t);
  });

  for (const [file, exp] of Object.entries(CASES)) {
    it(`${file}: ${exp.category}/${exp.action}`, () => {
      const ev = mapFixture(file);
      expect(ev.event_id).toBe(exp.event_id);
      expect(ev.vendor_type).toBe(String(fixtureJson(file).event));
      expect(ev.category).toBe(exp.category);
      expect(ev.action).toBe(exp.action);
      expect(ev.subject.kind).toBe(exp.kind);
      expect(ev.subject.id).toBe(exp.id);
      expect(ev.subject.email).toBe(exp.email);
      expect(ev.tenant_id).toBe(exp.tenant);
      expect(ev.outcome).toBe(exp.outcome);
      expect(ev.occurred_at).toBe(exp.occurred_at);
      expect([ev.ocsf_class_uid, ev.ocsf_activity_id]).toEqual(exp.ocsf);
      expect(ev.plane_keys?.organization_id).toBe(exp.tenant);
      if (exp.directory_id !== undefined) expect(ev.plane_keys?.directory_id).toBe(exp.directory_id);
      if (exp.connection_ref !== undefined) expect(ev.plane_keys?.connection_ref).toBe(exp.connection_ref);
      if (exp.name !== undefined) expect(ev.subject.name).toBe(exp.name);
      if (exp.attributes) expect(ev.attributes).toMatchObject(exp.attributes);
      for (const a of exp.absentAttributes ?? []) expect(ev.attributes).not.toHaveProperty(a);
      if (exp.actor !== undefined) expect(ev.actor).toEqual(exp.actor);
      if (exp.credential !== undefined) expect(ev.credential).toEqual(exp.credential);
      for (const v of Object.values(ev.attributes)) expect(typeof v).toBe('string');
    });
  }

  it('never copies key material, invitation tokens or raw/custom attributes', () => {
    const all = fixtureFiles.map((f) => normalize(fixtureText(f)).events);
    const text = JSON.stringify(all);
    expect(text).not.toContain('wxyz'); // api key obfuscated_value
    expect(text).not.toContain('x9Qz'); // directory token_suffix
    expect(text).not.toContain('personal.address@example.net'); // non-primary email
    expect(text).not.toContain('Engineering"},"raw'); // sanity: no raw_attributes objects
    expect(text).not.toContain('department');
    expect(text).not.toContain('"plan"');
  });

  it('an invitation token in the payload does not reach the event', () => {
    const body = fixtureJson('invitation.created.json');
    (body.data as Record<string, unknown>).token = 'Z7tokenSECRETvalue';
    (body.data as Record<string, unknown>).accept_invitation_url = 'https://app.example/invite?token=Z7tokenSECRETvalue';
    const out = normalize(JSON.stringify(body));
    expect(JSON.stringify(out.events)).not.toContain('Z7tokenSECRETvalue');
  });

  it('directory user email: primary of emails[], else first, else the email field', () => {
    const body = fixtureJson('dsync.user.created.json');
    const data = body.data as Record<string, unknown>;
    data.emails = [{ primary: false, value: 'First@Example.org' }, { value: 'second@example.org' }];
    expect(normalize(JSON.stringify(body)).events[0]?.subject.email).toBe('first@example.org');
    data.emails = [];
    data.email = ' Fallback@Example.ORG ';
    expect(normalize(JSON.stringify(body)).events[0]?.subject.email).toBe('fallback@example.org');
  });

  it('previous state also inactive is a plain update, not a second suspension', () => {
    const body = fixtureJson('dsync.user.updated.json');
    (body.data as Record<string, unknown>).previous_attributes = { state: 'inactive', last_name: 'Vere' };
    expect(normalize(JSON.stringify(body)).events[0]?.action).toBe('updated');
  });

  it('active without a known previous state is an update (reactivation needs evidence)', () => {
    const body = fixtureJson('dsync.user.updated--reactivated.json');
    delete (body.data as Record<string, unknown>).previous_attributes;
    expect(normalize(JSON.stringify(body)).events[0]?.action).toBe('updated');
  });

  it('occurred_at falls back to data.updated_at, then the received time', () => {
    const body = fixtureJson('dsync.user.deleted.json');
    delete body.created_at;
    expect(normalize(JSON.stringify(body)).events[0]?.occurred_at).toBe(1741623600000); // 2025-03-10T16:20:00.000Z
    const data = body.data as Record<string, unknown>;
    delete data.updated_at;
    delete data.created_at;
    const ev = normalize(JSON.stringify(body), 1_760_000_000_000).events[0];
    expect(ev?.occurred_at).toBe(1_760_000_000_000);
    expect(ev?.attributes.occurred_at_from).toBe('received_at');
  });
});

describe('WorkOS normalize: unknown, malformed and paged input', () => {
  it('keeps an unknown event type as other/other with the data id as subject', () => {
    const out = normalize(
      JSON.stringify({
        id: 'event_X1',
        event: 'widget.frobnicated',
        created_at: '2025-01-01T00:00:00.000Z',
        data: { id: 'widget_1', organization_id: 'org_9' },
      }),
    );
    expect(out.rejected).toEqual([]);
    expect(out.events).toHaveLength(1);
    expect(out.events[0]).toMatchObject({
      event_id: 'event_X1',
      category: 'other',
      action: 'other',
      vendor_type: 'widget.frobnicated',
      subject: { kind: 'other', id: 'widget_1', email: null, name: null },
      tenant_id: 'org_9',
      occurred_at: 1735689600000,
    });
  });

  it('an unknown type without data.id uses the event id as subject', () => {
    const out = normalize(JSON.stringify({ id: 'event_X2', event: 'brand.new', created_at: '2025-01-01T00:00:00.000Z', data: {} }));
    expect(out.events[0]?.subject).toEqual({ kind: 'other', id: 'event_X2', email: null, name: null });
    expect(out.events[0]?.attributes.subject_from).toBe('event_id');
  });

  it('rejects a known type whose data lacks the ids the mapping needs, naming the field', () => {
    const body = fixtureJson('dsync.user.updated.json');
    delete (body.data as Record<string, unknown>).id;
    const out = normalize(JSON.stringify(body));
    expect(out.events).toEqual([]);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]?.reason).toBe('dsync.user.updated: data.id: expected string, received undefined');
    expect(out.rejected[0]?.item).toEqual(body);
  });

  it('names nested paths and wrong types in the reason', () => {
    const body = fixtureJson('dsync.group.user_added.json');
    ((body.data as Record<string, unknown>).user as Record<string, unknown>).id = 42;
    const out = normalize(JSON.stringify(body));
    expect(out.rejected[0]?.reason).toBe('dsync.group.user_added: data.user.id: expected string, received number');
  });

  it('accepts fields of unexpected types that the mapping does not key on', () => {
    const body = fixtureJson('dsync.user.updated.json');
    Object.assign(body.data as Record<string, unknown>, { first_name: 7, role: 'admin', emails: 'nope', state: ['inactive'] });
    const out = normalize(JSON.stringify(body));
    expect(out.rejected).toEqual([]);
    expect(out.events[0]).toMatchObject({ subject: { email: 'leaver@customer.example', name: 'Ver' } });
  });

  it('throws a descriptive Error for a non-JSON body', () => {
    expect(() => normalize('{"id": "event_1", ')).toThrow(/^WorkOS body is not valid JSON: /);
  });

  it('throws naming the field for an envelope of the wrong shape', () => {
    expect(() => normalize(JSON.stringify({ id: 'event_1', data: {} }))).toThrow(
      'WorkOS event envelope is invalid: event: expected string, received undefined',
    );
    expect(() => normalize('[1,2]')).toThrow(/received array/);
    expect(() => normalize(JSON.stringify({ id: 'e', event: 'user.created', data: [] }))).toThrow(/data: expected object, received array/);
  });

  it('maps an Events API page item by item', () => {
    const bad = fixtureJson('user.created.json');
    delete (bad.data as Record<string, unknown>).id;
    const page = { object: 'list', data: [fixtureJson('user.created.json'), bad, 'junk'], list_metadata: { after: null } };
    const out = normalize(JSON.stringify(page));
    expect(out.events.map((e) => e.event_id)).toEqual(['event_01HZX00000000000000000XC01']);
    expect(out.rejected.map((r) => r.reason)).toEqual([
      'user.created: data.id: expected string, received undefined',
      'data[2]: (body): expected object, received string',
    ]);
  });
});

describe('WorkOS normalize: property', () => {
  const fixtures = fixtureFiles.map((f) => fixtureJson(f));
  const knownTypes = [
    ...MAPPED_EVENT_TYPES,
    'authentication.sso_succeeded',
    'authentication.password_failed',
    'authentication.x_succeeded',
  ];

  const mutatedFixture = fc
    .tuple(fc.constantFrom(...fixtures), jsonEdits)
    .map(([fixture, edits]) => JSON.stringify(mutateJson(fixture as Json, edits)));
  const envelopeLike = fc
    .record(
      {
        object: fc.oneof(fc.constant('event'), fc.jsonValue()),
        id: fc.oneof(fc.string(), fc.jsonValue()),
        event: fc.oneof(fc.constantFrom(...knownTypes), fc.string(), fc.jsonValue()),
        data: fc.oneof(
          fc.dictionary(
            fc.constantFrom(
              'id',
              'user_id',
              'organization_id',
              'directory_id',
              'user',
              'group',
              'email',
              'emails',
              'state',
              'owner',
              'connection',
              'created_at',
              'updated_at',
              'previous_attributes',
            ),
            fc.jsonValue({ maxDepth: 2 }),
          ),
          fc.jsonValue(),
        ),
        created_at: fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.string(),
          fc.jsonValue(),
        ),
        context: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  const anyBody = fc.oneof(
    { weight: 5, arbitrary: mutatedFixture },
    { weight: 3, arbitrary: envelopeLike },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string() },
  );

  it('never throws anything but a described Error, and every event passes the schema', () => {
    assertNormalizeProperty({
      bodies: anyBody,
      normalize,
      complete,
      thrown: (message) => expect(message.length).toBeGreaterThan(10),
      rejected: (rej) => {
        expect(typeof rej.reason).toBe('string');
        expect(rej.reason.length).toBeGreaterThan(0);
      },
      numRuns: 1500,
    });
  });
});
