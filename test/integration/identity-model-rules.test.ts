// The identity model's rules (docs/IDENTITY-MODEL.md), one vendor at a time: vendor-shaped
// deliveries through the real vendor modules and normalizer into embedded ClickHouse, read back
// as units of access (the pw_person_accounts view), lag items and findings. Every expectation is
// written from the vendors' documented objects and the model's definitions.
import { beforeEach, describe, expect, it } from 'vitest';
import { parseBoundaryMap } from '../../core/config/load.ts';
import { detectionParams } from '../../store/detections/params.ts';
import { lagItemsSql } from '../../store/lag/stats.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { listFindings } from '../../store/findings/findings.ts';
import { inventoryContentType } from '../../source-kit/poll/page-walker.ts';
import { SOURCES } from '../../sources/registry.ts';
import { migratedStore } from '../helpers/migrated-store.ts';
import { deliver, normalizeAll, resetStore } from '../helpers/scenario/load.ts';
import {
  envelope,
  openaiAuditEvent,
  openaiAuditPage,
  OPENAI_AUDIT_CONTENT_TYPE,
  openaiInventory,
  workos,
} from '../../demo/company/vendor-shapes.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 1);
const NOW = T0 + 30 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();

const map = parseBoundaryMap(
  `
planes:
  platform:    { deprovision_sla: 24h, grace: 1h, stale_after: 90d }
  application: { deprovision_sla: 72h, grace: 1h, stale_after: 90d }
domains:
  corporate: [acme.example]
connections:
  - { id: okta-acme, vendor: okta, transport: poll, api_key_env: RULES_OKTA_TOKEN, base_url: 'https://acme.okta.com', plane: platform, authoritative_for: employees }
  - { id: openai-main, vendor: openai, transport: poll, api_key_env: RULES_OPENAI_KEY, poll_interval: 5m }
  - { id: anthropic-main, vendor: anthropic, transport: inventory, api_key_env: RULES_ANTHROPIC_KEY, poll_interval: 5m }
  - { id: workos-main, vendor: workos, transport: webhook, secret_env: RULES_WORKOS_SECRET, plane: application, authoritative_for: customers,
      plane_rules: [ { organization_id: org_WF, plane: platform, authoritative_for: employees } ] }
  - { id: auth0-main, vendor: auth0, transport: webhook, secret_env: RULES_AUTH0_TOKEN, plane: application }
  - { id: aws-main, vendor: aws, transport: webhook, secret_env: RULES_AWS_SECRET, plane: platform }
detections:
  directory_sources: [okta, scim]
`,
  'rules.yaml',
);
const defaultPlaneOf = (vendor: string) => SOURCES[vendor]!.defaultPlane;
const detections = loadDetections();
const store = migratedStore('pw-identity-rules-');

beforeEach(async () => {
  await resetStore(store.client);
});

async function load(envs: RawEnvelope[]): Promise<void> {
  await deliver(store.client, normalizeAll(envs, map));
}

interface Unit {
  source: string;
  kind: string;
  subject_id: string;
  tenant: string;
  status: string;
  person: string;
  scopes: string[];
  basis: string;
  is_directory: number;
}
async function units(): Promise<Unit[]> {
  const p = detectionParams(map, NOW, defaultPlaneOf);
  const rs = await store.client.query({
    query: `SELECT source, kind, subject_id, tenant, status, person, scopes, basis, is_directory
            FROM pw_person_accounts(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)})
            ORDER BY source, subject_id, tenant`,
    query_params: p,
    format: 'JSONEachRow',
  });
  return (await rs.json<Unit>()).map((u) => ({ ...u, is_directory: Number(u.is_directory) }));
}
const brief = (u: Unit) => `${u.source}|${u.kind}|${u.subject_id}|${u.tenant}|${u.status}`;

