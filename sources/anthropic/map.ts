// Pure mapping: Anthropic Admin API inventory items → MappedEvent + the object's diff identity.
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/anthropic.md.
import type { z } from 'zod';
import { normalizeEmail, type Action, type MappedEvent } from '../../core/events/identity-event.ts';
import { nonEmpty, parsedDateToMs } from '../../source-kit/map-helpers.ts';
import {
  inventoryEvent,
  type InventoryEventDraft,
  type InventoryItemResult,
  type InventoryMapContext as SharedInventoryMapContext,
  type InventoryMapResult,
} from '../../source-kit/inventory-map.ts';
import {
  ApiKeySchema,
  formatIssues,
  InviteSchema,
  ServiceAccountSchema,
  UserSchema,
  WorkspaceMemberSchema,
  WorkspaceSchema,
  type ApiKey,
} from './payloads.ts';

const USER_INVENTORY = 5003;

/** Inventory kinds that are grants of an org user (attributes.access = 'scope'), never accounts of their own. */
export const GRANT_KINDS: ReadonlySet<string> = new Set(['workspace_member']);

/** The listings of an inventory snapshot; each page's content type names its listing and scope. */
export const LISTINGS = ['users', 'invites', 'api_keys', 'workspaces', 'workspace_members', 'service_accounts'] as const;
export type Listing = (typeof LISTINGS)[number];

/** The InventoryObject kind of each listing's items. */
export const KIND_OF: Record<Listing, string> = {
  users: 'user',
  invites: 'invite',
  api_keys: 'api_key',
  workspaces: 'workspace',
  workspace_members: 'workspace_member',
  service_accounts: 'service_account',
};

/** The item's context; `scope` is the workspace id for workspace-scoped listings (members). */
export type InventoryMapContext = SharedInventoryMapContext<Listing>;
export type { InventoryItemResult, InventoryMapResult };

/** RFC 3339 → epoch ms, null when absent or unusable. */
export const rfc3339ToMs: (v: string | null | undefined) => number | null = parsedDateToMs;

/** Event ids of observations: `ant_inv_` + a hash of the page and the object (source-kit/inventory-map.ts). */
const EVENT_ID_PREFIX = 'ant_inv_';

/** The owner of a key: its principal, else its creator, else unknown. */
/**
 * When a closed invite closed, as the listing states it: an expired one at its `expires_at`. An
 * Invite carries no acceptance or deletion time, so those are dated at the listing that first
 * shows them (null here).
 */
function inviteClosedAt(status: string | null, i: { expires_at?: string | null }): string | null {
  return status === 'expired' ? nonEmpty(i.expires_at ?? null) : null;
}

export function keyOwner(k: ApiKey): { id: string | null; kind: string | null; from: 'principal' | 'created_by' | null } {
  const p = k.principal;
  if (p) {
    const sa = nonEmpty(p.service_account_id);
    const user = nonEmpty(p.user_id);
    if (p.type === 'service_account_actor' || (sa && !user)) {
      if (sa) return { id: sa, kind: 'service_account', from: 'principal' };
    } else if (user) return { id: user, kind: 'human', from: 'principal' };
  }
  const c = k.created_by;
  const cid = nonEmpty(c?.id);
  if (c && cid)
    return {
      id: cid,
      kind: c.type === 'service_account' ? 'service_account' : c.type === 'user' ? 'human' : nonEmpty(c.type),
      from: 'created_by',
    };
  return { id: null, kind: null, from: null };
}

/** The workspace a key belongs to (null for organisation-scoped keys). */
export function keyWorkspace(k: ApiKey): string | null {
  return nonEmpty(k.scope?.workspace_id) ?? nonEmpty(k.workspace_id);
}

const KEY_NOT_ACTIVE: Readonly<Record<string, Action>> = { inactive: 'deactivated', expired: 'deactivated', archived: 'revoked' };
const INVITE_NOT_PENDING = new Set(['accepted', 'expired', 'deleted']);

