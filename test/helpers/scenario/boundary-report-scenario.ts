// A small scenario for the boundary report with answers known by construction (every time and id
// is chosen here; nothing is computed by planewatch code). Ids, emails and connection ids carry a
// per-run suffix so test files sharing the Kafka broker never mix data.
//
// Period 2026-Q3, as of NOW = 2026-09-20T12:00:00Z.
// Platform plane — workforce directory on connection wf-<run> (WorkOS webhook, authoritative for
// employees) that goes SILENT three days before NOW (its last delivery is the L1 suspension):
//   S   employee, OpenAI user, key K_S used NOW − 1 d, signs in NOW − 1 d (OpenAI login)
//   L1  employee suspended NOW − 3 d; OpenAI user and key K_L1 (last used NOW − 5 d) still there
//       → two removals overdue (SLA 24 h), K_L1 orphaned (owner deprovisioned)
//   L2  employee deleted NOW − 20 d; OpenAI user deleted 2 h later (audit) → within SLA
//   C   contractor with an OpenAI account and an email no directory knows → unmanaged; signs in NOW − 2 d
// Application plane — customer directory on connection app-<run> (WorkOS webhook, authoritative
// for customers, organisation org_GX_<run>), delivering until NOW − 2 h:
//   A1  customer: directory user, AuthKit user, membership; signs in through SSO NOW − 2 h
//   A2  customer deleted in the directory NOW − 10 d; membership removed 3 h later, AuthKit user
//       deleted 4 h later → both within the SLA (72 h)
// OpenAI (connection oai-<run>, configured but disabled: no poller runs) delivers audit pages and
// two inventory snapshots (T0 + 2 d and NOW − 10 min).
import type { RawEnvelope } from '../../../core/events/raw-envelope.ts';
import {
  envelope,
  openaiAuditEvent,
  openaiAuditPage,
  openaiInventory,
  OPENAI_AUDIT_CONTENT_TYPE,
  workos,
  workosEvent,
  type DirUserShape,
} from '../../../demo/company/vendor-shapes.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const NOW = Date.UTC(2026, 8, 20, 12, 0, 0);
export const T0 = Date.UTC(2026, 6, 1, 1, 0, 0);
export const PROJECT = 'proj_REPORT';

export interface BoundaryReportScenario {
  run: string;
  configYaml: string;
  env: Record<string, string>;
  envelopes: RawEnvelope[];
  ids: {
    wf: string;
    app: string;
    oai: string;
    org: string;
    wfOrg: string;
    wfDir: string;
    appDir: string;
    oaiS: string;
    oaiL1: string;
    oaiL2: string;
    oaiC: string;
    keyS: string;
    keyL1: string;
    emailS: string;
    emailL1: string;
    emailL2: string;
    emailC: string;
    emailA1: string;
    emailA2: string;
    authkitA1: string;
    authkitA2: string;
    omA1: string;
    omA2: string;
  };
}