interface LagRow {
  source: string;
  item: string;
  subject_kind: string;
  subject_id: string;
  tenant: string;
  removed_ms: string;
}
async function lagItems(): Promise<string[]> {
  const p = { ...detectionParams(map, NOW, defaultPlaneOf), from_ms: 0, to_ms: NOW };
  const rs = await store.client.query({
    query: `SELECT * FROM (${lagItemsSql()}) ORDER BY source, subject_id, tenant`,
    query_params: p,
    format: 'JSONEachRow',
  });
  return (await rs.json<LagRow>()).map(
    (r) => `${r.item}|${r.subject_kind}|${r.subject_id}|${r.tenant}|${Number(r.removed_ms) > 0 ? 'removed' : 'pending'}`,
  );
}
async function openFindings(): Promise<string[]> {
  const r = await evaluate(store.client, { cache: cacheOf(store.client), detections, map, now: NOW, defaultPlaneOf });
  expect(r.errors).toEqual([]);
  return (await listFindings(store.client, { status: 'open' }))
    .map((f) => `${f.detection}|${f.subject.kind}|${f.subject.id}|${f.tenant ?? ''}`)
    .sort();
}

// ---- vendor-shaped deliveries -------------------------------------------------------------

const okta = {
  org: 'acme.okta.com',
  page: (events: Record<string, unknown>[], at: number) =>
    envelope('okta', 'okta-acme', 'poll', 'application/json; okta-org=acme.okta.com', JSON.stringify(events), at),
  /** A System Log event (LogEvent): `actor` is who acted, `target` what it acted on. */
  event: (uuid: string, eventType: string, at: number, user: { id: string; login: string }, target = false) => ({
    uuid,
    published: iso(at),
    eventType,
    version: '0',
    severity: 'INFO',
    displayMessage: eventType,
    actor: target
      ? { id: '00uADMIN', type: 'User', alternateId: 'okta.admin@acme.example', displayName: 'Admin' }
      : { id: user.id, type: 'User', alternateId: user.login, displayName: user.login },
    client: { ipAddress: '203.0.113.5' },
    outcome: { result: 'SUCCESS', reason: null },
    target: target ? [{ id: user.id, type: 'User', alternateId: user.login, displayName: user.login }] : null,
    transaction: { type: 'WEB', id: `tx-${uuid}`, detail: {} },
  }),
};
const oaiSession = { type: 'session' as const, userId: 'user-admin', email: 'it.admin@acme.example' };
const openaiAudit = (events: Record<string, unknown>[], at: number) =>
  envelope('openai', 'openai-main', 'poll', OPENAI_AUDIT_CONTENT_TYPE, openaiAuditPage(events), at);
const openaiUsers = (users: { id: string; email: string }[], at: number) =>
  envelope(
    'openai',
    'openai-main',
    'inventory',
    openaiInventory.contentType('users', null),
    openaiInventory.usersPage(users.map((u) => ({ ...u, name: u.email.split('@')[0]!, addedAt: T0 - 400 * DAY }))),
    at,
  );
const anthropicPage = (listing: string, scope: string | null, data: unknown[], at: number) =>
  envelope(
    'anthropic',
    'anthropic-main',
    'inventory',
    inventoryContentType(listing, scope),
    JSON.stringify({ data, has_more: false, first_id: null, last_id: null }),
    at,
  );
const auth0Logs = (logs: Record<string, unknown>[], at: number) =>
  envelope('auth0', 'auth0-main', 'webhook', 'application/json', JSON.stringify(logs.map((data) => ({ log_id: data.log_id, data }))), at);
const cloudTrail = (records: Record<string, unknown>[], at: number) =>
  envelope('aws', 'aws-main', 'webhook', 'application/json', JSON.stringify({ Records: records }), at);
const ACCT = '111122223333';
const trail = (
  id: string,
  name: string,
  at: number,
  userIdentity: Record<string, unknown>,
  requestParameters: Record<string, unknown> | null,
  responseElements: Record<string, unknown> | null = null,
) => ({
  eventVersion: '1.09',
  userIdentity,
  eventTime: iso(at).replace(/\.\d{3}Z$/, 'Z'),
  eventSource: name === 'ConsoleLogin' ? 'signin.amazonaws.com' : 'iam.amazonaws.com',
  eventName: name,
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.7',
  userAgent: 'aws-cli/2.15.0',
  requestParameters,
  responseElements,
  requestID: `req-${id}`,
  eventID: id,
  readOnly: false,
  eventType: name === 'ConsoleLogin' ? 'AwsConsoleSignIn' : 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: ACCT,
});
const iamUserIdentity = (name: string) => ({
  type: 'IAMUser',
  principalId: `AIDA${name.toUpperCase()}`,
  arn: `arn:aws:iam::${ACCT}:user/${name}`,
  accountId: ACCT,
  userName: name,
  accessKeyId: 'ASIASESSION0001',
});

