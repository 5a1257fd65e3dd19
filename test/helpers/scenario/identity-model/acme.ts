// ACME — an AI product company. Platform plane: an OpenAI organisation (first contact 2026-07-01:
// the first inventory snapshot lists keys and users with years of history), Okta (event hooks) as
// the workforce directory for employees, a SCIM-provisioned contractor directory. Application
// plane: two customer organisations on WorkOS (Directory Sync users, AuthKit users and their
// organisation memberships), one consultant a member of both customer tenants.
//
// Everything below is written by hand from the vendors' documentation and from docs/DESIGN.md,
// docs/DETECTIONS.md and docs/IDENTITY-MODEL.md (which wins where they differ). The ground truth
// (CASES, LAG) is derived from the story, never from running planewatch.
//
// Thresholds (boundary map below): platform SLA 24 h, grace 1 h, stale 90 d;
// application SLA 72 h, grace 1 h, stale 90 d. Evaluated at NOW = 2026-11-30T12:00Z.
//
// People (Okta acme.okta.com unless said otherwise) and what happens to them:
//   alice   stayer, OpenAI owner, projects app+research, admin key + project key created 2024/2025, used
//           the day before first contact and weekly since                       → nothing (first contact
//           proves nothing about the years before: no PW-STALE-CREDENTIAL-REUSED)
//   bob     stayer, OpenAI user (app); key-bob-app used the day before first contact → nothing;
//           key-bob-old last used 2026-06-20                                    → PW-STALE-CREDENTIAL;
//           key-bob-batch: first listing (07-01) shows a last use on 03-10 (113 days earlier), the next
//           listing (08-01) a use on 07-27 → no REUSED: the idle gap counts only from observed_from =
//           07-01 (26 days), the months before first contact are unknown, not idle;
//           bob is also a support member of the Globex tenant (AuthKit)          → PW-PLATFORM-IN-TENANT
//   carol   clean leaver: Okta deactivate 11-10 09:00; OpenAI user.deleted 15:00 (6 h) and her key
//           api_key.deleted 15:05 (6 h 5 m)                                      → lag: 2 removed in time
//   dave    late leaver: Okta deactivate 11-02 10:00; OpenAI user.deleted 11-05 10:00 (72 h > 24 h)
//                                                                               → lag: 1 breach
//   erin    overdue leaver: Okta deactivate 11-20 09:00 (redelivered by Okta two days later); still an
//           OpenAI user in 3 projects; key-erin-research she created 11-17 (3 days before leaving),
//           admin-key-erin used 11-24 22:00 (after she left); a refused Okta sign-in 11-21 (not
//           activity)                                                          → see CASES
//   frank   pending leaver: Okta suspend at NOW − 5 h; OpenAI user (eval) still listed → ORPHANED only
//   henry   returner: Okta deactivate 10-05, reactivate 10-20; OpenAI user and key untouched, no use
//           during the leave                                                   → nothing, no lag item
//   noor    stayer; key-noor-eval listed unused from first contact (07-01, last use 06-30) through
//           10-01, used again 10-15                                            → PW-STALE-CREDENTIAL-REUSED
//   kim     employee with a pending OpenAI invite (sent 11-28)                 → nothing
//   jane    employee whose OpenAI invite was sent 11-05 and deleted 11-06       → nothing
//   Contractors (SCIM directory, tenant northwind, platform plane, authoritative for contractors):
//   ravi    invited to OpenAI 11-02, accepted 11-03                             → nothing
//   sven    SCIM active=false 11-25 12:00; OpenAI user gone from the 11-26 00:00 snapshot
//           (removal dated at that listing: 12 h)                              → lag: 1 removed in time
//   tara    invited to OpenAI 11-15 (never accepted; OpenAI reports no expiry); SCIM DELETE 11-27 10:00
//                                                                               → see CASES
//   quinn.dev@gmail.example  OpenAI user no directory knows                     → PW-UNMANAGED-ACCOUNT
//   Customers (WorkOS, application plane; Globex and Initech directories are authoritative for customers):
//   liz     Globex user (directory + AuthKit member), also an OpenAI user (eval) → PW-CUSTOMER-IN-PLATFORM
//   mo      Globex leaver: directory user deleted 11-20 08:00, AuthKit user deleted 11-21 08:00 (its
//           membership ends with it: 24 h)                                     → lag: 1 removed in time
//   ned     Globex leaver: directory user deleted 11-10 09:00, membership deleted 11-15 09:00 (5 d > 72 h);
//           his AuthKit user stays (a login account grants nothing by itself)  → lag: 1 breach, no finding
//   ola     Globex leaver: directory user set inactive 11-22 09:00; AuthKit user and membership stay
//   pat     consultant in Globex's directory, member of both Globex and Initech; directory user deleted
//           11-23 09:00; AuthKit user and both memberships stay
//   rachel  Initech mover: r.kim@ → rachel.kim@initech.example on 11-12 (directory user and AuthKit user)
//   sol     Initech stayer                                                      → nothing
// Service accounts: sa-ci (app, key used weekly) → nothing; sa-legacy (research), key-sa-legacy last
// used 2026-06-01 → PW-STALE-CREDENTIAL.
import { parseBoundaryMap } from '../../../../core/config/load.ts';
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { workos, workosEvent, type DirUserShape } from '../../../../demo/company/vendor-shapes.ts';
import { DAY, HOUR, MIN, NOW, envelope, iso, t, type Case, type Company, type LagExpectation, type LagUnit } from './common.ts';
import { hookEnvelope, lifecycle, oktaUuid, sessionStart, type OktaUser } from './okta.ts';
import { auditEnvelope, openaiSnapshots, type OaiKey, type OaiOrg, type OaiUser } from './openai.ts';
import { scimCopy, scimEnvelope, type ScimUser } from './scim.ts';