export function boundaryReportScenario(run: string, apiTokens: { tenantToken?: string } = {}): BoundaryReportScenario {
  const r = run
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 10);
  const R = r.toUpperCase();
  const ids = {
    wf: `wf-${r}`,
    app: `app-${r}`,
    oai: `oai-${r}`,
    org: `org_GX_${R}`,
    wfOrg: `org_WF_${R}`,
    wfDir: `directory_WF_${R}`,
    appDir: `directory_GX_${R}`,
    oaiS: `user-S${R}`,
    oaiL1: `user-L1${R}`,
    oaiL2: `user-L2${R}`,
    oaiC: `user-C${R}`,
    keyS: `key_S${R}`,
    keyL1: `key_L1${R}`,
    emailS: `s.${r}@acme.example`,
    emailL1: `l1.${r}@acme.example`,
    emailL2: `l2.${r}@acme.example`,
    emailC: `c.${r}@freelance.example`,
    emailA1: `a1.${r}@globex.example`,
    emailA2: `a2.${r}@globex.example`,
    authkitA1: `user_A1${R}`,
    authkitA2: `user_A2${R}`,
    omA1: `om_A1${R}`,
    omA2: `om_A2${R}`,
  };
  const envs: RawEnvelope[] = [];
  let seq = 0;
  const eid = () => `evt_${R}_${(++seq).toString().padStart(3, '0')}`;
  const hook = (conn: string, body: string, at: number) =>
    envs.push(envelope('workos', conn, 'webhook', 'application/json', body, at + 1000));
  const dirUser = (id: string, dir: string, org: string, email: string, createdAt: number): DirUserShape => ({
    id,
    directoryId: dir,
    orgId: org,
    email,
    first: email.split('.')[0]!,
    last: 'X',
    createdAt,
  });

  // Platform: the workforce directory (silent after the L1 suspension).
  hook(ids.wf, workos.dsyncActivated(eid(), ids.wfDir, ids.wfOrg, 'Acme workforce', T0), T0);
  const dS = dirUser(`directory_user_S${R}`, ids.wfDir, ids.wfOrg, ids.emailS, T0 + HOUR);
  const dL1 = dirUser(`directory_user_L1${R}`, ids.wfDir, ids.wfOrg, ids.emailL1, T0 + HOUR);
  const dL2 = dirUser(`directory_user_L2${R}`, ids.wfDir, ids.wfOrg, ids.emailL2, T0 + HOUR);
  // The IT admin who removes leavers from OpenAI is an employee too; their OpenAI account is known
  // only as the audit log's actor (existence by observation, docs/IDENTITY-MODEL.md).
  const dAdmin = dirUser(`directory_user_ADMIN${R}`, ids.wfDir, ids.wfOrg, `admin.${r}@acme.example`, T0 + HOUR);
  for (const d of [dS, dL1, dL2, dAdmin]) hook(ids.wf, workos.dsyncUserCreated(eid(), d), d.createdAt);
  const leftL2 = NOW - 20 * DAY;
  const leftL1 = NOW - 3 * DAY;
  hook(ids.wf, workos.dsyncUserDeleted(eid(), dL2, leftL2), leftL2);
  hook(ids.wf, workos.dsyncUserSuspended(eid(), dL1, leftL1), leftL1);

  // Platform: OpenAI audit log and inventory.
  const audit = (id: string, type: string, at: number, actor: Parameters<typeof openaiAuditEvent>[3], payload: Record<string, unknown>) =>
    envs.push(
      envelope(
        'openai',
        ids.oai,
        'poll',
        OPENAI_AUDIT_CONTENT_TYPE,
        openaiAuditPage([openaiAuditEvent(id, type, Math.floor(at / 1000) * 1000, actor, payload)]),
        at + 60_000,
      ),
    );
  const admin = { type: 'session' as const, userId: `user-ADMIN${R}`, email: `admin.${r}@acme.example` };
  audit(`audit_log-D${R}`, 'user.deleted', leftL2 + 2 * HOUR, admin, { id: ids.oaiL2 });
  audit(`audit_log-LS${R}`, 'login.succeeded', NOW - DAY, { type: 'session', userId: ids.oaiS, email: ids.emailS }, {});
  audit(`audit_log-LC${R}`, 'login.succeeded', NOW - 2 * DAY, { type: 'session', userId: ids.oaiC, email: ids.emailC }, {});
  const users = (list: [string, string][], at: number) =>
    envs.push(
      envelope(
        'openai',
        ids.oai,
        'inventory',
        openaiInventory.contentType('users', null),
        openaiInventory.usersPage(list.map(([id, email]) => ({ id, email, name: email.split('@')[0]!, addedAt: T0 + 2 * HOUR }))),
        at,
      ),
    );
  const keys = (list: [string, string, string, number][], at: number) =>
    envs.push(
      envelope(
        'openai',
        ids.oai,
        'inventory',
        openaiInventory.contentType('project_api_keys', PROJECT),
        openaiInventory.keysPage(
          list.map(([id, owner, email, used]) => ({
            id,
            name: 'ci',
            createdAt: T0 + 3 * HOUR,
            lastUsedAt: used,
            owner: { type: 'user' as const, id: owner, email },
          })),
        ),
        at + 1,
      ),
    );
  const snap1 = T0 + 2 * DAY;
  users(
    [
      [ids.oaiS, ids.emailS],
      [ids.oaiL1, ids.emailL1],
      [ids.oaiL2, ids.emailL2],
      [ids.oaiC, ids.emailC],
    ],
    snap1,
  );
  keys(
    [
      [ids.keyS, ids.oaiS, ids.emailS, T0 + DAY],
      [ids.keyL1, ids.oaiL1, ids.emailL1, T0 + DAY],
    ],
    snap1,
  );
  const snap2 = NOW - 10 * 60_000;
  users(
    [
      [ids.oaiS, ids.emailS],
      [ids.oaiL1, ids.emailL1],
      [ids.oaiC, ids.emailC],
    ],
    snap2,
  );
  keys(
    [
      [ids.keyS, ids.oaiS, ids.emailS, NOW - DAY],
      [ids.keyL1, ids.oaiL1, ids.emailL1, NOW - 5 * DAY],
    ],
    snap2,
  );

  // Application: the customer directory, AuthKit users and memberships.
  hook(ids.app, workos.dsyncActivated(eid(), ids.appDir, ids.org, 'Globex', T0), T0);
  const a1 = dirUser(`directory_user_A1${R}`, ids.appDir, ids.org, ids.emailA1, T0 + HOUR);
  const a2 = dirUser(`directory_user_A2${R}`, ids.appDir, ids.org, ids.emailA2, T0 + HOUR);
  for (const d of [a1, a2]) hook(ids.app, workos.dsyncUserCreated(eid(), d), d.createdAt);
  hook(ids.app, workos.userCreated(eid(), ids.authkitA1, ids.emailA1, T0 + 2 * HOUR), T0 + 2 * HOUR);
  hook(ids.app, workos.userCreated(eid(), ids.authkitA2, ids.emailA2, T0 + 2 * HOUR), T0 + 2 * HOUR);
  hook(
    ids.app,
    workos.membership(eid(), 'organization_membership.created', ids.omA1, ids.authkitA1, ids.org, T0 + 3 * HOUR),
    T0 + 3 * HOUR,
  );
  hook(
    ids.app,
    workos.membership(eid(), 'organization_membership.created', ids.omA2, ids.authkitA2, ids.org, T0 + 3 * HOUR),
    T0 + 3 * HOUR,
  );
  const leftA2 = NOW - 10 * DAY;
  hook(ids.app, workos.dsyncUserDeleted(eid(), a2, leftA2), leftA2);
  hook(
    ids.app,
    workos.membership(eid(), 'organization_membership.deleted', ids.omA2, ids.authkitA2, ids.org, leftA2 + 3 * HOUR),
    leftA2 + 3 * HOUR,
  );
  hook(ids.app, workos.userDeleted(eid(), ids.authkitA2, ids.emailA2, leftA2 + 4 * HOUR), leftA2 + 4 * HOUR);
  const signIn = NOW - 2 * HOUR;
  hook(
    ids.app,
    workosEvent(
      eid(),
      'authentication.sso_succeeded',
      {
        type: 'sso',
        status: 'succeeded',
        ip_address: '198.51.100.7',
        user_agent: 'Mozilla/5.0',
        user_id: ids.authkitA1,
        email: ids.emailA1,
        organization_id: ids.org,
        sso: { organization_id: ids.org, connection_id: `conn_${R}` },
      },
      signIn,
    ),
    signIn,
  );

  const secret = (n: string) => `whsec_${n}_${R}_0123456789abcdef`;
  const env: Record<string, string> = {
    [`WF_SECRET_${R}`]: secret('wf'),
    [`APP_SECRET_${R}`]: secret('app'),
    [`OAI_KEY_${R}`]: `sk-admin-${R}-0123456789abcdef`,
    ...(apiTokens.tenantToken ? { [`TENANT_TOKEN_${R}`]: apiTokens.tenantToken } : {}),
  };
  const configYaml = `
planes:
  platform:    { deprovision_sla: 24h, grace: 1h, stale_after: 90d }
  application: { deprovision_sla: 72h, grace: 1h, stale_after: 90d }
domains:
  corporate: [acme.example]
  customer: [globex.example]
connections:
  - id: ${ids.wf}
    vendor: workos
    transport: webhook
    secret_env: WF_SECRET_${R}
    plane: platform
    authoritative_for: employees
  - id: ${ids.app}
    vendor: workos
    transport: webhook
    secret_env: APP_SECRET_${R}
    plane: application
    authoritative_for: customers
  - id: ${ids.oai}
    vendor: openai
    transport: poll
    api_key_env: OAI_KEY_${R}
    poll_interval: 5m
    enabled: false
${
  apiTokens.tenantToken
    ? `api:
  tokens:
    - { name: globex-portal, token_env: TENANT_TOKEN_${R}, scopes: [export, findings], tenant: ${ids.org} }
    - { name: no-export, token_env: TENANT_TOKEN_${R}_NOEXPORT, scopes: [findings] }
`
    : ''
}`;
  if (apiTokens.tenantToken) env[`TENANT_TOKEN_${R}_NOEXPORT`] = `${apiTokens.tenantToken}-noexport`;
  return { run: r, configYaml, env, envelopes: envs, ids };
}
