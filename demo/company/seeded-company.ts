// The demo company (`planewatch demo`) and the tests' seeded scenario: a deterministic (seeded) organisation with people on both planes, delivered as vendor-shaped
// envelopes, that knows its own ground truth.
//
// The ground truth is computed HERE from the scenario's description (who left when, what was
// removed when, which key was used when), with the thresholds written below — never by running
// planewatch code. Archetypes (instantiated `scale` times where it makes sense, random times from
// the seed):
//   A  stayer: employee in the workforce directory (WorkOS org, platform plane), OpenAI user with
//      a project key used every 15–30 days; joiners among them.                 → nothing
//   B  clean leaver: deleted in the directory; OpenAI user deleted (audit) and key revoked within
//      the platform SLA.                                                          → nothing
//   C  late leaver: OpenAI user deleted after the SLA (a breach, not an open finding).  → nothing
//   D  overdue leaver: suspended 2–30 days ago; OpenAI user and key still there.
//                              → ORPHANED-ACCOUNT + DEPROV-OVERDUE (user), ORPHANED-CREDENTIAL + DEPROV-OVERDUE (key)
//   E  recent leavers: suspended 30 min and 5 h ago (inside grace / inside SLA).  → ORPHANED-ACCOUNT once past grace
//   F  leaver suspended 23 h ago: DEPROV-OVERDUE opens at now+2h with no new event (clock test)
//   G  leaver whose key, created 3 days before leaving, is used 5 days after they left; their user
//      was removed in time.   → ACTIVITY-AFTER-DEPROVISION, ORPHANED-CREDENTIAL (critical), PRE-DEPARTURE-KEY, DEPROV-OVERDUE (key)
//   H  stale keys: one last used 120 days ago, one never used and 100 days old.  → STALE-CREDENTIAL ×2
//   I  key unused for 100 days, then used again.                                → STALE-CREDENTIAL-REUSED
//   J  leaver removed from OpenAI only by disappearing from the next inventory snapshot (6 h). → nothing
//   K  OpenAI user with an email no directory knows.                              → UNMANAGED-ACCOUNT
//   L  customer (customer directory, customer domain) with an OpenAI account.    → CUSTOMER-IN-PLATFORM
//   M  employee who is a member of a customer tenant (AuthKit membership).       → PLATFORM-IN-TENANT
//   N  OpenAI service account inviting a member with its key.                    → NHI-HUMAN-ACTION
//   O  connection workos-eu that delivered once, 3 days ago.                      → SOURCE-SILENT
//      (openai-main polls every 5 min: silent 15 min after its last page)
//   P  a customer directory deleted (dsync.deleted); OpenAI SCIM disabled then enabled again. → PROVISIONING-DISABLED (directory)
//   Q  an email in both the workforce and a customer directory; a customer user whose email changed. → AMBIGUOUS-IDENTITY ×2
//   R  customer leavers (application plane, SLA 72 h): R1 removed in time; R2 still a member 5 days
//      later (the Globex membership is the unit of access; the AuthKit user is a login account that
//      grants nothing by itself: ORPHANED-ACCOUNT ×1, DEPROV-OVERDUE ×1); R3 signed in 2 h
//      after leaving (ACTIVITY-AFTER-DEPROVISION), removed in time.
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import type { InventoryObject } from '../../source-kit/poller.ts';
import { parseBoundaryMap } from '../../core/config/load.ts';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { rng, type Rng } from './random.ts';
import {
  envelope,
  inventoryRemovedEnvelope,
  openaiAuditEvent,
  openaiAuditPage,
  openaiInventory,
  OPENAI_AUDIT_CONTENT_TYPE,
  workos,
  type DirUserShape,
  type OaiActor,
  type OaiKeyItem,
} from './vendor-shapes.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
/** 2026-01-01T00:00:00Z: the default start (the scenario spans T0 … T0 + 200.5 days = now). */
export const T0_DEFAULT = Date.UTC(2026, 0, 1);