const OKTA_ORG = 'acme.okta.com';
export const ACME_OKTA_TENANT = OKTA_ORG;
const GLOBEX = 'org_01GLOBEX';
const GLOBEX_DIR = 'directory_01GLOBEX';
const INITECH = 'org_01INITECH';
const INITECH_DIR = 'directory_01INITECH';
const P_APP = 'proj_app';
const P_RESEARCH = 'proj_research';
const P_EVAL = 'proj_eval';

export const acmeConfigYaml = `
planes:
  platform:    { owner: it-security@acme.example, deprovision_sla: 24h, grace: 1h, stale_after: 90d, pre_departure_window: 7d }
  application: { owner: product-security@acme.example, deprovision_sla: 72h, grace: 1h, stale_after: 90d, pre_departure_window: 7d }
domains:
  corporate: [acme.example]
  customer: [globex.example, initech.example]
connections:
  - id: okta-acme
    vendor: okta
    transport: webhook
    secret_env: ACME_OKTA_HOOK_SECRET
    plane: platform
    authoritative_for: employees
  - id: scim-contractors
    vendor: scim
    transport: webhook
    secret_env: ACME_SCIM_COPY_SECRET
    plane: platform
    authoritative_for: contractors
  - id: openai-acme
    vendor: openai
    transport: poll
    api_key_env: ACME_OPENAI_ADMIN_KEY
    poll_interval: 1h
  - id: workos-acme
    vendor: workos
    transport: webhook
    secret_env: ACME_WORKOS_WEBHOOK_SECRET
    plane: application
    authoritative_for: customers
`;

const weekly = (from: number, to: number): number[] => {
  const out: number[] = [];
  for (let x = from; x < to; x += 7 * DAY) out.push(x);
  return out;
};

