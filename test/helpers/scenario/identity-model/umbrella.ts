// UMBRELLA — an AI product company on Anthropic and AWS. Platform plane: Okta as the workforce
// directory, read by System Log polling (the System Log keeps 90 days: people created before that
// appear only through their sign-ins and the lifecycle events that name them), the Anthropic Admin
// API inventory (first contact 2026-09-01), and AWS CloudTrail (the trail starts 2026-09-01: IAM
// users created before it are seen only through their console sign-ins and API calls).
// Application plane: Auth0 log streams (the product's customer login) and a customer directory
// (Wayne Enterprises) provisioned over SCIM.
//
// Written by hand from the vendors' documentation and docs/DESIGN.md, docs/DETECTIONS.md,
// docs/IDENTITY-MODEL.md (which wins). Thresholds: platform SLA 24 h, application SLA 72 h, grace
// 1 h, stale 90 d. Evaluated at NOW = 2026-11-30T12:00Z. AWS account 111122223333.
//
//   maria   stayer (old Okta user: sign-ins only); Anthropic user; IAM user maria@ with console
//           sign-ins up to yesterday; created apikey_legacy_batch in 2025      → that key: PW-STALE-CREDENTIAL
//           (Anthropic reports no last use: judged by age, DETECTIONS decision; 578 d > 90 d)
//   nina    stayer (sign-ins only); signs into AWS through IAM Identity Center (AWSReservedSSO_ role
//           session = a person); as such creates and deletes IAM users          → nothing (not a non-human)
//   oscar   leaver (Okta deactivate 11-10 09:00, the event is the only directory fact about him);
//           IAM user oscar@ older than the trail, seen only through console sign-ins (last 11-02)
//           → IAM user and its console password still there                     → see CASES (basis: observed)
//   lena    late leaver (Okta deactivate 11-05 09:00); IAM user older than the trail (console sign-ins);
//           DeleteLoginProfile + DeleteUser 11-08 10:00 (73 h)                  → lag: 2 breaches
//   kai     joiner 09-10 (Okta create, inside retention), IAM user created in the trail with a console
//           password and an access key; leaver 11-18 09:00; key, password, user deleted 12:00–12:02 → 3 removed in time
//   uma     leaver (Okta deactivate 11-25 10:00); Anthropic user in 2 workspaces and her key still listed → CASES;
//           a refused Okta sign-in 11-26 is not activity
//   xavier  leaver (Okta deactivate 11-14 20:00); gone from the Anthropic snapshot of 11-15 00:00, his key
//           listed `archived` there                                              → lag: 2 removed in time (4 h)
//   victor  returner (deactivate 10-10, reactivate 10-25); Anthropic user all along → nothing
//   ivy     hired 10-01 (Okta create), offer withdrawn: deactivated 11-20 09:00; her Anthropic invite
//           (pending on 11-15) is listed `deleted` only at the latest snapshot (NOW − 40 min)
//                                                                               → lag: 1 removed, breach
//   zed     invited 09-25, accepted 10-02 (the invite is first listed already accepted: counts nowhere)
//   yara    pending Anthropic invite (11-28), employee                          → nothing
//   temp@agency.example: an invite first listed already expired (08-10)        → counts nowhere
//   legacy-etl  IAM user older than the trail, seen only through API calls with a long-term key (no
//           email, no link)                                                     → PW-UNMANAGED-ACCOUNT;
//           a CI role session (GitHub OIDC web identity) rotates its key: CreateAccessKey for it
//                                                                               → PW-NHI-HUMAN-ACTION (role session);
//           the new key is owned by an account that exists by observation       → not orphaned
//   Wayne Enterprises (SCIM, tenant wayne, authoritative for customers) and Auth0 tenant umbrella-prod:
//   bruce   database user (signup + logins)                                     → nothing
//   lucius  enterprise-connection (SAML) user: created at his first login, no signup event; SCIM
//           active=false 11-24 09:00; Auth0 user untouched and he signs in 11-25 08:00 → CASES
//   selina  database user; SCIM active=false 11-26 10:00; blocked through the Management API 16:00 (6 h) → removed in time
//   harvey  database user; SCIM DELETE 11-12 10:00; deleted through the Management API 11-19 10:00 (7 d) → breach
//   alfred  in the SCIM directory only                                          → nothing
//   M2M: CLIENTreportsync exchanges its secret every week                       → nothing;
//        CLIENTlegacyexport last exchanged its secret 08-01 (stream delivering since 07-01) → PW-STALE-CREDENTIAL
import { parseBoundaryMap } from '../../../../core/config/load.ts';
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { DAY, HOUR, MIN, NOW, t, type Case, type Company, type LagExpectation, type LagUnit } from './common.ts';
import { lifecycle, oktaUuid, sessionStart, systemLogEnvelope, type OktaUser } from './okta.ts';
import { anthropicSnapshots, type AntOrg } from './anthropic.ts';
import { assumedRole, consoleLogin, iamUser, javaDate, logFileEnvelope, record } from './aws.ts';
import { clientCredentials, login, managementApi, signup, streamEnvelope, type Auth0Tenant, type Auth0User } from './auth0.ts';
import { scimCopy, scimEnvelope, type ScimUser } from './scim.ts';

