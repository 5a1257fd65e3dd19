// An OpenAI organisation as the Admin API shows it: audit-log pages (one event per page here) and
// complete inventory snapshots (organization users, admin keys, projects, and per project its users,
// service accounts and API keys), taken at given times from a description of who/what existed when
// and which key was used when — `last_used_at` is what the API would report at that instant (the
// latest use not after it). Between two snapshots the poll runner's inventory-removed envelopes.
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import type { InventoryObject } from '../../../../source-kit/poller.ts';
import { AUDIT_CONTENT_TYPE, inventoryContentType } from '../../../../sources/openai/poller.ts';
import { openaiAuditEvent, openaiAuditPage, type OaiActor } from '../../../../demo/company/vendor-shapes.ts';
import { envelope, listPage, removedBetween, secs, type Snapshot } from './common.ts';

export interface OaiProject {
  id: string;
  name: string;
  createdAt: number;
}
export interface OaiUser {
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'reader';
  addedAt: number;
  /** gone from the org (audit user.deleted, or simply no longer listed) */
  removedAt?: number;
  /** project ids the user is a member of (for as long as the user exists) */
  projects: string[];
}
export interface OaiServiceAccount {
  id: string;
  name: string;
  project: string;
  createdAt: number;
}
export interface OaiKey {
  id: string;
  name: string;
  /** null: an admin key (organisation-wide) */
  project: string | null;
  owner: { type: 'user'; id: string; email: string; name: string } | { type: 'service_account'; id: string; name: string };
  createdAt: number;
  uses: number[];
  removedAt?: number;
}

export interface OaiOrg {
  connection: string;
  projects: OaiProject[];
  users: OaiUser[];
  serviceAccounts: OaiServiceAccount[];
  keys: OaiKey[];
}

const alive = (from: number, to: number | undefined, at: number) => from <= at && (to === undefined || at < to);
const lastUse = (uses: number[], at: number): number | null => {
  const seen = uses.filter((u) => u <= at);
  return seen.length ? Math.max(...seen) : null;
};

function keyItem(k: OaiKey, at: number, admin: boolean): Record<string, unknown> {
  const lu = lastUse(k.uses, at);
  // Admin keys: owner {type: user, object: organization.user, id, name, created_at, role: owner} (AdminAPIKey);
  // project keys: owner {type, user | service_account} (ProjectApiKey).
  const owner = admin
    ? {
        type: 'user',
        object: 'organization.user',
        id: k.owner.id,
        name: k.owner.name,
        created_at: secs(k.createdAt) - 86_400,
        role: 'owner',
      }
    : k.owner.type === 'user'
      ? {
          type: 'user',
          user: { object: 'organization.project.user', id: k.owner.id, email: k.owner.email, name: k.owner.name, role: 'member' },
        }
      : {
          type: 'service_account',
          service_account: { object: 'organization.project.service_account', id: k.owner.id, name: k.owner.name, role: 'member' },
        };
  return admin
    ? {
        object: 'organization.admin_api_key',
        id: k.id,
        name: k.name,
        redacted_value: 'sk-admin-...xY',
        created_at: secs(k.createdAt),
        last_used_at: lu === null ? null : secs(lu),
        owner,
      }
    : {
        object: 'organization.project.api_key',
        id: k.id,
        name: k.name,
        redacted_value: 'sk-proj-...aB',
        created_at: secs(k.createdAt),
        last_used_at: lu === null ? null : secs(lu),
        owner_project_access: 'active',
        owner,
      };
}