export function buildAcme(): Company {
  const envs: RawEnvelope[] = [];

  // ---- Okta (event hooks since 2024-01) ---------------------------------------------------------
  const admin: OktaUser = { id: '00uITADMIN0000001', login: 'it.admin@acme.example', name: 'IT Admin' };
  const okta = (name: string, id: string): OktaUser => ({
    id,
    login: `${name}@acme.example`,
    name: name[0]!.toUpperCase() + name.slice(1),
  });
  const O = {
    alice: okta('alice', '00uALICE00000001'),
    bob: okta('bob', '00uBOB0000000001'),
    carol: okta('carol', '00uCAROL00000001'),
    dave: okta('dave', '00uDAVE000000001'),
    erin: okta('erin', '00uERIN000000001'),
    frank: okta('frank', '00uFRANK00000001'),
    henry: okta('henry', '00uHENRY00000001'),
    noor: okta('noor', '00uNOOR000000001'),
    kim: okta('kim', '00uKIM0000000001'),
    jane: okta('jane', '00uJANE000000001'),
  };
  let delivery = 0;
  const hook = (at: number, events: Record<string, unknown>[], delay = 20_000) =>
    envs.push(hookEnvelope('okta-acme', OKTA_ORG, 'who0acmehook01', `delivery-acme-${++delivery}`, at + delay, events));
  const created: [OktaUser, string][] = [
    [O.alice, '2024-02-01T09:00'],
    [O.bob, '2024-06-03T09:00'],
    [O.carol, '2025-01-06T09:00'],
    [O.dave, '2024-09-02T09:00'],
    [O.erin, '2025-02-03T09:00'],
    [O.frank, '2025-05-05T09:00'],
    [O.henry, '2025-03-03T09:00'],
    [O.noor, '2025-08-04T09:00'],
    [O.kim, '2026-11-24T09:00'],
    [O.jane, '2026-11-03T09:00'],
  ];
  for (const [u, at] of created) hook(t(at), [lifecycle(oktaUuid('acme'), 'create', t(at), admin, u)]);
  hook(t('2026-10-05T09:00'), [lifecycle(oktaUuid('acme'), 'deactivate', t('2026-10-05T09:00'), admin, O.henry)]);
  hook(t('2026-10-20T09:00'), [lifecycle(oktaUuid('acme'), 'reactivate', t('2026-10-20T09:00'), admin, O.henry)]);
  hook(t('2026-11-02T10:00'), [lifecycle(oktaUuid('acme'), 'deactivate', t('2026-11-02T10:00'), admin, O.dave)]);
  hook(t('2026-11-10T09:00'), [lifecycle(oktaUuid('acme'), 'deactivate', t('2026-11-10T09:00'), admin, O.carol)]);
  const erinOut = lifecycle(oktaUuid('acme'), 'deactivate', t('2026-11-20T09:00'), admin, O.erin);
  hook(t('2026-11-20T09:00'), [erinOut]);
  // Okta retries a delivery it did not see acknowledged: a new delivery (eventId) with the same LogEvent, two days late.
  hook(t('2026-11-22T09:00'), [erinOut, sessionStart(oktaUuid('acme'), t('2026-11-22T08:59'), O.bob)], 0);
  hook(t('2026-11-21T07:30'), [sessionStart(oktaUuid('acme'), t('2026-11-21T07:30'), O.erin, 'FAILURE')]);
  hook(NOW - 5 * HOUR, [lifecycle(oktaUuid('acme'), 'suspend', NOW - 5 * HOUR, admin, O.frank)]);
  hook(NOW - 3 * HOUR, [
    sessionStart(oktaUuid('acme'), NOW - 3 * HOUR, O.bob),
    sessionStart(oktaUuid('acme'), NOW - 2 * HOUR - 30 * MIN, O.alice),
  ]);

  // ---- SCIM contractor directory (tenant northwind) --------------------------------------------
  const sc = (name: string, id: string): ScimUser => ({
    id,
    userName: `${name}@northwind.example`,
    given: name,
    family: 'Northwind',
    externalId: `nw-${name}`,
  });
  const S = {
    ravi: sc('ravi', '2819c223-7f76-453a-919d-413861904601'),
    sven: sc('sven', '2819c223-7f76-453a-919d-413861904602'),
    tara: sc('tara', '2819c223-7f76-453a-919d-413861904603'),
  };
  const scimAt = (at: number, body: string) => envs.push(scimEnvelope('scim-contractors', at + 2_000, body));
  scimAt(t('2026-05-04T08:00'), scimCopy.create('northwind', S.sven, t('2026-05-04T08:00')));
  scimAt(t('2026-11-01T08:00'), scimCopy.create('northwind', S.ravi, t('2026-11-01T08:00')));
  scimAt(t('2026-11-10T08:00'), scimCopy.create('northwind', S.tara, t('2026-11-10T08:00')));
  scimAt(t('2026-11-25T12:00'), scimCopy.deactivate('northwind', S.sven, t('2026-11-25T12:00'), 2));
  scimAt(t('2026-11-27T10:00'), scimCopy.remove('northwind', S.tara, t('2026-11-27T10:00')));
  scimAt(NOW - 10 * HOUR, scimCopy.retitle('northwind', S.ravi, NOW - 10 * HOUR, 2, 'ML contractor'));

  // ---- OpenAI ---------------------------------------------------------------------------------
  const FIRST_CONTACT = t('2026-07-01T00:00');
  const ou = (id: string, email: string, addedAt: string, projects: string[], extra: Partial<OaiUser> = {}): OaiUser => ({
    id,
    email,
    name: email.split('@')[0]!,
    role: 'reader',
    addedAt: t(addedAt),
    projects,
    ...extra,
  });
  const U = {
    alice: ou('user-alice0001', 'alice@acme.example', '2024-02-02T10:00', [P_APP, P_RESEARCH], { role: 'owner' }),
    bob: ou('user-bob000001', 'bob@acme.example', '2024-06-04T10:00', [P_APP]),
    carol: ou('user-carol0001', 'carol@acme.example', '2025-01-07T10:00', [P_APP], { removedAt: t('2026-11-10T15:00') }),
    dave: ou('user-dave00001', 'dave@acme.example', '2024-09-03T10:00', [P_APP, P_RESEARCH], { removedAt: t('2026-11-05T10:00') }),
    erin: ou('user-erin00001', 'erin@acme.example', '2025-02-04T10:00', [P_APP, P_RESEARCH, P_EVAL]),
    frank: ou('user-frank0001', 'frank@acme.example', '2025-05-06T10:00', [P_EVAL]),
    henry: ou('user-henry0001', 'henry@acme.example', '2025-03-04T10:00', [P_APP]),
    noor: ou('user-noor00001', 'noor@acme.example', '2025-08-05T10:00', [P_EVAL]),
    sven: ou('user-sven00001', 'sven@northwind.example', '2026-05-05T10:00', [P_EVAL], { removedAt: t('2026-11-25T18:00') }),
    quinn: ou('user-quinn0001', 'quinn.dev@gmail.example', '2026-08-10T10:00', [P_EVAL]),
    liz: ou('user-liz000001', 'liz@globex.example', '2026-09-20T10:00', [P_EVAL]),
    ravi: ou('user-ravi00001', 'ravi@northwind.example', '2026-11-03T09:00', [P_EVAL]),
  };
  const owner = (u: OaiUser) => ({ type: 'user' as const, id: u.id, email: u.email, name: u.name });
  const K = (id: string, project: string | null, o: OaiKey['owner'], createdAt: string, uses: number[], removedAt?: string): OaiKey => ({
    id,
    name: id.replace(/^key-|^admin-key-/, ''),
    project,
    owner: o,
    createdAt: t(createdAt),
    uses: uses.sort((a, b) => a - b),
    ...(removedAt ? { removedAt: t(removedAt) } : {}),
  });
  const daily = (d: string) => t(`${d}T10:00`);
  const sa = { ci: { id: 'user-sa-ci-0001', name: 'ci' }, legacy: { id: 'user-sa-legacy01', name: 'legacy-batch' } };
  const keys: OaiKey[] = [
    K('admin-key-alice', null, owner(U.alice), '2024-02-01T12:00', [daily('2026-06-30'), ...weekly(t('2026-07-03T08:00'), NOW), NOW - DAY]),
    K('admin-key-erin', null, owner(U.erin), '2025-03-01T12:00', [
      ...weekly(t('2026-06-02T08:00'), t('2026-11-16')),
      t('2026-11-24T22:00'),
    ]),
    K('key-alice-app', P_APP, owner(U.alice), '2025-02-01T12:00', [...weekly(t('2026-06-01T08:00'), NOW), NOW - DAY]),
    K('key-bob-app', P_APP, owner(U.bob), '2025-01-10T12:00', [daily('2026-06-30'), ...weekly(t('2026-07-02T08:00'), NOW), NOW - DAY]),
    K('key-bob-old', P_APP, owner(U.bob), '2025-06-01T12:00', [daily('2026-06-20')]),
    K('key-bob-batch', P_APP, owner(U.bob), '2025-08-01T12:00', [daily('2026-03-10'), ...weekly(t('2026-07-27T08:00'), NOW - 2 * DAY)]),
    K('key-carol-app', P_APP, owner(U.carol), '2025-11-01T12:00', weekly(t('2026-06-05T08:00'), t('2026-11-10')), '2026-11-10T15:05'),
    K('key-henry-app', P_APP, owner(U.henry), '2025-04-01T12:00', [
      ...weekly(t('2026-06-04T08:00'), t('2026-09-29')),
      t('2026-10-25T10:00'),
      t('2026-11-20T10:00'),
      NOW - DAY,
    ]),
    K('key-sa-ci', P_APP, { type: 'service_account', ...sa.ci }, '2025-12-01T12:00', [...weekly(t('2026-06-06T08:00'), NOW), NOW - DAY]),
    K('key-erin-research', P_RESEARCH, owner(U.erin), '2026-11-17T14:00', [t('2026-11-18T10:00')]),
    K('key-sa-legacy', P_RESEARCH, { type: 'service_account', ...sa.legacy }, '2024-05-01T12:00', [daily('2026-06-01')]),
    K('key-noor-eval', P_EVAL, owner(U.noor), '2025-09-01T12:00', [
      daily('2026-06-30'),
      daily('2026-10-15'),
      daily('2026-11-20'),
      NOW - DAY,
    ]),
  ];
  const org: OaiOrg = {
    connection: 'openai-acme',
    projects: [
      { id: P_APP, name: 'Product app', createdAt: t('2024-02-02T00:00') },
      { id: P_RESEARCH, name: 'Research', createdAt: t('2024-05-01T00:00') },
      { id: P_EVAL, name: 'Evals', createdAt: t('2025-05-01T00:00') },
    ],
    users: Object.values(U),
    serviceAccounts: [
      { id: sa.ci.id, name: sa.ci.name, project: P_APP, createdAt: t('2025-12-01T11:00') },
      { id: sa.legacy.id, name: sa.legacy.name, project: P_RESEARCH, createdAt: t('2024-05-01T11:00') },
    ],
    keys,
  };
  // Complete snapshots: first contact, monthly, the day after sven left, and the latest (NOW − 30 min).
  envs.push(
    ...openaiSnapshots(org, [
      FIRST_CONTACT,
      t('2026-08-01'),
      t('2026-09-01'),
      t('2026-10-01'),
      t('2026-11-01'),
      t('2026-11-26'),
      NOW - 30 * MIN,
    ]),
  );

  const asAlice = { type: 'session' as const, userId: U.alice.id, email: U.alice.email };
  const audit = (
    id: string,
    type: string,
    at: string | number,
    actor: typeof asAlice | null,
    payload: Record<string, unknown>,
    project?: string,
  ) => envs.push(auditEnvelope('openai-acme', id, type, typeof at === 'number' ? at : t(at), actor, payload, project));
  audit('audit_log-acme-0001', 'user.added', '2026-08-10T10:00', asAlice, { id: U.quinn.id, data: { role: 'reader' } });
  audit('audit_log-acme-0002', 'user.added', '2026-09-20T10:00', asAlice, { id: U.liz.id, data: { role: 'reader' } });
  audit('audit_log-acme-0003', 'invite.sent', '2026-11-02T10:00', asAlice, {
    id: 'invite-ravi',
    data: { email: 'ravi@northwind.example', role: 'reader' },
  });
  audit('audit_log-acme-0004', 'invite.accepted', '2026-11-03T09:00', null, { id: 'invite-ravi' });
  audit('audit_log-acme-0005', 'user.added', '2026-11-03T09:00', null, { id: U.ravi.id, data: { role: 'reader' } });
  audit('audit_log-acme-0006', 'user.deleted', '2026-11-05T10:00', asAlice, { id: U.dave.id });
  audit('audit_log-acme-0007', 'invite.sent', '2026-11-05T10:00', asAlice, {
    id: 'invite-jane',
    data: { email: 'jane@acme.example', role: 'reader' },
  });
  audit('audit_log-acme-0008', 'invite.deleted', '2026-11-06T10:00', asAlice, { id: 'invite-jane' });
  audit('audit_log-acme-0009', 'user.deleted', '2026-11-10T15:00', asAlice, { id: U.carol.id });
  audit('audit_log-acme-0010', 'api_key.deleted', '2026-11-10T15:05', asAlice, { id: 'key-carol-app' }, P_APP);
  audit('audit_log-acme-0011', 'invite.sent', '2026-11-15T10:00', asAlice, {
    id: 'invite-tara',
    data: { email: 'tara@northwind.example', role: 'reader' },
  });
  audit(
    'audit_log-acme-0012',
    'api_key.created',
    '2026-11-17T14:00',
    { type: 'session', userId: U.erin.id, email: U.erin.email },
    { id: 'key-erin-research', data: { scopes: ['api.model.request'] } },
    P_RESEARCH,
  );
  audit('audit_log-acme-0013', 'invite.sent', '2026-11-28T10:00', asAlice, {
    id: 'invite-kim',
    data: { email: 'kim@acme.example', role: 'reader' },
  });
  audit('audit_log-acme-0014', 'login.succeeded', NOW - 2 * HOUR, asAlice, {});
  // The poller fetched the page of the 11-10 deletion again after a restart: the same bytes, later.
  const again = envs.find((e) => e.source === 'openai' && e.body.toString().includes('audit_log-acme-0009'))!;
  envs.push({ ...again, received_at: again.received_at + 6 * HOUR });

  // ---- WorkOS: Globex and Initech ------------------------------------------------------------------
  const wh = (body: string, at: number) => envs.push(envelope('workos', 'workos-acme', 'webhook', 'application/json', body, at + 3_000));
  let we = 0;
  const weid = () => `event_01ACME${String(++we).padStart(14, '0')}`;
  const dir = (local: string, domain: string, id: string, org: string, dirId: string, createdAt: string): DirUserShape => ({
    id,
    directoryId: dirId,
    orgId: org,
    email: `${local}@${domain}`,
    first: local.split('.')[0]!,
    last: domain.split('.')[0]!,
    createdAt: t(createdAt),
  });
  const D = {
    liz: dir('liz', 'globex.example', 'directory_user_01LIZ', GLOBEX, GLOBEX_DIR, '2026-06-01T08:00'),
    mo: dir('mo', 'globex.example', 'directory_user_01MO', GLOBEX, GLOBEX_DIR, '2026-06-01T08:01'),
    ned: dir('ned', 'globex.example', 'directory_user_01NED', GLOBEX, GLOBEX_DIR, '2026-06-01T08:02'),
    ola: dir('ola', 'globex.example', 'directory_user_01OLA', GLOBEX, GLOBEX_DIR, '2026-06-01T08:03'),
    pat: dir('pat', 'consult.example', 'directory_user_01PAT', GLOBEX, GLOBEX_DIR, '2026-06-01T08:04'),
    rkim: dir('r.kim', 'initech.example', 'directory_user_01RKIM', INITECH, INITECH_DIR, '2026-08-01T08:00'),
    sol: dir('sol', 'initech.example', 'directory_user_01SOL', INITECH, INITECH_DIR, '2026-08-01T08:01'),
  };
  for (const u of Object.values(D)) wh(workos.dsyncUserCreated(weid(), u), u.createdAt);
  const authkit: [string, string, string, [string, string][]][] = [
    ['user_01LIZ', 'liz@globex.example', '2026-06-02T09:00', [['om_01LIZ', GLOBEX]]],
    ['user_01MO', 'mo@globex.example', '2026-06-02T09:01', [['om_01MO', GLOBEX]]],
    ['user_01NED', 'ned@globex.example', '2026-06-02T09:02', [['om_01NED', GLOBEX]]],
    ['user_01OLA', 'ola@globex.example', '2026-06-02T09:03', [['om_01OLA', GLOBEX]]],
    [
      'user_01PAT',
      'pat@consult.example',
      '2026-06-02T09:04',
      [
        ['om_01PATG', GLOBEX],
        ['om_01PATI', INITECH],
      ],
    ],
    ['user_01RKIM', 'r.kim@initech.example', '2026-08-02T09:00', [['om_01RKIM', INITECH]]],
    ['user_01SOL', 'sol@initech.example', '2026-08-02T09:01', [['om_01SOL', INITECH]]],
    ['user_01BOBSUPPORT', 'bob@acme.example', '2026-07-15T09:00', [['om_01BOBG', GLOBEX]]],
  ];
  for (const [id, email, at, ms] of authkit) {
    wh(workos.userCreated(weid(), id, email, t(at)), t(at));
    ms.forEach(([mid, o], i) =>
      wh(workos.membership(weid(), 'organization_membership.created', mid, id, o, t(at) + (i + 1) * MIN), t(at) + (i + 1) * MIN),
    );
  }
  wh(workos.dsyncUserDeleted(weid(), D.ned, t('2026-11-10T09:00')), t('2026-11-10T09:00'));
  wh(
    workos.membership(weid(), 'organization_membership.deleted', 'om_01NED', 'user_01NED', GLOBEX, t('2026-11-15T09:00')),
    t('2026-11-15T09:00'),
  );
  wh(workos.dsyncUserEmailChanged(weid(), D.rkim, t('2026-11-12T10:00'), 'rachel.kim@initech.example'), t('2026-11-12T10:00'));
  wh(
    workosEvent(
      weid(),
      'user.updated',
      {
        object: 'user',
        id: 'user_01RKIM',
        email: 'rachel.kim@initech.example',
        email_verified: true,
        first_name: 'Rachel',
        last_name: 'Kim',
        created_at: '2026-08-02T09:00:00.000Z',
        updated_at: iso(t('2026-11-12T10:05')),
      },
      t('2026-11-12T10:05'),
    ),
    t('2026-11-12T10:05'),
  );
  wh(workos.dsyncUserDeleted(weid(), D.mo, t('2026-11-20T08:00')), t('2026-11-20T08:00'));
  wh(workos.userDeleted(weid(), 'user_01MO', 'mo@globex.example', t('2026-11-21T08:00')), t('2026-11-21T08:00'));
  wh(workos.dsyncUserSuspended(weid(), D.ola, t('2026-11-22T09:00')), t('2026-11-22T09:00'));
  wh(workos.dsyncUserDeleted(weid(), D.pat, t('2026-11-23T09:00')), t('2026-11-23T09:00'));
  wh(workos.sessionCreated(weid(), 'session_01SOL', 'user_01SOL', INITECH, NOW - 20 * HOUR), NOW - 20 * HOUR);
  wh(workos.sessionCreated(weid(), 'session_01LIZ', 'user_01LIZ', GLOBEX, NOW - 3 * HOUR), NOW - 3 * HOUR);

  return {
    name: 'acme',
    now: NOW,
    configYaml: acmeConfigYaml,
    map: parseBoundaryMap(acmeConfigYaml, 'acme.yaml'),
    envelopes: envs,
    sources: ['okta', 'scim', 'openai', 'workos'],
    cases: ACME_CASES,
    lag: ACME_LAG,
    scopes: {
      'PW-ORPHANED-ACCOUNT|human|user-erin00001|': [P_APP, P_EVAL, P_RESEARCH],
      'PW-DEPROV-OVERDUE|human|user-erin00001|': [P_APP, P_EVAL, P_RESEARCH],
      'PW-ORPHANED-ACCOUNT|human|user-frank0001|': [P_EVAL],
    },
    observed: [],
  };
}