// A leaver in the workforce directory (Okta): deactivated 5 days before now.
const LEAVER = { id: '00uLEAVER', login: 'lee.ver@acme.example' };
const LEFT = NOW - 5 * DAY;
const leaverDirectory = () =>
  okta.page(
    [
      okta.event('ok-create-lee', 'user.lifecycle.create', T0, LEAVER, true),
      okta.event('ok-deact-lee', 'user.lifecycle.deactivate', LEFT, LEAVER, true),
    ],
    LEFT + HOUR,
  );

describe('OpenAI', () => {
  it('project memberships are scopes of the org user: one unit, its projects in scopes; one finding per detection', async () => {
    const U = { id: 'user-lee', email: LEAVER.login };
    await load([
      leaverDirectory(),
      openaiAudit(
        [
          openaiAuditEvent('a1', 'user.added', T0, oaiSession, { id: U.id, data: { role: 'reader', email: U.email } }),
          ...['proj_a', 'proj_b', 'proj_c'].map((p, i) =>
            openaiAuditEvent(
              `a-ra-${p}`,
              'role.assignment.created',
              T0 + (i + 1) * HOUR,
              oaiSession,
              { id: `role_${p}`, principal_id: U.id, principal_type: 'user', resource_id: p, resource_type: 'api.project' },
              p,
            ),
          ),
          openaiAuditEvent(
            'a-ra-del',
            'role.assignment.deleted',
            T0 + DAY,
            oaiSession,
            { id: 'role_proj_c', principal_id: U.id, principal_type: 'user', resource_id: 'proj_c', resource_type: 'api.project' },
            'proj_c',
          ),
        ],
        T0 + DAY + HOUR,
      ),
      openaiUsers([U], NOW - HOUR),
    ]);
    // The IT admin is an account too, proven by the actions it took (existence by observation).
    const openai = (await units()).filter((u) => u.source === 'openai');
    expect(openai.map(brief)).toEqual(['openai|human|user-admin||active', 'openai|human|user-lee||active']);
    expect(openai[0]!.basis).toBe('observed');
    openai.shift();
    // proj_c's grant was removed: the unit reaches the other two.
    expect(openai[0]!.scopes).toEqual(['proj_a', 'proj_b']);
    expect((await openFindings()).filter((f) => f.includes('user-lee'))).toEqual([
      'PW-DEPROV-OVERDUE|human|user-lee|',
      'PW-ORPHANED-ACCOUNT|human|user-lee|',
    ]);
    expect(await lagItems()).toEqual(['account|human|user-lee||pending']);
  });

  it('removing the org user removes the unit with every scope', async () => {
    const U = { id: 'user-lee', email: LEAVER.login };
    await load([
      leaverDirectory(),
      openaiAudit(
        [
          openaiAuditEvent('a1', 'user.added', T0, oaiSession, { id: U.id, data: { role: 'reader', email: U.email } }),
          openaiAuditEvent(
            'a-ra',
            'role.assignment.created',
            T0 + HOUR,
            oaiSession,
            { id: 'role_a', principal_id: U.id, principal_type: 'user', resource_id: 'proj_a', resource_type: 'api.project' },
            'proj_a',
          ),
          openaiAuditEvent('a-del', 'user.deleted', LEFT + 3 * HOUR, oaiSession, { id: U.id }),
        ],
        LEFT + 4 * HOUR,
      ),
    ]);
    expect((await units()).filter((u) => u.subject_id === 'user-lee').map(brief)).toEqual(['openai|human|user-lee||deleted']);
    expect(await lagItems()).toEqual(['account|human|user-lee||removed']);
    expect((await openFindings()).filter((f) => f.includes('user-lee'))).toEqual([]);
  });

  it('an accepted invite is no account; a deleted one closed before the leaver left is no part of the offboarding; a pending one is an access path', async () => {
    await load([
      leaverDirectory(),
      openaiAudit(
        [
          openaiAuditEvent('i-acc-sent', 'invite.sent', T0, oaiSession, {
            id: 'invite-acc',
            data: { email: LEAVER.login, role: 'reader' },
          }),
          openaiAuditEvent('i-acc', 'invite.accepted', T0 + HOUR, null, { id: 'invite-acc' }),
          openaiAuditEvent('u-acc', 'user.added', T0 + HOUR, null, { id: 'user-lee', data: { role: 'reader', email: LEAVER.login } }),
          openaiAuditEvent('u-del', 'user.deleted', LEFT + 2 * HOUR, oaiSession, { id: 'user-lee' }),
          openaiAuditEvent('i-old-sent', 'invite.sent', T0, oaiSession, { id: 'invite-old', data: { email: LEAVER.login, role: 'owner' } }),
          openaiAuditEvent('i-old-del', 'invite.deleted', T0 + 2 * DAY, oaiSession, { id: 'invite-old' }),
          openaiAuditEvent('i-pend', 'invite.sent', LEFT - DAY, oaiSession, {
            id: 'invite-pending',
            data: { email: LEAVER.login, role: 'owner' },
          }),
        ],
        LEFT + 3 * HOUR,
      ),
    ]);
    expect((await units()).filter((u) => u.source === 'openai' && u.subject_id !== 'user-admin').map(brief)).toEqual(
      [
        'openai|invite|invite-acc||deleted',
        'openai|invite|invite-old||deleted',
        'openai|invite|invite-pending||active',
        'openai|human|user-lee||deleted',
      ].sort((a, b) => a.split('|')[2]!.localeCompare(b.split('|')[2]!)),
    );
    // The accepted invite closed when the user was added, the deleted one weeks before she left:
    // neither is a removal of her access. Her account was removed in 2 h; the pending invite is not.
    expect(await lagItems()).toEqual(['account|invite|invite-pending||pending', 'account|human|user-lee||removed']);
    expect((await openFindings()).filter((f) => f.includes('invite'))).toEqual([
      'PW-DEPROV-OVERDUE|invite|invite-pending|',
      'PW-ORPHANED-ACCOUNT|invite|invite-pending|',
    ]);
  });

  it('a key seen only in the audit log is owned by the person whose session created it', async () => {
    await load([
      leaverDirectory(),
      openaiAudit(
        [
          openaiAuditEvent('u', 'user.added', T0, null, { id: 'user-lee', data: { role: 'reader', email: LEAVER.login } }),
          openaiAuditEvent(
            'k',
            'api_key.created',
            T0 + DAY,
            { type: 'session', userId: 'user-lee', email: LEAVER.login },
            { id: 'key_audit_only', data: { scopes: ['api.model.request'] } },
            'proj_a',
          ),
          openaiAuditEvent('u-del', 'user.deleted', LEFT + 2 * HOUR, oaiSession, { id: 'user-lee' }),
        ],
        LEFT + 3 * HOUR,
      ),
    ]);
    const rs = await store.client.query({
      query: "SELECT owner_id, owner_kind, owner_from FROM pw_credentials WHERE credential_id = 'key_audit_only'",
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ owner_id: 'user-lee', owner_kind: 'human', owner_from: 'creator' }]);
    // Its owner left and it was never revoked: a pending removal, and an orphaned credential.
    expect(await lagItems()).toEqual(['credential|api_key|key_audit_only|proj_a|pending', 'account|human|user-lee||removed']);
    expect((await openFindings()).filter((f) => f.includes('key_audit_only'))).toEqual([
      'PW-DEPROV-OVERDUE|api_key|key_audit_only|proj_a',
      'PW-ORPHANED-CREDENTIAL|api_key|key_audit_only|proj_a',
    ]);
  });
});