const OKTA_ORG = 'umbrella.okta.com';
const ACCOUNT = '111122223333';
const AUTH0_TENANT = 'umbrella-prod';
/** Auth0 users and clients outside any Auth0 Organization are in no customer tenant (sources/auth0/map.ts). */
const NO_ORGANIZATION = '';
const W_PROD = 'wrkspc_01PROD';
const W_RESEARCH = 'wrkspc_01RESEARCH';
const GHA_ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/gha-deploy/GitHubActions`;

export const umbrellaConfigYaml = `
planes:
  platform:    { owner: secops@umbrella.example, deprovision_sla: 24h, grace: 1h, stale_after: 90d, pre_departure_window: 7d }
  application: { owner: appsec@umbrella.example, deprovision_sla: 72h, grace: 1h, stale_after: 90d, pre_departure_window: 7d }
domains:
  corporate: [umbrella.example]
  customer: [wayne.example]
connections:
  - id: okta-umbrella
    vendor: okta
    transport: poll
    api_key_env: UMBRELLA_OKTA_API_TOKEN
    base_url: https://umbrella.okta.com
    poll_interval: 1h
    plane: platform
    authoritative_for: employees
  - id: anthropic-umbrella
    vendor: anthropic
    transport: inventory
    api_key_env: UMBRELLA_ANTHROPIC_ADMIN_KEY
    poll_interval: 1h
    credential_last_use: not_reported
  - id: aws-umbrella
    vendor: aws
    transport: webhook
    secret_env: UMBRELLA_AWS_WEBHOOK_SECRET
  - id: auth0-umbrella
    vendor: auth0
    transport: webhook
    secret_env: UMBRELLA_AUTH0_STREAM_TOKEN
  - id: scim-wayne
    vendor: scim
    transport: webhook
    secret_env: UMBRELLA_SCIM_COPY_SECRET
    authoritative_for: customers
