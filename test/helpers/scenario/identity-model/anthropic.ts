// An Anthropic organisation as the Admin API lists it (users, invites, API keys, workspaces, the
// members of each live workspace, service accounts: docs.anthropic.com Admin API), in complete
// snapshots taken at given times, plus the poll runner's inventory-removed envelopes between them.
// Invite and key statuses are what the API would list at that instant.
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import type { InventoryObject } from '../../../../source-kit/poller.ts';
import { inventoryContentType } from '../../../../source-kit/poll/page-walker.ts';
import { envelope, iso, listPage, removedBetween, secs, type Snapshot } from './common.ts';

export interface AntUser {
  id: string;
  email: string;
  name: string;
  role: string;
  addedAt: number;
  removedAt?: number;
  workspaces: string[];
}
export interface AntInvite {
  id: string;
  email: string;
  role: string;
  invitedAt: number;
  expiresAt: number;
  acceptedAt?: number;
  /** deleted by an admin at this time (listed with status `deleted` from then on) */
  deletedAt?: number;
}
export interface AntKey {
  id: string;
  name: string;
  workspace: string | null;
  createdAt: number;
  createdBy: { type: 'user' | 'service_account'; id: string };
  principal?: { type: 'service_account_actor'; service_account_id: string };
  /** archived at this time (listed with status `archived` from then on) */
  archivedAt?: number;
}
export interface AntWorkspace {
  id: string;
  name: string;
  createdAt: number;
}
export interface AntServiceAccount {
  id: string;
  name: string;
  createdAt: number;
  createdBy: string;
}

export interface AntOrg {
  connection: string;
  users: AntUser[];
  invites: AntInvite[];
  keys: AntKey[];
  workspaces: AntWorkspace[];
  serviceAccounts: AntServiceAccount[];
}

function inviteStatus(i: AntInvite, at: number): string {
  if (i.acceptedAt !== undefined && i.acceptedAt <= at) return 'accepted';
  if (i.deletedAt !== undefined && i.deletedAt <= at) return 'deleted';
  if (i.expiresAt <= at) return 'expired';
  return 'pending';
}

export function anthropicSnapshot(org: AntOrg, at: number): { snapshot: Snapshot; envelopes: RawEnvelope[] } {
  const envs: RawEnvelope[] = [];
  const objects: InventoryObject[] = [];
  let i = 0;
  const page = (listing: string, scope: string | null, items: unknown[], extra: Record<string, unknown> = {}) =>
    envs.push(
      envelope('anthropic', org.connection, 'inventory', inventoryContentType(listing, scope), listPage(items, extra), at + i++ * 1000),
    );

  const users = org.users.filter((u) => u.addedAt <= at && (u.removedAt === undefined || at < u.removedAt));
  page(
    'users',
    null,
    users.map((u) => ({ id: u.id, type: 'user', email: u.email, name: u.name, role: u.role, added_at: iso(u.addedAt) })),
  );
  users.forEach((u) => objects.push({ kind: 'user', scope: null, id: u.id, subject_kind: 'human', email: u.email, name: u.name }));

  const invites = org.invites.filter((v) => v.invitedAt <= at);
  page(
    'invites',
    null,
    invites.map((v) => ({
      id: v.id,
      type: 'invite',
      email: v.email,
      role: v.role,
      status: inviteStatus(v, at),
      invited_at: iso(v.invitedAt),
      expires_at: iso(v.expiresAt),
      ...(v.acceptedAt !== undefined && v.acceptedAt <= at ? { accepted_at: iso(v.acceptedAt) } : {}),
    })),
  );
  invites.forEach((v) => objects.push({ kind: 'invite', scope: null, id: v.id, subject_kind: 'invite', email: v.email }));

  const keys = org.keys.filter((k) => k.createdAt <= at);
  page(
    'api_keys',
    null,
    keys.map((k) => ({
      id: k.id,
      type: 'api_key',
      name: k.name,
      status: k.archivedAt !== undefined && k.archivedAt <= at ? 'archived' : 'active',
      created_at: iso(k.createdAt),
      expires_at: null,
      created_by: k.createdBy,
      ...(k.principal ? { principal: k.principal } : {}),
      workspace_id: k.workspace,
    })),
  );
  keys.forEach((k) =>
    objects.push({ kind: 'api_key', scope: null, id: k.id, subject_kind: 'api_key', name: k.name, credential_kind: 'api_key' }),
  );

  const workspaces = org.workspaces.filter((w) => w.createdAt <= at);
  page(
    'workspaces',
    null,
    workspaces.map((w) => ({
      id: w.id,
      type: 'workspace',
      name: w.name,
      created_at: iso(w.createdAt),
      archived_at: null,
      display_color: '#6C5BB9',
    })),
  );
  workspaces.forEach((w) => objects.push({ kind: 'workspace', scope: null, id: w.id, subject_kind: 'project', name: w.name }));

  for (const w of workspaces) {
    const members = users.filter((u) => u.workspaces.includes(w.id));
    page(
      'workspace_members',
      w.id,
      members.map((u) => ({ type: 'workspace_member', user_id: u.id, workspace_id: w.id, workspace_role: 'workspace_developer' })),
    );
    // The diff identity the poll runner keeps (the vendor module marks a workspace member as a grant).
    members.forEach((u) => objects.push({ kind: 'workspace_member', scope: w.id, id: u.id, subject_kind: 'human', access: 'scope' }));
  }

  const sas = org.serviceAccounts.filter((s) => s.createdAt <= at);
  page(
    'service_accounts',
    null,
    sas.map((s) => ({
      id: s.id,
      type: 'service_account',
      name: s.name,
      organization_role: 'user',
      created_at: iso(s.createdAt),
      created_by_actor_id: s.createdBy,
      updated_at: iso(s.createdAt),
      archived_at: null,
      archived_by_actor_id: null,
    })),
    { next_page: null },
  );
  sas.forEach((s) => objects.push({ kind: 'service_account', scope: null, id: s.id, subject_kind: 'service_account', name: s.name }));

  return { snapshot: { id: `snap_${org.connection}_${secs(at)}`, startedAt: at, completedAt: at + i * 1000, objects }, envelopes: envs };
}

export function anthropicSnapshots(org: AntOrg, times: number[]): RawEnvelope[] {
  const out: RawEnvelope[] = [];
  let prev: Snapshot | null = null;
  for (const at of times) {
    const { snapshot, envelopes } = anthropicSnapshot(org, at);
    out.push(...envelopes);
    if (prev) out.push(...removedBetween('anthropic', org.connection, prev, snapshot));
    prev = snapshot;
  }
  return out;
}