/** One complete snapshot at `at`: its page envelopes (received one second apart) and its object set. */
export function openaiSnapshot(org: OaiOrg, at: number): { snapshot: Snapshot; envelopes: RawEnvelope[] } {
  const envs: RawEnvelope[] = [];
  const objects: InventoryObject[] = [];
  let i = 0;
  const page = (listing: Parameters<typeof inventoryContentType>[0], scope: string | null, items: unknown[]) =>
    envs.push(envelope('openai', org.connection, 'poll', inventoryContentType(listing, scope), listPage(items), at + i++ * 1000));

  const users = org.users.filter((u) => alive(u.addedAt, u.removedAt, at));
  page(
    'users',
    null,
    users.map((u) => ({ object: 'organization.user', id: u.id, name: u.name, email: u.email, role: u.role, added_at: secs(u.addedAt) })),
  );
  users.forEach((u) => objects.push({ kind: 'user', scope: null, id: u.id, subject_kind: 'human', email: u.email, name: u.name }));

  const adminKeys = org.keys.filter((k) => k.project === null && alive(k.createdAt, k.removedAt, at));
  page(
    'admin_api_keys',
    null,
    adminKeys.map((k) => keyItem(k, at, true)),
  );
  adminKeys.forEach((k) =>
    objects.push({ kind: 'admin_api_key', scope: null, id: k.id, subject_kind: 'admin_key', name: k.name, credential_kind: 'admin_key' }),
  );

  const projects = org.projects.filter((p) => p.createdAt <= at);
  page(
    'projects',
    null,
    projects.map((p) => ({
      object: 'organization.project',
      id: p.id,
      name: p.name,
      created_at: secs(p.createdAt),
      archived_at: null,
      status: 'active',
    })),
  );
  projects.forEach((p) => objects.push({ kind: 'project', scope: null, id: p.id, subject_kind: 'project', name: p.name }));

  for (const p of projects) {
    const members = users.filter((u) => u.projects.includes(p.id));
    page(
      'project_users',
      p.id,
      members.map((u) => ({
        object: 'organization.project.user',
        id: u.id,
        name: u.name,
        email: u.email,
        role: 'member',
        added_at: secs(u.addedAt),
      })),
    );
    // The diff identity the poll runner keeps (the vendor module marks a project user as a grant).
    members.forEach((u) =>
      objects.push({ kind: 'project_user', scope: p.id, id: u.id, subject_kind: 'human', email: u.email, name: u.name, access: 'scope' }),
    );

    const sas = org.serviceAccounts.filter((s) => s.project === p.id && s.createdAt <= at);
    page(
      'project_service_accounts',
      p.id,
      sas.map((s) => ({
        object: 'organization.project.service_account',
        id: s.id,
        name: s.name,
        role: 'member',
        created_at: secs(s.createdAt),
      })),
    );
    sas.forEach((s) => objects.push({ kind: 'service_account', scope: p.id, id: s.id, subject_kind: 'service_account', name: s.name }));

    const keys = org.keys.filter((k) => k.project === p.id && alive(k.createdAt, k.removedAt, at));
    page(
      'project_api_keys',
      p.id,
      keys.map((k) => keyItem(k, at, false)),
    );
    keys.forEach((k) =>
      objects.push({
        kind: 'project_api_key',
        scope: p.id,
        id: k.id,
        subject_kind: 'api_key',
        name: k.name,
        credential_kind: k.owner.type === 'service_account' ? 'service_account_key' : 'project_key',
      }),
    );
  }
  return { snapshot: { id: `snap_${org.connection}_${secs(at)}`, startedAt: at, completedAt: at + i * 1000, objects }, envelopes: envs };
}

/** Every snapshot's pages plus the removals the poll runner derives between consecutive ones. */
export function openaiSnapshots(org: OaiOrg, times: number[]): RawEnvelope[] {
  const out: RawEnvelope[] = [];
  let prev: Snapshot | null = null;
  for (const at of times) {
    const { snapshot, envelopes } = openaiSnapshot(org, at);
    out.push(...envelopes);
    if (prev) out.push(...removedBetween('openai', org.connection, prev, snapshot));
    prev = snapshot;
  }
  return out;
}

/** One audit-log page holding one event, fetched `delay` after it happened. */
export function auditEnvelope(
  connection: string,
  id: string,
  type: string,
  at: number,
  actor: OaiActor | null,
  payload: Record<string, unknown>,
  project?: string,
  delay = 5 * 60_000,
): RawEnvelope {
  return envelope(
    'openai',
    connection,
    'poll',
    AUDIT_CONTENT_TYPE,
    openaiAuditPage([openaiAuditEvent(id, type, at, actor, payload, project)]),
    at + delay,
  );
}