// ---- ground truth ------------------------------------------------------------------------------

const c = (detection: string, kind: string, id: string, tenant: string, reason: string): Case => ({ detection, kind, id, tenant, reason });

export const ACME_CASES: Case[] = [
  // erin: Okta user.lifecycle.deactivate 11-20 09:00 (signal); 10 days > platform SLA 24 h.
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'user-erin00001',
    '',
    'erin left 11-20 (Okta deactivate); OpenAI org user still listed at NOW−30m, member of proj_app, proj_research, proj_eval → ONE unit (project memberships are scopes: access=scope), detail.scopes = the 3 projects',
  ),
  c('PW-DEPROV-OVERDUE', 'human', 'user-erin00001', '', 'same unit, pending 10 d > SLA 24 h'),
  c(
    'PW-ORPHANED-CREDENTIAL',
    'project_key',
    'key-erin-research',
    P_RESEARCH,
    'project key owned by erin (inventory owner) still listed; owner deprovisioned past grace',
  ),
  c('PW-DEPROV-OVERDUE', 'project_key', 'key-erin-research', P_RESEARCH, 'credential owned by a leaver, pending 10 d > 24 h'),
  c(
    'PW-PRE-DEPARTURE-KEY',
    'project_key',
    'key-erin-research',
    P_RESEARCH,
    'api_key.created by erin (session actor) 11-17 14:00, 2 d 19 h before her signal: within the 7 d window',
  ),
  c(
    'PW-ORPHANED-CREDENTIAL',
    'admin_key',
    'admin-key-erin',
    '',
    'admin key owned by erin still listed (critical: admin kind, used after she left)',
  ),
  c('PW-DEPROV-OVERDUE', 'admin_key', 'admin-key-erin', '', 'credential owned by a leaver, pending 10 d > 24 h'),
  c(
    'PW-ACTIVITY-AFTER-DEPROVISION',
    'admin_key',
    'admin-key-erin',
    '',
    'listing of 11-26 reports last_used_at 11-24 22:00, after signal + grace (11-20 10:00); her refused Okta sign-in of 11-21 is not activity',
  ),
  // frank: Okta user.lifecycle.suspend at NOW − 5 h: past grace (1 h), inside the SLA (24 h).
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'user-frank0001',
    '',
    'frank suspended NOW−5h; OpenAI user (proj_eval) still listed → orphaned, not yet overdue',
  ),
  // tara: SCIM DELETE 11-27 10:00 while her OpenAI invite (invite.sent 11-15) is still pending.
  c(
    'PW-ORPHANED-ACCOUNT',
    'invite',
    'invite-tara',
    '',
    'a pending invite is an access path of the invitee (IDENTITY-MODEL "Invites"); tara deleted from the contractor directory 11-27 10:00; OpenAI reports no expiry → still pending',
  ),
  c('PW-DEPROV-OVERDUE', 'invite', 'invite-tara', '', 'pending 3 d 2 h > 24 h'),
  // stale credentials (state at NOW, judged on the latest listing)
  c('PW-STALE-CREDENTIAL', 'project_key', 'key-bob-old', P_APP, 'listing at NOW−30m reports last_used_at 2026-06-20: 163 d > 90 d'),
  c(
    'PW-STALE-CREDENTIAL',
    'service_account_key',
    'key-sa-legacy',
    P_RESEARCH,
    'service-account key, listing at NOW−30m reports last_used_at 2026-06-01: 182 d > 90 d',
  ),
  // reuse after an idle gap planewatch watched
  c(
    'PW-STALE-CREDENTIAL-REUSED',
    'project_key',
    'key-noor-eval',
    P_EVAL,
    'first listed 07-01 with last use 06-30; listings of 08-01, 09-01, 10-01 still show 06-30 (idle watched 07-01 → 10-01 = 92 d); used again 10-15 (listing of 11-01): gap 106 d > 90 d',
  ),
  // boundary crossings / unmanaged
  c('PW-UNMANAGED-ACCOUNT', 'human', 'user-quinn0001', '', 'OpenAI user quinn.dev@gmail.example: no directory account, no link'),
  c(
    'PW-CUSTOMER-IN-PLATFORM',
    'human',
    'user-liz000001',
    '',
    'liz@globex.example is in the Globex directory (application plane, customer domain) and holds an OpenAI org user',
  ),
  c(
    'PW-PLATFORM-IN-TENANT',
    'human',
    'user_01BOBSUPPORT',
    GLOBEX,
    'bob@acme.example (Okta employee, corporate domain) is a member of the Globex organisation: the unit is the membership (AuthKit user id, tenant = organisation)',
  ),
  // customer leavers (application SLA 72 h)
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'user_01OLA',
    GLOBEX,
    'ola set inactive in the Globex directory 11-22 09:00; her Globex membership is still there (AuthKit user alone is no unit)',
  ),
  c('PW-DEPROV-OVERDUE', 'human', 'user_01OLA', GLOBEX, 'pending 8 d 3 h > 72 h'),
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'user_01PAT',
    GLOBEX,
    'pat deleted from the Globex directory 11-23 09:00; Globex membership still there',
  ),
  c('PW-DEPROV-OVERDUE', 'human', 'user_01PAT', GLOBEX, 'pending 7 d 3 h > 72 h'),
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'user_01PAT',
    INITECH,
    "the signal governs every non-directory account of the person (DETECTIONS decision): pat's Initech membership is a second unit",
  ),
  c('PW-DEPROV-OVERDUE', 'human', 'user_01PAT', INITECH, 'pending 7 d 3 h > 72 h'),
  // mover
  c(
    'PW-AMBIGUOUS-IDENTITY',
    'human',
    'directory_user_01RKIM',
    INITECH,
    'Directory Sync user whose email changed r.kim@ → rachel.kim@initech.example (a human account whose email changed)',
  ),
  c('PW-AMBIGUOUS-IDENTITY', 'human', 'user_01RKIM', '', 'the AuthKit user changed its email the same way (user.updated)'),
];