`;

export function buildUmbrella(): Company {
  const envs: RawEnvelope[] = [];

  // ---- Okta System Log (first poll 2026-09-01: 90 days back is the retention) ----------------------
  const admin: OktaUser = { id: '00uUADMIN0000001', login: 'okta.admin@umbrella.example', name: 'Okta Admin' };
  const ok = (name: string, id: string): OktaUser => ({ id, login: `${name}@umbrella.example`, name });
  const O = {
    maria: ok('maria', '00uMARIA0000001'),
    nina: ok('nina', '00uNINA00000001'),
    oscar: ok('oscar', '00uOSCAR0000001'),
    lena: ok('lena', '00uLENA00000001'),
    kai: ok('kai', '00uKAI000000001'),
    uma: ok('uma', '00uUMA000000001'),
    xavier: ok('xavier', '00uXAVIER000001'),
    victor: ok('victor', '00uVICTOR000001'),
    ivy: ok('ivy', '00uIVY000000001'),
    zed: ok('zed', '00uZED000000001'),
    yara: ok('yara', '00uYARA00000001'),
  };
  const page = (receivedAt: number, events: Record<string, unknown>[]) =>
    envs.push(systemLogEnvelope('okta-umbrella', OKTA_ORG, receivedAt, events));
  const life = (verb: string, at: string, u: OktaUser) => lifecycle(oktaUuid('umb'), verb, t(at), admin, u);
  const signIn = (at: number, u: OktaUser, outcome: 'SUCCESS' | 'FAILURE' = 'SUCCESS') => sessionStart(oktaUuid('umb'), at, u, outcome);
  // The first page: sign-ins of the first days of September (users created long before).
  page(
    t('2026-09-05T12:00'),
    [O.maria, O.nina, O.oscar, O.lena, O.uma, O.xavier, O.victor, O.zed, O.yara].map((u, i) =>
      signIn(t('2026-09-01T08:00') + i * 7 * HOUR, u),
    ),
  );
  page(t('2026-09-10T09:05'), [life('create', '2026-09-10T09:00', O.kai)]);
  page(t('2026-10-01T09:05'), [life('create', '2026-10-01T09:00', O.ivy), signIn(t('2026-10-01T08:30'), O.kai)]);
  page(t('2026-10-10T09:05'), [life('deactivate', '2026-10-10T09:00', O.victor)]);
  page(t('2026-10-25T09:05'), [life('reactivate', '2026-10-25T09:00', O.victor)]);
  const lenaOut = life('deactivate', '2026-11-05T09:00', O.lena);
  page(t('2026-11-05T09:05'), [lenaOut]);
  page(t('2026-11-10T09:05'), [life('deactivate', '2026-11-10T09:00', O.oscar)]);
  page(t('2026-11-14T20:05'), [life('deactivate', '2026-11-14T20:00', O.xavier)]);
  page(t('2026-11-18T09:05'), [life('deactivate', '2026-11-18T09:00', O.kai)]);
  page(t('2026-11-20T09:05'), [life('deactivate', '2026-11-20T09:00', O.ivy)]);
  const umaOut = life('deactivate', '2026-11-25T10:00', O.uma);
  page(t('2026-11-25T10:05'), [umaOut]);
  page(t('2026-11-26T07:05'), [signIn(t('2026-11-26T07:00'), O.uma, 'FAILURE')]);
  // After a poller restart, a page re-read from an older checkpoint: lena's and uma's deactivations again (same uuids).
  page(t('2026-11-26T07:20'), [lenaOut, umaOut]);
  page(NOW - 30 * MIN, [signIn(NOW - 26 * HOUR, O.nina), signIn(NOW - 35 * MIN, O.maria)]);

  // ---- Anthropic (inventory snapshots; no per-key last use) ----------------------------------------
  const org: AntOrg = {
    connection: 'anthropic-umbrella',
    users: [
      {
        id: 'user_01MARIA',
        email: 'maria@umbrella.example',
        name: 'Maria',
        role: 'admin',
        addedAt: t('2024-03-01T10:00'),
        workspaces: [W_PROD],
      },
      {
        id: 'user_01UMA',
        email: 'uma@umbrella.example',
        name: 'Uma',
        role: 'developer',
        addedAt: t('2025-02-01T10:00'),
        workspaces: [W_PROD, W_RESEARCH],
      },
      {
        id: 'user_01VICTOR',
        email: 'victor@umbrella.example',
        name: 'Victor',
        role: 'developer',
        addedAt: t('2025-04-01T10:00'),
        workspaces: [W_PROD],
      },
      {
        id: 'user_01XAVIER',
        email: 'xavier@umbrella.example',
        name: 'Xavier',
        role: 'developer',
        addedAt: t('2025-06-01T10:00'),
        removedAt: t('2026-11-14T22:00'),
        workspaces: [W_RESEARCH],
      },
      { id: 'user_01ZED', email: 'zed@umbrella.example', name: 'Zed', role: 'user', addedAt: t('2026-10-02T10:00'), workspaces: [W_PROD] },
    ],
    invites: [
      {
        id: 'invite_01TEMP',
        email: 'temp@agency.example',
        role: 'user',
        invitedAt: t('2026-07-20T10:00'),
        expiresAt: t('2026-08-10T10:00'),
      },
      {
        id: 'invite_01ZED',
        email: 'zed@umbrella.example',
        role: 'user',
        invitedAt: t('2026-09-25T10:00'),
        expiresAt: t('2026-10-16T10:00'),
        acceptedAt: t('2026-10-02T10:00'),
      },
      {
        id: 'invite_01IVY',
        email: 'ivy@umbrella.example',
        role: 'developer',
        invitedAt: t('2026-11-10T10:00'),
        expiresAt: t('2026-12-01T10:00'),
        deletedAt: NOW - 2 * HOUR,
      },
      {
        id: 'invite_01YARA',
        email: 'yara@umbrella.example',
        role: 'developer',
        invitedAt: t('2026-11-28T10:00'),
        expiresAt: t('2026-12-19T10:00'),
      },
    ],
    keys: [
      {
        id: 'apikey_01LEGACYBATCH',
        name: 'legacy-batch',
        workspace: W_PROD,
        createdAt: t('2025-05-01T10:00'),
        createdBy: { type: 'user', id: 'user_01MARIA' },
      },
      {
        id: 'apikey_01XAVIER',
        name: 'xavier-notebook',
        workspace: W_RESEARCH,
        createdAt: t('2026-08-01T10:00'),
        createdBy: { type: 'user', id: 'user_01XAVIER' },
        archivedAt: t('2026-11-14T22:00'),
      },
      {
        id: 'apikey_01UMA',
        name: 'uma-research',
        workspace: W_RESEARCH,
        createdAt: t('2026-10-01T10:00'),
        createdBy: { type: 'user', id: 'user_01UMA' },
      },
      {
        id: 'apikey_01VICTOR',
        name: 'victor-dev',
        workspace: W_PROD,
        createdAt: t('2026-10-26T10:00'),
        createdBy: { type: 'user', id: 'user_01VICTOR' },
      },
      {
        id: 'apikey_01CI',
        name: 'ci',
        workspace: W_PROD,
        createdAt: t('2026-11-01T10:00'),
        createdBy: { type: 'user', id: 'user_01MARIA' },
        principal: { type: 'service_account_actor', service_account_id: 'svcacct_01CI' },
      },
    ],
    workspaces: [
      { id: W_PROD, name: 'production', createdAt: t('2024-03-01T09:00') },
      { id: W_RESEARCH, name: 'research', createdAt: t('2025-01-15T09:00') },
    ],
    serviceAccounts: [{ id: 'svcacct_01CI', name: 'ci', createdAt: t('2026-10-31T10:00'), createdBy: 'user_01MARIA' }],
  };
  envs.push(...anthropicSnapshots(org, [t('2026-09-01T00:00'), t('2026-11-15T00:00'), NOW - 40 * MIN]));

  // ---- AWS CloudTrail (trail since 2026-09-01) ------------------------------------------------------
  let ev = 0;
  const eid = () => `3c1b9f00-0000-4000-8000-${String(++ev).padStart(12, '0')}`;
  const trail = (receivedAt: number, records: Record<string, unknown>[]) => envs.push(logFileEnvelope('aws-umbrella', receivedAt, records));
  const console_ = (at: number, name: string) => consoleLogin(ACCOUNT, eid(), at, iamUser(ACCOUNT, name));
  const ninaSso = (key: string) =>
    assumedRole(ACCOUNT, 'AWSReservedSSO_AdministratorAccess_5f2a9c1d7e3b4a60', 'nina@umbrella.example', key);
  const etl = (key: string) => iamUser(ACCOUNT, 'legacy-etl', key);
  const listBuckets = (at: number, key: string) =>
    record(ACCOUNT, eid(), 'ListBuckets', at, etl(key), {
      eventSource: 's3.amazonaws.com',
      requestParameters: { Host: 's3.us-east-1.amazonaws.com' },
      readOnly: true,
    });
  trail(t('2026-09-01T03:10'), [listBuckets(t('2026-09-01T03:00'), 'AKIAOLDETL0000000001')]);
  trail(t('2026-09-02T09:10'), [
    console_(t('2026-09-02T09:00'), 'maria@umbrella.example'),
    console_(t('2026-09-03T09:00'), 'oscar@umbrella.example'),
  ]);
  trail(t('2026-09-05T09:10'), [console_(t('2026-09-05T09:00'), 'lena@umbrella.example')]);
  trail(t('2026-09-15T09:20'), [
    consoleLogin(ACCOUNT, eid(), t('2026-09-15T09:00'), ninaSso('ASIANINASSO000000001')),
    record(ACCOUNT, eid(), 'CreateUser', t('2026-09-15T09:10'), ninaSso('ASIANINASSO000000001'), {
      requestParameters: { userName: 'kai@umbrella.example' },
      responseElements: {
        user: {
          path: '/',
          userName: 'kai@umbrella.example',
          userId: 'AIDAKAI0000000000001',
          arn: `arn:aws:iam::${ACCOUNT}:user/kai@umbrella.example`,
          createDate: javaDate(t('2026-09-15T09:10')),
        },
      },
    }),
    record(ACCOUNT, eid(), 'CreateLoginProfile', t('2026-09-15T09:11'), ninaSso('ASIANINASSO000000001'), {
      requestParameters: { userName: 'kai@umbrella.example', passwordResetRequired: true },
      responseElements: {
        loginProfile: { userName: 'kai@umbrella.example', createDate: javaDate(t('2026-09-15T09:11')), passwordResetRequired: true },
      },
    }),
  ]);
  trail(t('2026-09-16T08:20'), [
    console_(t('2026-09-16T08:00'), 'kai@umbrella.example'),
    record(ACCOUNT, eid(), 'CreateAccessKey', t('2026-09-16T08:05'), iamUser(ACCOUNT, 'kai@umbrella.example', 'ASIAKAISESSION000001'), {
      requestParameters: {},
      responseElements: {
        accessKey: {
          userName: 'kai@umbrella.example',
          accessKeyId: 'AKIAKAI0000000000001',
          status: 'Active',
          createDate: javaDate(t('2026-09-16T08:05')),
        },
      },
    }),
  ]);
  trail(t('2026-10-01T03:10'), [
    listBuckets(t('2026-10-01T03:00'), 'AKIAOLDETL0000000001'),
    console_(t('2026-10-15T09:00'), 'maria@umbrella.example'),
  ]);
  trail(t('2026-10-20T09:10'), [
    console_(t('2026-10-20T09:00'), 'lena@umbrella.example'),
    record(ACCOUNT, eid(), 'ListBuckets', t('2026-10-21T10:00'), iamUser(ACCOUNT, 'kai@umbrella.example', 'AKIAKAI0000000000001'), {
      eventSource: 's3.amazonaws.com',
      readOnly: true,
    }),
  ]);
  trail(t('2026-11-01T03:10'), [
    listBuckets(t('2026-11-01T03:00'), 'AKIAOLDETL0000000001'),
    console_(t('2026-11-02T09:00'), 'oscar@umbrella.example'),
  ]);
  trail(t('2026-11-08T10:10'), [
    record(ACCOUNT, eid(), 'DeleteLoginProfile', t('2026-11-08T10:00'), ninaSso('ASIANINASSO000000002'), {
      requestParameters: { userName: 'lena@umbrella.example' },
    }),
    record(ACCOUNT, eid(), 'DeleteUser', t('2026-11-08T10:01'), ninaSso('ASIANINASSO000000002'), {
      requestParameters: { userName: 'lena@umbrella.example' },
    }),
  ]);
  trail(t('2026-11-18T12:10'), [
    consoleLogin(ACCOUNT, eid(), t('2026-11-18T11:58'), ninaSso('ASIANINASSO000000003')),
    record(ACCOUNT, eid(), 'DeleteAccessKey', t('2026-11-18T12:00'), ninaSso('ASIANINASSO000000003'), {
      requestParameters: { userName: 'kai@umbrella.example', accessKeyId: 'AKIAKAI0000000000001' },
    }),
    record(ACCOUNT, eid(), 'DeleteLoginProfile', t('2026-11-18T12:01'), ninaSso('ASIANINASSO000000003'), {
      requestParameters: { userName: 'kai@umbrella.example' },
    }),
    record(ACCOUNT, eid(), 'DeleteUser', t('2026-11-18T12:02'), ninaSso('ASIANINASSO000000003'), {
      requestParameters: { userName: 'kai@umbrella.example' },
    }),
  ]);
  // The CI pipeline (GitHub Actions, OIDC web identity) assumes gha-deploy and rotates legacy-etl's key.
  const gha = assumedRole(ACCOUNT, 'gha-deploy', 'GitHubActions', 'ASIAGHADEPLOY0000001', 'token.actions.githubusercontent.com');
  trail(t('2026-11-28T02:10'), [
    record(
      ACCOUNT,
      eid(),
      'AssumeRoleWithWebIdentity',
      t('2026-11-28T02:00'),
      {
        type: 'WebIdentityUser',
        principalId: 'token.actions.githubusercontent.com:sts.amazonaws.com:repo:umbrella/platform:ref:refs/heads/main',
        userName: 'repo:umbrella/platform:ref:refs/heads/main',
        identityProvider: 'token.actions.githubusercontent.com',
      },
      {
        eventSource: 'sts.amazonaws.com',
        requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/gha-deploy`, roleSessionName: 'GitHubActions', durationSeconds: 3600 },
        responseElements: {
          credentials: { accessKeyId: 'ASIAGHADEPLOY0000001', expiration: javaDate(t('2026-11-28T03:00')) },
          assumedRoleUser: { assumedRoleId: 'AROAGHADEPLOY:GitHubActions', arn: GHA_ROLE_SESSION },
        },
      },
    ),
    record(ACCOUNT, eid(), 'CreateAccessKey', t('2026-11-28T02:01'), gha, {
      requestParameters: { userName: 'legacy-etl' },
      responseElements: {
        accessKey: {
          userName: 'legacy-etl',
          accessKeyId: 'AKIANEWETL0000000001',
          status: 'Active',
          createDate: javaDate(t('2026-11-28T02:01')),
        },
      },
    }),
    record(ACCOUNT, eid(), 'DeleteAccessKey', t('2026-11-28T02:03'), gha, {
      requestParameters: { userName: 'legacy-etl', accessKeyId: 'AKIAOLDETL0000000001' },
    }),
  ]);
  trail(t('2026-11-29T03:10'), [
    listBuckets(t('2026-11-29T03:00'), 'AKIANEWETL0000000001'),
    console_(NOW - DAY, 'maria@umbrella.example'),
    consoleLogin(ACCOUNT, eid(), NOW - DAY + HOUR, ninaSso('ASIANINASSO000000004')),
  ]);
  // The same log file delivered twice (at-least-once: same bytes, so the collector names it the same), then the latest one.
  const dup = envs[envs.length - 1]!;
  envs.push({ ...dup, received_at: dup.received_at + 20 * MIN });
  trail(NOW - 3 * HOUR, [listBuckets(NOW - 4 * HOUR, 'AKIANEWETL0000000001')]);

  // ---- Auth0 log stream (since 2026-07-01) ---------------------------------------------------------
  const tenant: Auth0Tenant = { name: AUTH0_TENANT, connection: 'auth0-umbrella' };
  const db = (local: string, id: string): Auth0User => ({
    userId: `auth0|${id}`,
    email: `${local}@wayne.example`,
    connection: 'Username-Password-Authentication',
    strategy: 'auth0',
    strategyType: 'database',
  });
  const A = {
    bruce: db('bruce', '6650000000000000000000b1'),
    selina: db('selina', '6650000000000000000000c1'),
    harvey: db('harvey', '6650000000000000000000d1'),
    lucius: {
      userId: 'samlp|wayne-saml|lucius@wayne.example',
      email: 'lucius@wayne.example',
      connection: 'wayne-saml',
      strategy: 'samlp',
      strategyType: 'enterprise',
    } as Auth0User,
  };
  let lg = 0;
  const lid = () => `auth0-log-${++lg}`;
  const stream = (receivedAt: number, records: Record<string, unknown>[]) =>
    envs.push(streamEnvelope('auth0-umbrella', receivedAt, records));
  stream(t('2026-07-01T06:01'), [clientCredentials(tenant, lid(), t('2026-07-01T06:00'), 'CLIENTlegacyexport0001', 'legacy-export')]);
  stream(t('2026-07-10T10:01'), [
    signup(tenant, lid(), t('2026-07-10T10:00'), A.bruce),
    login(tenant, lid(), t('2026-07-10T10:01'), A.bruce),
  ]);
  stream(t('2026-07-15T10:01'), [
    signup(tenant, lid(), t('2026-07-15T10:00'), A.harvey),
    login(tenant, lid(), t('2026-07-15T10:01'), A.harvey),
  ]);
  stream(t('2026-08-01T10:01'), [
    signup(tenant, lid(), t('2026-08-01T10:00'), A.selina),
    clientCredentials(tenant, lid(), t('2026-08-01T06:00'), 'CLIENTlegacyexport0001', 'legacy-export'),
  ]);
  for (let w = t('2026-07-02T05:00'); w < NOW; w += 7 * DAY)
    stream(w + MIN, [clientCredentials(tenant, lid(), w, 'CLIENTreportsync00001', 'report-sync')]);
  stream(t('2026-10-05T09:01'), [login(tenant, lid(), t('2026-10-05T09:00'), A.lucius)]);
  stream(t('2026-11-10T09:01'), [
    login(tenant, lid(), t('2026-11-10T09:00'), A.lucius),
    login(tenant, lid(), t('2026-11-10T09:30'), A.selina),
    login(tenant, lid(), t('2026-11-10T09:40'), A.harvey),
  ]);
  stream(t('2026-11-19T10:01'), [managementApi(tenant, lid(), t('2026-11-19T10:00'), 'delete', A.harvey.userId, {}, 'Delete a user')]);
  stream(t('2026-11-25T08:01'), [login(tenant, lid(), t('2026-11-25T08:00'), A.lucius)]);
  stream(t('2026-11-26T16:01'), [
    managementApi(tenant, lid(), t('2026-11-26T16:00'), 'patch', A.selina.userId, { blocked: true }, 'Update a user'),
  ]);
  stream(NOW - 70 * MIN, [
    login(tenant, lid(), NOW - 70 * MIN, A.bruce),
    clientCredentials(tenant, lid(), NOW - 60 * MIN, 'CLIENTreportsync00001', 'report-sync'),
  ]);

  // ---- SCIM: Wayne Enterprises' directory ------------------------------------------------------------
  const su = (local: string, id: string): ScimUser => ({
    id,
    userName: `${local}@wayne.example`,
    given: local,
    family: 'Wayne',
    externalId: `wayne-${local}`,
  });
  const W = {
    alfred: su('alfred', 'a9f0c5e2-0000-4a00-9000-000000000001'),
    bruce: su('bruce', 'a9f0c5e2-0000-4a00-9000-000000000002'),
    harvey: su('harvey', 'a9f0c5e2-0000-4a00-9000-000000000003'),
    selina: su('selina', 'a9f0c5e2-0000-4a00-9000-000000000004'),
    lucius: su('lucius', 'a9f0c5e2-0000-4a00-9000-000000000005'),
  };
  const sc = (at: number, body: string) => envs.push(scimEnvelope('scim-wayne', at + 1_000, body));
  sc(t('2026-07-01T08:00'), scimCopy.create('wayne', W.alfred, t('2026-07-01T08:00')));
  sc(t('2026-07-09T08:00'), scimCopy.create('wayne', W.bruce, t('2026-07-09T08:00')));
  sc(t('2026-07-14T08:00'), scimCopy.create('wayne', W.harvey, t('2026-07-14T08:00')));
  sc(t('2026-07-31T08:00'), scimCopy.create('wayne', W.selina, t('2026-07-31T08:00')));
  sc(t('2026-10-04T08:00'), scimCopy.create('wayne', W.lucius, t('2026-10-04T08:00')));
  sc(t('2026-11-12T10:00'), scimCopy.remove('wayne', W.harvey, t('2026-11-12T10:00')));
  sc(t('2026-11-24T09:00'), scimCopy.deactivate('wayne', W.lucius, t('2026-11-24T09:00'), 2));
  sc(t('2026-11-26T10:00'), scimCopy.deactivate('wayne', W.selina, t('2026-11-26T10:00'), 2));
  sc(NOW - 6 * HOUR, scimCopy.retitle('wayne', W.bruce, NOW - 6 * HOUR, 2, 'Chairman'));

  return {
    name: 'umbrella',
    now: NOW,
    configYaml: umbrellaConfigYaml,
    map: parseBoundaryMap(umbrellaConfigYaml, 'umbrella.yaml'),
    envelopes: envs,
    sources: ['okta', 'anthropic', 'aws', 'auth0', 'scim'],
    cases: UMBRELLA_CASES,
    lag: UMBRELLA_LAG,
    scopes: {
      'PW-ORPHANED-ACCOUNT|human|user_01UMA|': [W_PROD, W_RESEARCH],
      'PW-DEPROV-OVERDUE|human|user_01UMA|': [W_PROD, W_RESEARCH],
    },
    observed: [
      `PW-ORPHANED-ACCOUNT|human|oscar@umbrella.example|${ACCOUNT}`,
      `PW-DEPROV-OVERDUE|human|oscar@umbrella.example|${ACCOUNT}`,
      `PW-UNMANAGED-ACCOUNT|human|legacy-etl|${ACCOUNT}`,
      `PW-ORPHANED-ACCOUNT|human|${A.lucius.userId}|${NO_ORGANIZATION}`,
    ],
  };
}