describe('Anthropic', () => {
  const user = { id: 'user_01Lee', type: 'user', email: LEAVER.login, name: 'Lee Ver', role: 'developer', added_at: iso(T0 - 300 * DAY) };
  const member = (ws: string) => ({ type: 'workspace_member', user_id: user.id, workspace_id: ws, workspace_role: 'workspace_developer' });

  it('workspace members are scopes of the org user; an invite that expired before the leaver left is no removal of her access', async () => {
    const first = LEFT + 2 * HOUR; // planewatch's first listing comes after she left
    await load([
      leaverDirectory(),
      anthropicPage('users', null, [user], first),
      anthropicPage('workspace_members', 'wrkspc_a', [member('wrkspc_a')], first + 1),
      anthropicPage('workspace_members', 'wrkspc_b', [member('wrkspc_b')], first + 2),
      anthropicPage(
        'invites',
        null,
        [
          {
            id: 'invite_01Old',
            type: 'invite',
            email: LEAVER.login,
            role: 'admin',
            status: 'expired',
            invited_at: iso(T0 - 40 * DAY),
            expires_at: iso(T0 - 19 * DAY),
          },
        ],
        first + 3,
      ),
    ]);
    const anth = (await units()).filter((u) => u.source === 'anthropic');
    // The invite was never seen pending: it was no access path planewatch saw.
    expect(anth.map(brief)).toEqual(['anthropic|human|user_01Lee||active']);
    expect(anth[0]!.scopes).toEqual(['wrkspc_a', 'wrkspc_b']);
    expect(await lagItems()).toEqual(['account|human|user_01Lee||pending']);
    expect((await openFindings()).filter((f) => f.includes('user_01Lee'))).toEqual([
      'PW-DEPROV-OVERDUE|human|user_01Lee|',
      'PW-ORPHANED-ACCOUNT|human|user_01Lee|',
    ]);
  });

  it('an invite seen pending and later listed expired closed at its own expires_at', async () => {
    const invite = {
      id: 'invite_01Pend',
      type: 'invite',
      email: LEAVER.login,
      role: 'admin',
      invited_at: iso(LEFT - 3 * DAY),
      expires_at: iso(LEFT + 2 * HOUR),
    };
    await load([
      leaverDirectory(),
      anthropicPage('invites', null, [{ ...invite, status: 'pending' }], LEFT - 2 * DAY),
      anthropicPage('invites', null, [{ ...invite, status: 'expired' }], NOW - HOUR),
    ]);
    const rs = await store.client.query({
      query: `SELECT item, removed_ms - signal_ms AS lag_ms FROM (${lagItemsSql()})`,
      query_params: { ...detectionParams(map, NOW, defaultPlaneOf), from_ms: 0, to_ms: NOW },
      format: 'JSONEachRow',
    });
    // Expired 2 h after she left (within the 24 h SLA), though the listing showed it 5 days later.
    expect(await rs.json()).toEqual([{ item: 'account', lag_ms: String(2 * HOUR) }]);
  });
});