export const THRESHOLDS = {
  platform: { sla: 24 * HOUR, grace: HOUR, stale: 90 * DAY, predeparture: 7 * DAY },
  application: { sla: 72 * HOUR, grace: HOUR, stale: 90 * DAY, predeparture: 7 * DAY },
} as const;
const OPENAI_SILENT_AFTER = 3 * 5 * MIN;
const WEBHOOK_SILENT_AFTER = 24 * HOUR;

export const WF_ORG = 'org_01ACMEWORKFORCE';
export const WF_DIR = 'directory_01ACMEWF';
export const GLOBEX_ORG = 'org_01GLOBEX';
export const GLOBEX_DIR = 'directory_01GLOBEX';
export const INITECH_ORG = 'org_01INITECH';
export const INITECH_DIR = 'directory_01INITECH';
export const PROJECT = 'proj_MAIN';

export const configYaml = (openaiEnabled = true) => `
planes:
  platform:    { deprovision_sla: 24h, grace: 1h, stale_after: 90d, pre_departure_window: 7d }
  application: { deprovision_sla: 72h, grace: 1h, stale_after: 90d, pre_departure_window: 7d }
domains:
  corporate: [acme.example]
  customer: [globex.example]
connections:
  - id: workos-main
    vendor: workos
    transport: webhook
    secret_env: SCENARIO_WORKOS_SECRET
    plane: application
    authoritative_for: customers
    plane_rules:
      - { organization_id: ${WF_ORG}, plane: platform, authoritative_for: employees }
  - id: workos-eu
    vendor: workos
    transport: webhook
    secret_env: SCENARIO_WORKOS_EU_SECRET
    plane: application
    authoritative_for: customers
  - id: openai-main
    vendor: openai
    transport: poll
    api_key_env: SCENARIO_OPENAI_KEY
    poll_interval: 5m
    enabled: ${openaiEnabled}
`;

/** One expected finding: detection | subject kind | subject id | tenant. */
export type TruthKey = string;
export const truthKey = (detection: string, kind: string, id: string, tenant = ''): TruthKey => `${detection}|${kind}|${id}|${tenant}`;

export interface LagItem {
  plane: 'platform' | 'application';
  source: string;
  signal: number;
  /** null while pending */
  removedAt: number | null;
}

export interface Scenario {
  seed: number;
  now: number;
  configYaml: string;
  map: BoundaryMap;
  envelopes: RawEnvelope[];
  /** The findings that must be open when evaluated at `at` with every envelope delivered. */
  truth(at: number): Set<TruthKey>;
  /** Deprovisioning items (what the lag statistics must count), from the description. */
  lagItems: LagItem[];
  /** Named people for targeted tests. */
  named: Record<
    string,
    { email: string; directoryUserId?: string; openaiUserId?: string; keyId?: string; authkitUserId?: string; leftAt?: number }
  >;
}

interface OaiUser {
  id: string;
  email: string;
  name: string;
  addedAt: number;
  removedAt: number | null;
  removal: 'audit' | 'inventory' | null;
}
interface OaiKey {
  id: string;
  name: string;
  createdAt: number;
  uses: number[];
  revokedAt: number | null;
  owner: OaiKeyItem['owner'];
  auditCreatedBy: OaiActor | null;
}

const sec = (ms: number) => Math.floor(ms / 1000) * 1000;

export interface ScenarioOptions {
  /** Instances of the repeatable archetypes (A–D). */
  scale?: number;
  /** The scenario's "now" (whole seconds); everything else is placed relative to it. Default T0 + 200.5 days. */
  now?: number;
  /** false: openai-main is configured but disabled (its pages are still delivered; no poller runs, no silence check). */
  openaiEnabled?: boolean;
}