const c = (detection: string, kind: string, id: string, tenant: string, reason: string): Case => ({ detection, kind, id, tenant, reason });

export const UMBRELLA_CASES: Case[] = [
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'oscar@umbrella.example',
    ACCOUNT,
    'oscar left 11-10 09:00 (Okta deactivate via System Log); IAM user (older than the trail) proven by his console sign-ins 09-03 and 11-02 (existence by observation, basis: observed), never deleted',
  ),
  c('PW-DEPROV-OVERDUE', 'human', 'oscar@umbrella.example', ACCOUNT, 'pending 20 d > 24 h'),
  c(
    'PW-ORPHANED-CREDENTIAL',
    'console_password',
    'oscar@umbrella.example:login_profile',
    ACCOUNT,
    'his console password (the credential his successful ConsoleLogin used, owner the IAM user) is still valid',
  ),
  c(
    'PW-DEPROV-OVERDUE',
    'console_password',
    'oscar@umbrella.example:login_profile',
    ACCOUNT,
    'credential of a leaver, pending 20 d > 24 h',
  ),
  c(
    'PW-UNMANAGED-ACCOUNT',
    'human',
    'legacy-etl',
    ACCOUNT,
    'IAM user proven by its API calls (actor_account_id), no email, no link: an IAM user is an account (AWS tells no people from workloads), unmanaged',
  ),
  c(
    'PW-NHI-HUMAN-ACTION',
    'service_account',
    GHA_ROLE_SESSION,
    ACCOUNT,
    'a role session (non-human, kind service_account; not an AWSReservedSSO_ permission set nor named by an email) created an access key (CreateAccessKey for legacy-etl)',
  ),
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'user_01UMA',
    '',
    'uma left 11-25 10:00; Anthropic user still listed at NOW−40m, member of 2 workspaces → ONE unit, detail.scopes = both workspaces',
  ),
  c('PW-DEPROV-OVERDUE', 'human', 'user_01UMA', '', 'pending 5 d 2 h > 24 h'),
  c('PW-ORPHANED-CREDENTIAL', 'api_key', 'apikey_01UMA', W_RESEARCH, 'key created by uma (owner = created_by, no principal) still active'),
  c('PW-DEPROV-OVERDUE', 'api_key', 'apikey_01UMA', W_RESEARCH, 'credential of a leaver, pending 5 d 2 h > 24 h'),
  c(
    'PW-STALE-CREDENTIAL',
    'api_key',
    'apikey_01LEGACYBATCH',
    W_PROD,
    'Anthropic reports no last use (credential_last_use: not_reported): judged by age, created 2025-05-01 (578 d > 90 d), basis: age',
  ),
  c(
    'PW-ORPHANED-ACCOUNT',
    'human',
    'samlp|wayne-saml|lucius@wayne.example',
    NO_ORGANIZATION,
    "lucius: SCIM active=false 11-24 09:00 in Wayne's directory; his enterprise-connection Auth0 user (proven by his first login 10-05, no signup event) is neither blocked nor deleted",
  ),
  c('PW-DEPROV-OVERDUE', 'human', 'samlp|wayne-saml|lucius@wayne.example', NO_ORGANIZATION, 'pending 6 d 3 h > application SLA 72 h'),
  c(
    'PW-ACTIVITY-AFTER-DEPROVISION',
    'human',
    'samlp|wayne-saml|lucius@wayne.example',
    NO_ORGANIZATION,
    'successful login (s) 11-25 08:00, after signal + grace (11-24 10:00)',
  ),
  c(
    'PW-STALE-CREDENTIAL',
    'oauth_secret',
    'CLIENTlegacyexport0001:client_secret',
    NO_ORGANIZATION,
    'M2M client secret last exchanged 08-01 06:00 (seccft), the stream delivering all along: 121 d > 90 d',
  ),
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