describe('WorkOS', () => {
  const authkit = (id: string, email: string, at: number) => workos.userCreated(`evt-u-${id}`, id, email, at);
  const om = (
    evt: string,
    type: 'organization_membership.created' | 'organization_membership.deleted',
    omId: string,
    user: string,
    org: string,
    at: number,
  ) => workos.membership(evt, type, omId, user, org, at);
  const hook = (body: string, at: number) => envelope('workos', 'workos-main', 'webhook', 'application/json', body, at);
  const dirUser = (id: string, dir: string, org: string, email: string) => ({
    id,
    directoryId: dir,
    orgId: org,
    email,
    first: 'Cu',
    last: 'Stomer',
    createdAt: T0,
  });

  it('one person in two customer tenants has two units; each tenant directory governs its own; the AuthKit user is none', async () => {
    const email = 'sam@customer.example';
    const globex = dirUser('directory_user_G', 'directory_G', 'org_G', email);
    const initech = dirUser('directory_user_I', 'directory_I', 'org_I', email);
    await load([
      hook(workos.dsyncUserCreated('evt-dg', globex), T0),
      hook(workos.dsyncUserCreated('evt-di', initech), T0),
      hook(authkit('user_sam', email, T0 + HOUR), T0 + HOUR),
      hook(om('evt-om-g', 'organization_membership.created', 'om_G', 'user_sam', 'org_G', T0 + 2 * HOUR), T0 + 2 * HOUR),
      hook(om('evt-om-i', 'organization_membership.created', 'om_I', 'user_sam', 'org_I', T0 + 2 * HOUR), T0 + 2 * HOUR),
      // Globex's directory removes Sam; Globex's membership is removed 2 h later. Initech keeps Sam.
      hook(workos.dsyncUserDeleted('evt-dg-del', globex, LEFT), LEFT),
      hook(om('evt-om-g-del', 'organization_membership.deleted', 'om_G', 'user_sam', 'org_G', LEFT + 2 * HOUR), LEFT + 2 * HOUR),
    ]);
    const ws = (await units()).filter((u) => u.source === 'workos' && !u.subject_id.startsWith('directory_user'));
    expect(ws.map(brief)).toEqual(['workos|human|user_sam|org_G|deleted', 'workos|human|user_sam|org_I|active']);
    // Initech's directory still has Sam: Initech's membership is no leftover of Globex's removal.
    expect((await openFindings()).filter((f) => !f.startsWith('PW-SOURCE-SILENT'))).toEqual([]);
    expect(await lagItems()).toEqual(['account|human|user_sam|org_G|removed']);
  });

  it('deleting the AuthKit user ends its memberships; a session in a tenant proves the membership', async () => {
    await load([
      hook(authkit('user_kim', 'kim@customer.example', T0), T0),
      hook(workos.sessionCreated('evt-s', 'session_1', 'user_kim', 'org_G', T0 + DAY), T0 + DAY),
      hook(authkit('user_max', 'max@customer.example', T0), T0),
      hook(om('evt-om-m', 'organization_membership.created', 'om_M', 'user_max', 'org_G', T0 + HOUR), T0 + HOUR),
      hook(workos.userDeleted('evt-u-max-del', 'user_max', 'max@customer.example', T0 + 2 * DAY), T0 + 2 * DAY),
    ]);
    const ws = (await units()).filter((u) => u.source === 'workos');
    expect(ws.map((u) => `${brief(u)}|${u.basis}`)).toEqual([
      'workos|human|user_kim|org_G|active|observed',
      'workos|human|user_max|org_G|deleted|record',
    ]);
  });
});