export function buildScenario(seed: number, opts: ScenarioOptions = {}): Scenario {
  const scale = opts.scale ?? 2;
  const r: Rng = rng(seed);
  const NOW = opts.now !== undefined ? sec(opts.now) : T0_DEFAULT + 200 * DAY + 12 * HOUR;
  const T0 = NOW - 200 * DAY - 12 * HOUR;
  const openaiEnabled = opts.openaiEnabled ?? true;
  const envs: RawEnvelope[] = [];
  const truthFns: ((at: number) => TruthKey[])[] = [];
  const lagItems: LagItem[] = [];
  const named: Scenario['named'] = {};
  const oaiUsers: OaiUser[] = [];
  const oaiKeys: OaiKey[] = [];
  const serviceAccounts: { id: string; name: string; createdAt: number }[] = [];
  const audit: { at: number; event: Record<string, unknown> }[] = [];
  const extraSnapshots: number[] = [];
  let seq = 0;
  const eid = (p: string) => `${p}_${seed}_${(++seq).toString().padStart(5, '0')}`;

  const hook = (conn: string, body: string, at: number) =>
    envs.push(envelope('workos', conn, 'webhook', 'application/json', body, at + r.int(1, 30) * 1000));
  const wf = (body: string, at: number) => hook('workos-main', body, at);
  const auditAt = (at: number, type: string, actor: OaiActor | null, payload: Record<string, unknown>, project?: string) =>
    audit.push({ at, event: openaiAuditEvent(r.id('audit_log-', 16), type, at, actor, payload, project) });

  const first = [
    'ada',
    'alan',
    'grace',
    'edsger',
    'barbara',
    'ken',
    'dennis',
    'frances',
    'john',
    'radia',
    'leslie',
    'donald',
    'margaret',
    'tim',
    'vint',
  ];
  const makeName = () => `${r.pick(first)}.${r.id('', 5).toLowerCase()}`;

  function employee(createdAt: number): DirUserShape & { local: string } {
    const local = makeName();
    const u = {
      id: r.id('directory_user_'),
      directoryId: WF_DIR,
      orgId: WF_ORG,
      email: `${local}@acme.example`,
      first: local.split('.')[0]!,
      last: 'Acme',
      createdAt: sec(createdAt),
      local,
    };
    wf(workos.dsyncUserCreated(eid('evt_wf'), u), u.createdAt);
    return u;
  }
  function customer(org: string, dir: string, createdAt: number, local = makeName()): DirUserShape {
    const u = {
      id: r.id('directory_user_'),
      directoryId: dir,
      orgId: org,
      email: `${local}@globex.example`,
      first: local.split('.')[0]!,
      last: 'Globex',
      createdAt: sec(createdAt),
    };
    wf(workos.dsyncUserCreated(eid('evt_cu'), u), u.createdAt);
    return u;
  }
  function openaiUser(email: string, addedAt: number, viaAudit = true): OaiUser {
    const u: OaiUser = { id: r.id('user-'), email, name: email.split('@')[0]!, addedAt: sec(addedAt), removedAt: null, removal: null };
    if (viaAudit) auditAt(u.addedAt, 'user.added', null, { id: u.id, data: { role: 'reader' } });
    oaiUsers.push(u);
    return u;
  }
  function removeOpenaiUserAudit(u: OaiUser, at: number) {
    u.removedAt = sec(at);
    u.removal = 'audit';
    auditAt(u.removedAt, 'user.deleted', { type: 'session', userId: 'user-ITADMIN', email: 'it.admin@acme.example' }, { id: u.id });
  }
  function key(owner: OaiUser | { id: string; sa: true }, createdAt: number, uses: number[], createdBy: OaiActor | null = null): OaiKey {
    const k: OaiKey = {
      id: r.id('key_'),
      name: r.pick(['ci', 'notebook', 'prod', 'eval', 'batch']),
      createdAt: sec(createdAt),
      uses: uses.map(sec).sort((a, b) => a - b),
      revokedAt: null,
      owner: 'sa' in owner ? { type: 'service_account', id: owner.id } : { type: 'user', id: owner.id, email: owner.email },
      auditCreatedBy: createdBy,
    };
    if (createdBy) auditAt(k.createdAt, 'api_key.created', createdBy, { id: k.id, data: { scopes: ['api.model.request'] } }, PROJECT);
    oaiKeys.push(k);
    return k;
  }
  function revokeKey(k: OaiKey, at: number) {
    k.revokedAt = sec(at);
    auditAt(
      k.revokedAt,
      'api_key.deleted',
      { type: 'session', userId: 'user-ITADMIN', email: 'it.admin@acme.example' },
      { id: k.id },
      PROJECT,
    );
  }
  /** Uses every 15–30 days from `from` to `to` (inclusive of `to`). */
  function regularUses(from: number, to: number): number[] {
    const out: number[] = [];
    let t = from + r.int(1, 10) * DAY;
    while (t < to) {
      out.push(t + r.int(0, 3600) * 1000);
      t += r.int(15, 30) * DAY;
    }
    out.push(to);
    return out;
  }
  const P = 'platform' as const;
  const A = 'application' as const;
  const pendingRule = (
    plane: 'platform' | 'application',
    leftAt: number,
    items: { kind: string; id: string; tenant: string; orphanedDetection?: string }[],
  ) =>
    truthFns.push((at) => {
      const out: TruthKey[] = [];
      for (const it of items) {
        if (at - leftAt > THRESHOLDS[plane].grace)
          out.push(truthKey(it.orphanedDetection ?? 'PW-ORPHANED-ACCOUNT', it.kind, it.id, it.tenant));
        if (at - leftAt > THRESHOLDS[plane].sla) out.push(truthKey('PW-DEPROV-OVERDUE', it.kind, it.id, it.tenant));
      }
      return out;
    });

  // Directories come online.
  wf(workos.dsyncActivated(eid('evt_dir'), WF_DIR, WF_ORG, 'Acme workforce', T0), T0);
  // The IT admin who removes leavers from OpenAI is an employee: their OpenAI account is known only
  // through the audit log's actor (existence by observation) and is managed by the directory.
  // Delivered without drawing from the seeded generator, so every other value stays as it was.
  const itAdmin = {
    id: 'directory_user_ITADMIN',
    directoryId: WF_DIR,
    orgId: WF_ORG,
    email: 'it.admin@acme.example',
    first: 'it',
    last: 'Admin',
    createdAt: T0,
  };
  envs.push(
    envelope('workos', 'workos-main', 'webhook', 'application/json', workos.dsyncUserCreated(`evt_wf_itadmin_${seed}`, itAdmin), T0 + 1000),
  );
  wf(workos.dsyncActivated(eid('evt_dir'), GLOBEX_DIR, GLOBEX_ORG, 'Globex', T0 + HOUR), T0 + HOUR);
  wf(workos.dsyncActivated(eid('evt_dir'), INITECH_DIR, INITECH_ORG, 'Initech', T0 + 2 * HOUR), T0 + 2 * HOUR);

  // A — stayers (and joiners: created in the last weeks).
  const stayers: { dir: DirUserShape; oai: OaiUser }[] = [];
  for (let i = 0; i < 2 * scale + 1; i++) {
    const joiner = i === 0;
    const created = joiner ? NOW - r.int(20, 40) * DAY : T0 + r.int(1, 10) * DAY;
    const d = employee(created);
    const o = openaiUser(d.email, created + r.int(1, 48) * HOUR);
    key(o, o.addedAt + HOUR, regularUses(o.addedAt + HOUR, NOW - r.int(1, 10) * DAY));
    auditAt(NOW - r.int(2, 48) * HOUR, 'login.succeeded', { type: 'session', userId: o.id, email: o.email }, {});
    stayers.push({ dir: d, oai: o });
  }

  // B — clean leavers; C — late leavers (breach, removed).
  for (const late of [false, true]) {
    for (let i = 0; i < scale; i++) {
      const d = employee(T0 + r.int(1, 10) * DAY);
      const o = openaiUser(d.email, d.createdAt + r.int(1, 24) * HOUR);
      const L = sec(NOW - r.int(late ? 20 : 10, 60) * DAY - r.int(0, 86_399) * 1000);
      const k = key(o, o.addedAt + HOUR, regularUses(o.addedAt + HOUR, L - r.int(1, 5) * DAY));
      wf(workos.dsyncUserDeleted(eid('evt_wf'), d, L), L);
      const lagU = late ? r.int(30 * 60, 8 * 24 * 60) * MIN : r.int(10, 20 * 60) * MIN;
      const lagK = r.int(10, 20 * 60) * MIN;
      removeOpenaiUserAudit(o, L + lagU);
      revokeKey(k, L + lagK);
      lagItems.push(
        { plane: P, source: 'openai', signal: L, removedAt: o.removedAt },
        { plane: P, source: 'openai', signal: L, removedAt: k.revokedAt },
      );
    }
  }

  // D — overdue leavers with an active key.
  for (let i = 0; i < scale; i++) {
    const d = employee(T0 + r.int(1, 10) * DAY);
    const o = openaiUser(d.email, d.createdAt + r.int(1, 24) * HOUR);
    const L = sec(NOW - r.int(2, 30) * DAY - r.int(0, 86_399) * 1000);
    const k = key(o, o.addedAt + HOUR, regularUses(o.addedAt + HOUR, L - r.int(1, 5) * DAY));
    wf(workos.dsyncUserSuspended(eid('evt_wf'), d, L), L);
    pendingRule(P, L, [
      { kind: 'human', id: o.id, tenant: '' },
      { kind: 'project_key', id: k.id, tenant: PROJECT, orphanedDetection: 'PW-ORPHANED-CREDENTIAL' },
    ]);
    lagItems.push({ plane: P, source: 'openai', signal: L, removedAt: null }, { plane: P, source: 'openai', signal: L, removedAt: null });
    if (i === 0) named.overdue = { email: d.email, directoryUserId: d.id, openaiUserId: o.id, keyId: k.id, leftAt: L };
  }

  // E — recent leavers (30 min and 5 h ago); F — 23 h ago (the clock test).
  for (const [label, ago] of [
    ['E1', 30 * MIN],
    ['E2', 5 * HOUR],
    ['F', 23 * HOUR],
  ] as const) {
    const d = employee(T0 + r.int(1, 10) * DAY);
    const o = openaiUser(d.email, d.createdAt + r.int(1, 24) * HOUR);
    const L = sec(NOW - ago);
    wf(workos.dsyncUserSuspended(eid('evt_wf'), d, L), L);
    pendingRule(P, L, [{ kind: 'human', id: o.id, tenant: '' }]);
    lagItems.push({ plane: P, source: 'openai', signal: L, removedAt: null });
    named[label] = { email: d.email, directoryUserId: d.id, openaiUserId: o.id, leftAt: L };
  }

  // G — pre-departure key used after leaving.
  {
    const d = employee(T0 + r.int(1, 10) * DAY);
    const o = openaiUser(d.email, d.createdAt + r.int(1, 24) * HOUR);
    const L = sec(NOW - 20 * DAY - r.int(0, 86_399) * 1000);
    const k = key(o, L - 3 * DAY, [L - DAY, L + 5 * DAY], { type: 'session', userId: o.id, email: o.email });
    wf(workos.dsyncUserDeleted(eid('evt_wf'), d, L), L);
    removeOpenaiUserAudit(o, L + 2 * HOUR);
    extraSnapshots.push(L + 5 * DAY + HOUR);
    truthFns.push(() => [
      truthKey('PW-ACTIVITY-AFTER-DEPROVISION', 'project_key', k.id, PROJECT),
      truthKey('PW-ORPHANED-CREDENTIAL', 'project_key', k.id, PROJECT),
      truthKey('PW-PRE-DEPARTURE-KEY', 'project_key', k.id, PROJECT),
      truthKey('PW-DEPROV-OVERDUE', 'project_key', k.id, PROJECT),
    ]);
    lagItems.push(
      { plane: P, source: 'openai', signal: L, removedAt: o.removedAt },
      { plane: P, source: 'openai', signal: L, removedAt: null },
    );
    named.G = { email: d.email, directoryUserId: d.id, openaiUserId: o.id, keyId: k.id, leftAt: L };
  }

  // H — stale keys of stayers; I — a key reused after 100 idle days.
  {
    const s0 = stayers[1 % stayers.length]!.oai;
    const h1 = key(s0, T0 + 2 * DAY, regularUses(T0 + 2 * DAY, NOW - 120 * DAY));
    const h2 = key(s0, NOW - 100 * DAY, []);
    const i1 = key(s0, T0 + DAY, [T0 + 2 * DAY, T0 + 102 * DAY, T0 + 150 * DAY, NOW - DAY]);
    truthFns.push(() => [
      truthKey('PW-STALE-CREDENTIAL', 'project_key', h1.id, PROJECT),
      truthKey('PW-STALE-CREDENTIAL', 'project_key', h2.id, PROJECT),
      truthKey('PW-STALE-CREDENTIAL-REUSED', 'project_key', i1.id, PROJECT),
    ]);
    named.reused = { email: s0.email, keyId: i1.id };
  }

  // J — removed from OpenAI only by an inventory snapshot 6 h after leaving.
  {
    const d = employee(T0 + r.int(1, 10) * DAY);
    const o = openaiUser(d.email, d.createdAt + r.int(1, 24) * HOUR, false);
    const L = sec(NOW - 30 * DAY - r.int(0, 86_399) * 1000);
    wf(workos.dsyncUserDeleted(eid('evt_wf'), d, L), L);
    o.removedAt = L + 6 * HOUR;
    o.removal = 'inventory';
    extraSnapshots.push(L - HOUR, L + 6 * HOUR);
    lagItems.push({ plane: P, source: 'openai', signal: L, removedAt: L + 6 * HOUR });
  }

  // K — unmanaged; L — customer on the platform.
  {
    const k = openaiUser(`contractor.${r.id('', 4).toLowerCase()}@freelance.example`, T0 + 30 * DAY);
    truthFns.push(() => [truthKey('PW-UNMANAGED-ACCOUNT', 'human', k.id)]);
    const bob = customer(GLOBEX_ORG, GLOBEX_DIR, T0 + 5 * DAY);
    const ob = openaiUser(bob.email, T0 + 40 * DAY);
    truthFns.push(() => [truthKey('PW-CUSTOMER-IN-PLATFORM', 'human', ob.id)]);
    named.unmanaged = { email: k.email, openaiUserId: k.id };
  }

  // M — an employee who is a member of a customer tenant.
  {
    const eve = stayers[0]!.dir;
    const uid = r.id('user_');
    wf(workos.userCreated(eid('evt_ak'), uid, eve.email, T0 + 60 * DAY), T0 + 60 * DAY);
    wf(workos.membership(eid('evt_om'), 'organization_membership.created', r.id('om_'), uid, GLOBEX_ORG, T0 + 61 * DAY), T0 + 61 * DAY);
    truthFns.push(() => [truthKey('PW-PLATFORM-IN-TENANT', 'human', uid, GLOBEX_ORG)]);
  }

  // N — a service account inviting a member.
  {
    const sa = { id: r.id('svc_acct_'), name: 'deploy-bot', createdAt: sec(T0 + 3 * DAY) };
    serviceAccounts.push(sa);
    const k = key({ id: sa.id, sa: true }, sa.createdAt + HOUR, regularUses(sa.createdAt + HOUR, NOW - 2 * DAY));
    auditAt(
      NOW - 9 * DAY,
      'invite.sent',
      { type: 'service_account', keyId: k.id, serviceAccountId: sa.id },
      { id: r.id('invite-'), data: { email: 'new.hire@acme.example', role: 'reader' } },
      PROJECT,
    );
    truthFns.push(() => [truthKey('PW-NHI-HUMAN-ACTION', 'service_account', sa.id, PROJECT)]);
  }

  // O — silent connection; openai-main's own silence threshold.
  {
    const at = NOW - 3 * DAY;
    hook('workos-eu', workos.sessionCreated(eid('evt_eu'), r.id('session_'), r.id('user_'), 'org_01UMBRELLA', at), at);
    truthFns.push((t) => (t - (at + 30_000) > WEBHOOK_SILENT_AFTER ? [truthKey('PW-SOURCE-SILENT', 'connection', 'workos-eu')] : []));
  }

  // P — provisioning disabled (directory deleted); OpenAI SCIM off and on again (cleared).
  {
    const at = sec(NOW - 10 * DAY);
    wf(workos.dsyncDeleted(eid('evt_dir'), INITECH_DIR, INITECH_ORG, 'Initech', at), at);
    auditAt(
      T0 + 50 * DAY,
      'scim.disabled',
      { type: 'session', userId: 'user-ITADMIN', email: 'it.admin@acme.example' },
      { id: 'scim_config_01' },
    );
    auditAt(
      T0 + 51 * DAY,
      'scim.enabled',
      { type: 'session', userId: 'user-ITADMIN', email: 'it.admin@acme.example' },
      { id: 'scim_config_01' },
    );
    truthFns.push(() => [truthKey('PW-PROVISIONING-DISABLED', 'directory', INITECH_DIR, INITECH_ORG)]);
  }

  // Q — ambiguous identities.
  {
    const consultant = employee(T0 + 3 * DAY);
    const cu = {
      id: r.id('directory_user_'),
      directoryId: GLOBEX_DIR,
      orgId: GLOBEX_ORG,
      email: consultant.email,
      first: 'Con',
      last: 'Sultant',
      createdAt: sec(T0 + 4 * DAY),
    };
    wf(workos.dsyncUserCreated(eid('evt_cu'), cu), cu.createdAt);
    const frank = customer(GLOBEX_ORG, GLOBEX_DIR, T0 + 6 * DAY, 'frank');
    wf(workos.dsyncUserEmailChanged(eid('evt_cu'), frank, T0 + 70 * DAY, 'frank.renamed@globex.example'), T0 + 70 * DAY);
    truthFns.push(() => [
      truthKey('PW-AMBIGUOUS-IDENTITY', 'person', consultant.email),
      truthKey('PW-AMBIGUOUS-IDENTITY', 'human', frank.id, GLOBEX_ORG),
    ]);
  }

  // R — customer leavers on the application plane.
  for (const variant of ['R1', 'R2', 'R3'] as const) {
    const c = customer(GLOBEX_ORG, GLOBEX_DIR, T0 + r.int(1, 10) * DAY);
    const uid = r.id('user_');
    wf(workos.userCreated(eid('evt_ak'), uid, c.email, c.createdAt + HOUR), c.createdAt + HOUR);
    const omId = r.id('om_');
    wf(
      workos.membership(eid('evt_om'), 'organization_membership.created', omId, uid, GLOBEX_ORG, c.createdAt + 2 * HOUR),
      c.createdAt + 2 * HOUR,
    );
    const L = sec(variant === 'R1' ? NOW - 40 * DAY : variant === 'R2' ? NOW - 5 * DAY : NOW - 15 * DAY);
    if (variant === 'R2') {
      wf(workos.dsyncUserSuspended(eid('evt_cu'), c, L), L);
      pendingRule(A, L, [{ kind: 'human', id: uid, tenant: GLOBEX_ORG }]);
      lagItems.push({ plane: A, source: 'workos', signal: L, removedAt: null });
      continue;
    }
    wf(workos.dsyncUserDeleted(eid('evt_cu'), c, L), L);
    const lag = variant === 'R1' ? 10 * HOUR : 3 * HOUR;
    if (variant === 'R3') {
      wf(workos.sessionCreated(eid('evt_se'), r.id('session_'), uid, GLOBEX_ORG, L + 2 * HOUR), L + 2 * HOUR);
      truthFns.push(() => [truthKey('PW-ACTIVITY-AFTER-DEPROVISION', 'human', uid)]);
      named.R3 = { email: c.email, authkitUserId: uid, leftAt: L };
    }
    wf(workos.membership(eid('evt_om'), 'organization_membership.deleted', omId, uid, GLOBEX_ORG, L + lag), L + lag);
    wf(workos.userDeleted(eid('evt_ak'), uid, c.email, L + lag + HOUR), L + lag + HOUR);
    // One unit of access, the Globex membership, removed at L + lag (the AuthKit user, deleted an
    // hour later, granted nothing by itself).
    lagItems.push({ plane: A, source: 'workos', signal: L, removedAt: L + lag });
  }

  // OpenAI audit pages: one page per event, fetched a minute after it happened.
  for (const a of audit)
    envs.push(envelope('openai', 'openai-main', 'poll', OPENAI_AUDIT_CONTENT_TYPE, openaiAuditPage([a.event]), a.at + MIN));

  // OpenAI inventory snapshots: every 10 days, the extra times archetypes need, and 5 min before now.
  const snaps = [...new Set([...Array.from({ length: 20 }, (_, i) => T0 + DAY + i * 10 * DAY), ...extraSnapshots.map(sec), NOW - 5 * MIN])]
    .filter((s) => s < NOW)
    .sort((a, b) => a - b);
  let previous: { id: string; at: number; objects: InventoryObject[] } | null = null;
  for (const S of snaps) {
    const users = oaiUsers.filter((u) => u.addedAt <= S && (u.removedAt === null || u.removedAt > S));
    const keys = oaiKeys.filter((k) => k.createdAt <= S && (k.revokedAt === null || k.revokedAt > S));
    const sas = serviceAccounts.filter((s) => s.createdAt <= S);
    const snapshotId = `snap_${seed}_${S}`;
    const keyItems: OaiKeyItem[] = keys.map((k) => {
      const used = k.uses.filter((u) => u <= S);
      return { id: k.id, name: k.name, createdAt: k.createdAt, lastUsedAt: used.length ? used[used.length - 1]! : null, owner: k.owner };
    });
    envs.push(
      envelope(
        'openai',
        'openai-main',
        'inventory',
        openaiInventory.contentType('users', null),
        openaiInventory.usersPage(users.map((u) => ({ id: u.id, email: u.email, name: u.name, addedAt: u.addedAt }))),
        S,
      ),
    );
    envs.push(
      envelope(
        'openai',
        'openai-main',
        'inventory',
        openaiInventory.contentType('project_api_keys', PROJECT),
        openaiInventory.keysPage(keyItems),
        S + 1,
      ),
    );
    envs.push(
      envelope(
        'openai',
        'openai-main',
        'inventory',
        openaiInventory.contentType('project_service_accounts', PROJECT),
        openaiInventory.serviceAccountsPage(sas),
        S + 2,
      ),
    );
    const objects: InventoryObject[] = [
      ...users.map((u) => ({ kind: 'user', scope: null, id: u.id, subject_kind: 'human', email: u.email, name: u.name })),
      ...keys.map((k) => ({
        kind: 'project_api_key',
        scope: PROJECT,
        id: k.id,
        subject_kind: 'api_key',
        name: k.name,
        credential_kind: k.owner.type === 'user' ? 'project_key' : 'service_account_key',
      })),
      ...sas.map((s) => ({ kind: 'service_account', scope: PROJECT, id: s.id, subject_kind: 'service_account', name: s.name })),
    ];
    if (previous) {
      const present = new Set(objects.map((o) => `${o.kind}|${o.id}`));
      for (const o of previous.objects) {
        if (present.has(`${o.kind}|${o.id}`)) continue;
        envs.push(
          inventoryRemovedEnvelope(
            'openai-main',
            o,
            { snapshotId: previous.id, completedAt: previous.at + 3 },
            { snapshotId, startedAt: S },
          ),
        );
      }
    }
    previous = { id: snapshotId, at: S, objects };
  }
  const lastOpenai = Math.max(...envs.filter((e) => e.connection_id === 'openai-main').map((e) => e.received_at));
  truthFns.push((t) =>
    openaiEnabled && t - lastOpenai > OPENAI_SILENT_AFTER ? [truthKey('PW-SOURCE-SILENT', 'connection', 'openai-main')] : [],
  );
  const lastMain = Math.max(...envs.filter((e) => e.connection_id === 'workos-main').map((e) => e.received_at));
  truthFns.push((t) => (t - lastMain > WEBHOOK_SILENT_AFTER ? [truthKey('PW-SOURCE-SILENT', 'connection', 'workos-main')] : []));

  if (envs.some((e) => e.received_at > NOW)) throw new Error('scenario bug: an envelope arrives after now');
  return {
    seed,
    now: NOW,
    configYaml: configYaml(openaiEnabled),
    map: parseBoundaryMap(configYaml(openaiEnabled), 'scenario.yaml'),
    envelopes: envs,
    truth: (at) => new Set(truthFns.flatMap((f) => f(at))),
    lagItems,
    named,
  };
}