export const UMBRELLA_LAG: Record<'platform' | 'application', LagExpectation> = {
  platform: lag(12, 8, 4, 4, 3, { anthropic: 5, aws: 7 }, [
    P('aws', 'oscar@umbrella.example', ACCOUNT, 'oscar 11-10 09:00, IAM user known by observation, overdue'),
    P('aws', 'oscar@umbrella.example:login_profile', ACCOUNT, 'oscar 11-10 09:00, console password, overdue'),
    R('aws', 'lena@umbrella.example', ACCOUNT, 'lena 11-05 09:00 → DeleteUser 11-08 10:01: 73 h, breach'),
    R('aws', 'lena@umbrella.example:login_profile', ACCOUNT, 'lena 11-05 09:00 → DeleteLoginProfile 11-08 10:00: 73 h, breach'),
    R('aws', 'kai@umbrella.example', ACCOUNT, 'kai 11-18 09:00 → DeleteUser 12:02: 3 h'),
    R('aws', 'kai@umbrella.example:login_profile', ACCOUNT, 'kai 11-18 09:00 → DeleteLoginProfile 12:01: 3 h'),
    R('aws', 'AKIAKAI0000000000001', ACCOUNT, 'kai 11-18 09:00 → DeleteAccessKey 12:00: 3 h'),
    P('anthropic', 'user_01UMA', '', 'uma 11-25 10:00, overdue (workspace memberships are scopes)'),
    P('anthropic', 'apikey_01UMA', W_RESEARCH, 'uma 11-25 10:00, overdue'),
    R('anthropic', 'user_01XAVIER', '', 'xavier 11-14 20:00 → absent from the 11-15 00:00 snapshot: 4 h (removal: inventory)'),
    R('anthropic', 'apikey_01XAVIER', W_RESEARCH, 'xavier 11-14 20:00 → listed archived 11-15 00:00: 4 h'),
    R('anthropic', 'invite_01IVY', '', 'ivy 11-20 09:00 → invite listed deleted at NOW−40m: 10 d, breach'),
    // not items: victor (period ended), zed's and temp's invites (never seen pending), nina's SSO sessions.
  ]),
  application: lag(3, 2, 1, 1, 1, { auth0: 3 }, [
    P(
      'auth0',
      'samlp|wayne-saml|lucius@wayne.example',
      NO_ORGANIZATION,
      'lucius 11-24 09:00, enterprise user known by his logins, overdue',
    ),
    R('auth0', 'auth0|6650000000000000000000c1', NO_ORGANIZATION, 'selina 11-26 10:00 → blocked (sapi PATCH blocked: true) 16:00: 6 h'),
    R('auth0', 'auth0|6650000000000000000000d1', NO_ORGANIZATION, 'harvey 11-12 10:00 → deleted (sapi DELETE) 11-19 10:00: 7 d, breach'),
  ]),
};