describe('Okta (System Log polling)', () => {
  it("an employee created before the log's retention, seen only signing in, is a directory account: not unmanaged", async () => {
    const ann = { id: '00uANN', login: 'ann@acme.example' };
    await load([
      okta.page([okta.event('ok-s-ann', 'user.session.start', NOW - DAY, ann)], NOW - DAY + 60_000),
      openaiUsers([{ id: 'user-ann', email: ann.login }], NOW - HOUR),
    ]);
    const ok = (await units()).filter((u) => u.source === 'okta');
    expect(ok.map((u) => `${brief(u)}|${u.basis}|${u.is_directory}`)).toEqual(['okta|human|00uANN|acme.okta.com|active|observed|1']);
    expect((await openFindings()).filter((f) => f.includes('UNMANAGED'))).toEqual([]);
  });
});

describe('Auth0', () => {
  it('an enterprise-connection user seen only through its logins is a unit: orphaned when its directory leaver signs in afterwards', async () => {
    const email = 'pat@customer.example';
    const login = (id: string, at: number) => ({
      log_id: id,
      date: iso(at),
      type: 's',
      description: '',
      client_id: 'CLIENTweb',
      client_name: 'Web',
      ip: '203.0.113.7',
      user_agent: 'Chrome',
      connection: 'customer-okta',
      connection_id: 'con_ENT',
      strategy: 'okta',
      strategy_type: 'enterprise',
      user_id: 'okta|customer|pat',
      user_name: email,
    });
    const dir = { id: 'directory_user_PAT', directoryId: 'directory_C', orgId: 'org_C', email, first: 'Pat', last: 'C', createdAt: T0 };
    await load([
      envelope('workos', 'workos-main', 'webhook', 'application/json', workos.dsyncUserCreated('evt-pat', dir), T0),
      envelope('workos', 'workos-main', 'webhook', 'application/json', workos.dsyncUserDeleted('evt-pat-del', dir, LEFT), LEFT),
      auth0Logs([login('900001', T0 + DAY), login('900002', LEFT + 5 * HOUR)], LEFT + 6 * HOUR),
    ]);
    expect((await units()).filter((u) => u.source === 'auth0').map((u) => `${brief(u)}|${u.basis}`)).toEqual([
      'auth0|human|okta|customer|pat||active|observed',
    ]);
    expect((await openFindings()).filter((f) => f.includes('okta|customer|pat'))).toEqual([
      'PW-ACTIVITY-AFTER-DEPROVISION|human|okta|customer|pat|',
      'PW-DEPROV-OVERDUE|human|okta|customer|pat|',
      'PW-ORPHANED-ACCOUNT|human|okta|customer|pat|',
    ]);
  });

  it('an M2M client owns its own secret: the client seen exchanging it is the owner, not unknown', async () => {
    const exchange = (id: string, at: number) => ({
      log_id: id,
      date: iso(at),
      type: 'seccft',
      description: 'Client Credentials for Access Token',
      client_id: 'CLIENTm2m',
      client_name: 'nightly-export',
      ip: '192.0.2.10',
      user_agent: 'node-fetch',
      hostname: 'acme.us.auth0.com',
      audience: 'https://api.acme.example/',
      user_id: '',
      user_name: '',
      scope: ['read:reports'],
    });
    await load([auth0Logs([exchange('910001', NOW - 2 * DAY), exchange('910002', NOW - DAY)], NOW - DAY + 60_000)]);
    expect((await openFindings()).filter((f) => f.includes('CLIENTm2m'))).toEqual([]);
  });
});

