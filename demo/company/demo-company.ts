// The company `planewatch demo` loads: the seeded company (seeded-company.ts, every detection but the
// exposure ones) placed so that its "now" is the demo's start, plus what only the demo needs — a
// contractor directory provisioned over SCIM, an Anthropic organisation, and an OpenAI key leaked
// to GitHub (the two exposure detections).
//
// The seeded company is a list of RawEnvelopes; here it is split by the way each part can reach a
// running planewatch through its public interfaces:
//  - WorkOS webhook bodies → signed POSTs to the collector (their events carry their own times);
//  - OpenAI audit-log events → served by the demo's vendor API, fetched by the poller and by a
//    backfill (`effective_at` is the vendor's own time);
//  - the latest OpenAI inventory listing → served by the vendor API, fetched by the inventory poller;
//  - older inventory listings → `history`: a live poller can only list today, yet what a listing
//    proves depends on when planewatch received it (observation-bounded idle gaps, removals seen
//    between two snapshots). They are published to planewatch.raw.v1 as the poll runner published
//    them at the time (same envelope ids, their own received_at).
import { createHash } from 'node:crypto';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE } from '../../source-kit/poll/inventory.ts';
import { AUDIT_CONTENT_TYPE, inventoryContentType } from '../../sources/openai/poller.ts';
import { buildScenario, DAY, HOUR, MIN, PROJECT, type Scenario } from './seeded-company.ts';

/** The seeded company's seed (any fixed value: the demo is the same company every time). */
export const DEMO_SEED = 20;

export interface Webhook {
  vendor: string;
  connection: string;
  body: string;
}

export interface ScimContractor {
  userName: string;
  given: string;
  family: string;
  active: boolean;
  openaiUserId: string | null;
}