const lag = (
  count: number,
  removed: number,
  pending: number,
  overdue: number,
  breaches: number,
  bySource: Record<string, number>,
  items: LagUnit[],
): LagExpectation => ({ count, removed, pending, overdue, breaches, bySource, items });

const R = (source: string, id: string, tenant: string, note: string): LagUnit => ({ source, id, tenant, removed: true, note });
const P = (source: string, id: string, tenant: string, note: string): LagUnit => ({ source, id, tenant, removed: false, note });

export const ACME_LAG: Record<'platform' | 'application', LagExpectation> = {
  platform: lag(9, 4, 5, 4, 1, { openai: 9 }, [
    R('openai', 'user-carol0001', '', 'carol 11-10 09:00 → user.deleted 15:00: 6 h (its project membership is a scope, not an item)'),
    R('openai', 'key-carol-app', P_APP, 'carol 11-10 09:00 → api_key.deleted 15:05: 6 h 5 m'),
    R('openai', 'user-dave00001', '', 'dave 11-02 10:00 → user.deleted 11-05 10:00: 72 h, breach (> 24 h)'),
    R('openai', 'user-sven00001', '', 'sven 11-25 12:00 → absent from the 11-26 00:00 snapshot: 12 h (removal: inventory)'),
    P('openai', 'user-erin00001', '', 'erin 11-20 09:00, overdue'),
    P('openai', 'key-erin-research', P_RESEARCH, 'erin 11-20 09:00, overdue'),
    P('openai', 'admin-key-erin', '', 'erin 11-20 09:00, overdue'),
    P('openai', 'user-frank0001', '', 'frank NOW−5h, inside the SLA'),
    P('openai', 'invite-tara', '', 'tara 11-27 10:00, overdue (pending invite)'),
    // not items: henry (period ended 10-20), jane's invite (closed 11-06, she never left), ravi's invite (accepted),
    // directory accounts themselves.
  ]),
  application: lag(5, 2, 3, 3, 1, { workos: 5 }, [
    R('workos', 'user_01MO', GLOBEX, 'mo 11-20 08:00 → AuthKit user.deleted 11-21 08:00 ends its membership: 24 h'),
    R('workos', 'user_01NED', GLOBEX, 'ned 11-10 09:00 → organization_membership.deleted 11-15 09:00: 5 d, breach (> 72 h)'),
    P('workos', 'user_01OLA', GLOBEX, 'ola 11-22 09:00, overdue'),
    P('workos', 'user_01PAT', GLOBEX, 'pat 11-23 09:00, overdue'),
    P('workos', 'user_01PAT', INITECH, 'pat 11-23 09:00, overdue'),
    // not items: the AuthKit users themselves (login accounts; ned's stays and grants nothing).
  ]),
};