/** One inventory item → its event and its diff identity. Pure. */
export function mapInventoryItem(item: unknown, ctx: InventoryMapContext): InventoryMapResult {
  const kind = KIND_OF[ctx.listing];
  const fail = (error: z.ZodError): InventoryMapResult => ({ ok: false, reason: `${ctx.listing} item: ${formatIssues(error)}` });
  const event = (objectId: string, d: InventoryEventDraft): MappedEvent => inventoryEvent(EVENT_ID_PREFIX, ctx, kind, objectId, d);

  switch (ctx.listing) {
    case 'users': {
      const r = UserSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const u = r.data;
      const email = normalizeEmail(u.email);
      const name = nonEmpty(u.name);
      return {
        ok: true,
        value: {
          event: event(u.id, {
            tenant: null,
            subject: { kind: 'human', id: u.id, email, name },
            ocsf: USER_INVENTORY,
            attributes: { role: u.role, added_at: u.added_at },
          }),
          object: { kind, scope: null, id: u.id, subject_kind: 'human', email, name },
        },
      };
    }
    case 'invites': {
      const r = InviteSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const i = r.data;
      const email = normalizeEmail(i.email);
      const status = nonEmpty(i.status);
      const done = status !== null && INVITE_NOT_PENDING.has(status);
      return {
        ok: true,
        value: {
          event: event(i.id, {
            ...(done ? { category: 'account' as const, action: 'deactivated' as const } : {}),
            tenant: null,
            subject: { kind: 'invite', id: i.id, email },
            ocsf: USER_INVENTORY,
            attributes: {
              status,
              role: i.role,
              invited_at: i.invited_at,
              expires_at: i.expires_at,
              accepted_at: i.accepted_at,
              effective_at: done ? inviteClosedAt(status, i) : null,
              rbac_group_ids: i.rbac_group_ids && i.rbac_group_ids.length > 0 ? i.rbac_group_ids.join(',') : null,
            },
          }),
          object: { kind, scope: null, id: i.id, subject_kind: 'invite', email },
        },
      };
    }
    case 'api_keys': {
      const r = ApiKeySchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const k = r.data;
      const owner = keyOwner(k);
      const workspace = keyWorkspace(k);
      const status = nonEmpty(k.status);
      const notActive = status !== null ? KEY_NOT_ACTIVE[status] : undefined;
      const name = nonEmpty(k.name);
      return {
        ok: true,
        value: {
          event: event(k.id, {
            ...(notActive ? { category: 'credential' as const, action: notActive } : {}),
            tenant: workspace,
            subject: { kind: 'api_key', id: k.id, name },
            credential: {
              id: k.id,
              kind: 'api_key',
              owner_id: owner.id,
              owner_kind: owner.kind,
              scopes: [],
              created_at: rfc3339ToMs(k.created_at),
              last_used_at: null,
            },
            ocsf: null,
            attributes: {
              status,
              expires_at: k.expires_at,
              workspace_id: workspace,
              scope_type: nonEmpty(k.scope?.type) ?? (workspace ? 'workspace' : null),
              owner_from: owner.from,
              created_by_id: k.created_by?.id,
              created_by_type: k.created_by?.type,
              principal_type: k.principal?.type,
              key_hint: k.partial_key_hint,
            },
          }),
          object: { kind, scope: null, id: k.id, subject_kind: 'api_key', name, credential_kind: 'api_key' },
        },
      };
    }
    case 'workspaces': {
      const r = WorkspaceSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const w = r.data;
      const name = nonEmpty(w.name);
      return {
        ok: true,
        value: {
          event: event(w.id, {
            tenant: w.id,
            subject: { kind: 'project', id: w.id, name },
            ocsf: null,
            attributes: { status: nonEmpty(w.archived_at) ? 'archived' : 'active', created_at: w.created_at, archived_at: w.archived_at },
          }),
          object: { kind, scope: null, id: w.id, subject_kind: 'project', name },
        },
      };
    }
    case 'workspace_members': {
      const r = WorkspaceMemberSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const m = r.data;
      const workspace = ctx.scope ?? nonEmpty(m.workspace_id);
      return {
        ok: true,
        value: {
          event: event(m.user_id, {
            tenant: workspace,
            subject: { kind: 'human', id: m.user_id },
            ocsf: USER_INVENTORY,
            // A workspace member is the org user's grant to the workspace, not a second account.
            attributes: { access: 'scope', workspace_role: m.workspace_role, workspace_id: workspace },
          }),
          object: { kind, scope: ctx.scope, id: m.user_id, subject_kind: 'human', access: 'scope' },
        },
      };
    }
    case 'service_accounts': {
      const r = ServiceAccountSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const s = r.data;
      const name = nonEmpty(s.name);
      const archived = nonEmpty(s.archived_at) !== null;
      return {
        ok: true,
        value: {
          event: event(s.id, {
            ...(archived ? { category: 'account' as const, action: 'deactivated' as const } : {}),
            tenant: null,
            subject: { kind: 'service_account', id: s.id, name },
            ocsf: USER_INVENTORY,
            attributes: {
              status: archived ? 'archived' : 'active',
              organization_role: s.organization_role,
              created_at: s.created_at,
              created_by_actor_id: s.created_by_actor_id,
              archived_at: s.archived_at,
              archived_by_actor_id: s.archived_by_actor_id,
            },
          }),
          object: { kind, scope: null, id: s.id, subject_kind: 'service_account', name },
        },
      };
    }
  }
}