describe('AWS CloudTrail', () => {
  it('an IAM user older than the trail, seen through its console logins and calls, is an account; its key has an owner', async () => {
    await load([
      leaverDirectory(),
      cloudTrail(
        [
          {
            ...trail('ct-login', 'ConsoleLogin', NOW - 20 * DAY, iamUserIdentity(LEAVER.login), null, { ConsoleLogin: 'Success' }),
            additionalEventData: { MFAUsed: 'Yes' },
          },
          trail(
            'ct-key',
            'CreateAccessKey',
            NOW - 20 * DAY + HOUR,
            iamUserIdentity(LEAVER.login),
            {},
            {
              accessKey: {
                userName: LEAVER.login,
                accessKeyId: 'AKIALEE0000000000001',
                status: 'Active',
                createDate: 'Mar 10, 2026 10:01:00 AM',
              },
            },
          ),
        ],
        NOW - 20 * DAY + 2 * HOUR,
      ),
    ]);
    expect((await units()).filter((u) => u.source === 'aws').map(brief)).toEqual([`aws|human|${LEAVER.login}|${ACCT}|active`]);
    const all = await openFindings();
    // Her console password, named by her successful sign-in, is a credential to remove too.
    expect(all.filter((f) => f.includes(LEAVER.login) || f.includes('AKIALEE'))).toEqual([
      'PW-DEPROV-OVERDUE|access_key|AKIALEE0000000000001|111122223333',
      `PW-DEPROV-OVERDUE|console_password|${LEAVER.login}:login_profile|${ACCT}`,
      `PW-DEPROV-OVERDUE|human|${LEAVER.login}|${ACCT}`,
      'PW-ORPHANED-ACCOUNT|human|lee.ver@acme.example|111122223333',
      'PW-ORPHANED-CREDENTIAL|access_key|AKIALEE0000000000001|111122223333',
      `PW-ORPHANED-CREDENTIAL|console_password|${LEAVER.login}:login_profile|${ACCT}`,
    ]);
    // The key's owner is known (her IAM user), so the reason is her leaving, not an unknown owner.
    const creds = await listFindings(store.client, { status: 'open', detection: 'PW-ORPHANED-CREDENTIAL' });
    expect(creds.map((c) => c.detail.reason)).toEqual(['owner_deprovisioned', 'owner_deprovisioned']);
  });

  it('a CI role session (web identity) creating access keys is a non-human doing what only people should', async () => {
    const ci = {
      type: 'AssumedRole',
      principalId: 'AROACI:GitHubActions',
      arn: `arn:aws:sts::${ACCT}:assumed-role/ci-deploy/GitHubActions`,
      accountId: ACCT,
      accessKeyId: 'ASIACI0001',
      sessionContext: {
        sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCT}:role/ci-deploy`, userName: 'ci-deploy' },
        webIdFederationData: { federatedProvider: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
      },
    };
    await load([
      cloudTrail(
        [
          trail(
            'ct-ci-key',
            'CreateAccessKey',
            NOW - DAY,
            ci,
            { userName: 'deploy-bot' },
            {
              accessKey: {
                userName: 'deploy-bot',
                accessKeyId: 'AKIABOT0000000000001',
                status: 'Active',
                createDate: 'Mar 30, 2026 10:01:00 AM',
              },
            },
          ),
        ],
        NOW - DAY + HOUR,
      ),
    ]);
    expect((await openFindings()).filter((f) => f.startsWith('PW-NHI-HUMAN-ACTION'))).toEqual([
      `PW-NHI-HUMAN-ACTION|service_account|arn:aws:sts::${ACCT}:assumed-role/ci-deploy/GitHubActions|${ACCT}`,
    ]);
  });
});