export interface DemoCompany {
  now: number;
  seeded: Scenario;
  webhooks: Webhook[];
  /** OpenAI audit-log events, newest first (as the Admin API lists them). */
  auditEvents: Record<string, unknown>[];
  history: RawEnvelope[];
  openai: { users: unknown[]; projects: unknown[]; projectKeys: unknown[]; serviceAccounts: unknown[] };
  anthropic: { users: unknown[]; apiKeys: unknown[]; workspaces: unknown[]; members: unknown[] };
  contractors: ScimContractor[];
  github: { delivery: string; alert: Record<string, unknown>; repo: string; number: number };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const secs = (ms: number) => Math.floor(ms / 1000);
const dataOf = (e: RawEnvelope): Record<string, unknown>[] =>
  (JSON.parse(e.body.toString('utf8')) as { data: Record<string, unknown>[] }).data;

/**
 * The leaked key: a fake in OpenAI's project-key shape, built at run time (no secret scanner
 * should take this file for a key) and the same on every start, so the listing's redacted value
 * keeps matching the alert after a restart.
 */
export function leakedKeySecret(): string {
  return `sk-proj-${createHash('sha256').update('planewatch demo leaked key').digest('base64url')}`;
}
const redacted = (secret: string) => `${secret.slice(0, 12)}...${secret.slice(-4)}`;

export function buildDemoCompany(now: number): DemoCompany {
  const seeded = buildScenario(DEMO_SEED, { now });
  const envs = [...seeded.envelopes].sort((a, b) => a.received_at - b.received_at);

  const webhooks = envs
    .filter((e) => e.transport === 'webhook')
    .map((e) => ({ vendor: e.source, connection: e.connection_id, body: e.body.toString('utf8') }));
  const auditEvents = envs
    .filter((e) => e.transport === 'poll' && e.content_type === AUDIT_CONTENT_TYPE)
    .flatMap(dataOf)
    .sort((a, b) => Number(b.effective_at) - Number(a.effective_at));

  // The latest listing: the last users page and the pages received with it.
  const usersType = inventoryContentType('users', null);
  const lastListing = Math.max(...envs.filter((e) => e.content_type === usersType).map((e) => e.received_at));
  const listings = envs.filter((e) => e.transport === 'inventory' && e.content_type !== INVENTORY_REMOVED_CONTENT_TYPE);
  const latest = (contentType: string) => dataOf(listings.find((e) => e.received_at >= lastListing && e.content_type === contentType)!);
  const history = envs.filter(
    (e) => e.transport === 'inventory' && (e.content_type === INVENTORY_REMOVED_CONTENT_TYPE || e.received_at < lastListing),
  );

  // Contractors (SCIM, platform plane): pia is deprovisioned during the demo while her OpenAI
  // account stays — a pending removal that PW-ORPHANED-ACCOUNT flags once the grace period ends.
  const contractors: ScimContractor[] = [
    { userName: 'ines.ortega@northwind.example', given: 'Ines', family: 'Ortega', active: true, openaiUserId: 'user-demo-ines' },
    { userName: 'omar.haddad@northwind.example', given: 'Omar', family: 'Haddad', active: true, openaiUserId: null },
    { userName: 'pia.lund@northwind.example', given: 'Pia', family: 'Lund', active: false, openaiUserId: 'user-demo-pia' },
  ];
  const contractorUsers = contractors
    .filter((c) => c.openaiUserId)
    .map((c) => ({
      object: 'organization.user',
      id: c.openaiUserId,
      name: `${c.given} ${c.family}`,
      email: c.userName,
      role: 'reader',
      added_at: secs(now - 60 * DAY),
    }));

  // The leaked key belongs to a stayer, is listed with its redacted value, and was used after
  // GitHub found it: PW-EXPOSED-CREDENTIAL-ACTIVE and PW-EXPOSED-CREDENTIAL-USED.
  const owner = seeded.named.reused!;
  const ownerId = String(latest(usersType).find((u) => u.email === owner.email)!.id);
  const exposedAt = now - 6 * HOUR;
  const secret = leakedKeySecret();
  const leakedKey = {
    object: 'organization.project.api_key',
    id: 'key_demo_leaked',
    name: 'notebook',
    redacted_value: redacted(secret),
    created_at: secs(now - 45 * DAY),
    last_used_at: secs(now - 40 * MIN),
    owner_project_access: 'active',
    owner: { type: 'user', user: { id: ownerId, email: owner.email, name: owner.email.split('@')[0], role: 'member' } },
  };

  const repo = 'acme/notebooks';
  const number = 7;
  const alertBase = {
    number,
    created_at: iso(exposedAt),
    updated_at: iso(exposedAt),
    url: `https://api.github.com/repos/${repo}/secret-scanning/alerts/${number}`,
    html_url: `https://github.com/${repo}/security/secret-scanning/${number}`,
    locations_url: `https://api.github.com/repos/${repo}/secret-scanning/alerts/${number}/locations`,
    resolution: null,
    resolved_at: null,
    resolved_by: null,
    resolution_comment: null,
    secret_type: 'openai_api_key',
    secret_type_display_name: 'OpenAI API Key',
    validity: 'active',
    push_protection_bypassed: false,
    push_protection_bypassed_by: null,
    push_protection_bypassed_at: null,
    publicly_leaked: false,
    multi_repo: false,
  };
  const delivery = JSON.stringify({
    action: 'created',
    alert: alertBase,
    repository: {
      id: 700001,
      node_id: 'R_demo',
      name: 'notebooks',
      full_name: repo,
      private: true,
      owner: { login: 'acme', id: 600001, type: 'Organization' },
      html_url: `https://github.com/${repo}`,
    },
    organization: { login: 'acme', id: 600001 },
    sender: { login: 'github', id: 9919, type: 'Organization' },
  });

  // Anthropic: the stayer above and the IT admin, one workspace, one key.
  const W = 'wrkspc_demo_prod';
  const anthropic = {
    users: [
      {
        type: 'user',
        id: 'user_demo_admin',
        email: 'it.admin@acme.example',
        name: 'IT Admin',
        role: 'admin',
        added_at: iso(now - 300 * DAY),
      },
      {
        type: 'user',
        id: 'user_demo_dev',
        email: owner.email,
        name: owner.email.split('@')[0],
        role: 'developer',
        added_at: iso(now - 120 * DAY),
      },
    ],
    apiKeys: [
      {
        type: 'api_key',
        id: 'apikey_demo_1',
        name: 'support-bot',
        status: 'active',
        created_at: iso(now - 30 * DAY),
        expires_at: null,
        partial_key_hint: 'sk-ant-api03-Dm0...Q1x',
        created_by: { type: 'user', id: 'user_demo_dev' },
        principal: { type: 'user_actor', user_id: 'user_demo_dev' },
        scope: { type: 'workspace', workspace_id: W },
      },
    ],
    workspaces: [{ type: 'workspace', id: W, name: 'Production', created_at: iso(now - 200 * DAY), archived_at: null }],
    members: [{ type: 'workspace_member', user_id: 'user_demo_dev', workspace_id: W, workspace_role: 'workspace_developer' }],
  };

  return {
    now,
    seeded,
    webhooks,
    auditEvents,
    history,
    openai: {
      users: [...latest(usersType), ...contractorUsers],
      projects: [{ object: 'organization.project', id: PROJECT, name: 'Main', created_at: secs(now - 200 * DAY), status: 'active' }],
      projectKeys: [...latest(inventoryContentType('project_api_keys', PROJECT)), leakedKey],
      serviceAccounts: latest(inventoryContentType('project_service_accounts', PROJECT)),
    },
    anthropic,
    contractors,
    github: { delivery, alert: { ...alertBase, state: 'open', secret, is_base64_encoded: false }, repo, number },
  };
}
