// Vendor-shaped deliveries for the scenario: WorkOS webhook events (docs/vendors/workos.md) and
// OpenAI Admin API pages — audit-log pages and inventory listings (docs/vendors/openai.md) — wrapped in the
// RawEnvelopes the collector / poll runner would have produced, plus the poll runner's
// inventory-removed envelopes (source-kit/poll/inventory.ts).
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE, removedBody } from '../../source-kit/poll/inventory.ts';
import { pollEnvelopeId } from '../../services/poller/publish.ts';
import type { InventoryObject } from '../../source-kit/poller.ts';
import { AUDIT_CONTENT_TYPE, inventoryContentType } from '../../sources/openai/poller.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const secs = (ms: number) => Math.floor(ms / 1000);

export function envelope(
  source: string,
  connection: string,
  transport: string,
  contentType: string,
  body: string,
  receivedAt: number,
): RawEnvelope {
  const bytes = Buffer.from(body);
  return {
    // as the collector (webhooks) and the poll runner (pages: content type included) name them
    id: transport === 'webhook' ? rawEnvelopeId(source, connection, bytes) : pollEnvelopeId(source, connection, contentType, bytes),
    source,
    connection_id: connection,
    received_at: receivedAt,
    transport,
    content_type: contentType,
    headers: {},
    body: bytes,
    verification:
      transport === 'webhook'
        ? { scheme: 'workos-hmac-sha256', verified: true, detail: null }
        : { scheme: 'bearer', verified: true, detail: null },
  };
}

// ---- WorkOS ---------------------------------------------------------------------------------

export interface DirUserShape {
  id: string;
  directoryId: string;
  orgId: string;
  email: string;
  first: string;
  last: string;
  createdAt: number;
}

function directoryUserData(u: DirUserShape, state: 'active' | 'inactive', updatedAt: number, email = u.email) {
  return {
    object: 'directory_user',
    id: u.id,
    directory_id: u.directoryId,
    organization_id: u.orgId,
    idp_id: `idp-${u.id.slice(-8)}`,
    email,
    emails: [{ primary: true, type: 'work', value: email }],
    username: email.split('@')[0],
    first_name: u.first,
    last_name: u.last,
    state,
    role: { slug: 'member' },
    raw_attributes: {},
    custom_attributes: {},
    created_at: iso(u.createdAt),
    updated_at: iso(updatedAt),
  };
}

export function workosEvent(
  eventId: string,
  type: string,
  data: Record<string, unknown>,
  at: number,
  context?: Record<string, unknown>,
): string {
  return JSON.stringify({ object: 'event', id: eventId, event: type, data, created_at: iso(at), ...(context ? { context } : {}) });
}

export const workos = {
  dsyncUserCreated: (eid: string, u: DirUserShape) =>
    workosEvent(eid, 'dsync.user.created', directoryUserData(u, 'active', u.createdAt), u.createdAt),
  dsyncUserSuspended: (eid: string, u: DirUserShape, at: number) =>
    workosEvent(eid, 'dsync.user.updated', { ...directoryUserData(u, 'inactive', at), previous_attributes: { state: 'active' } }, at),
  dsyncUserDeleted: (eid: string, u: DirUserShape, at: number) =>
    workosEvent(eid, 'dsync.user.deleted', directoryUserData(u, 'inactive', at), at),
  dsyncUserEmailChanged: (eid: string, u: DirUserShape, at: number, newEmail: string) =>
    workosEvent(
      eid,
      'dsync.user.updated',
      { ...directoryUserData(u, 'active', at, newEmail), previous_attributes: { email: u.email } },
      at,
    ),
  dsyncActivated: (eid: string, dirId: string, orgId: string, name: string, at: number) =>
    workosEvent(
      eid,
      'dsync.activated',
      {
        object: 'directory',
        id: dirId,
        organization_id: orgId,
        type: 'okta scim v2.0',
        state: 'linked',
        name,
        domains: [],
        external_key: `ext-${dirId.slice(-6)}`,
        created_at: iso(at),
        updated_at: iso(at),
      },
      at,
    ),
  dsyncDeleted: (eid: string, dirId: string, orgId: string, name: string, at: number) =>
    workosEvent(
      eid,
      'dsync.deleted',
      {
        object: 'directory',
        id: dirId,
        organization_id: orgId,
        type: 'okta scim v2.0',
        state: 'deleting',
        name,
        created_at: iso(at - 86_400_000),
        updated_at: iso(at),
      },
      at,
    ),
  userCreated: (eid: string, id: string, email: string, at: number) =>
    workosEvent(
      eid,
      'user.created',
      {
        object: 'user',
        id,
        email,
        email_verified: true,
        first_name: email.split('@')[0],
        last_name: 'X',
        created_at: iso(at),
        updated_at: iso(at),
      },
      at,
    ),
  userDeleted: (eid: string, id: string, email: string, at: number) =>
    workosEvent(
      eid,
      'user.deleted',
      {
        object: 'user',
        id,
        email,
        email_verified: true,
        first_name: email.split('@')[0],
        last_name: 'X',
        created_at: iso(at - 86_400_000),
        updated_at: iso(at),
      },
      at,
    ),
  membership: (
    eid: string,
    type: 'organization_membership.created' | 'organization_membership.deleted',
    id: string,
    userId: string,
    orgId: string,
    at: number,
  ) =>
    workosEvent(
      eid,
      type,
      {
        object: 'organization_membership',
        id,
        user_id: userId,
        organization_id: orgId,
        status: 'active',
        role: { slug: 'member' },
        created_at: iso(at),
        updated_at: iso(at),
      },
      at,
    ),
  sessionCreated: (eid: string, sessionId: string, userId: string, orgId: string, at: number) =>
    workosEvent(
      eid,
      'session.created',
      {
        object: 'session',
        id: sessionId,
        user_id: userId,
        organization_id: orgId,
        ip_address: '198.51.100.7',
        user_agent: 'Mozilla/5.0',
        auth_method: 'sso',
        status: 'active',
        created_at: iso(at),
        updated_at: iso(at),
      },
      at,
    ),
};

// ---- OpenAI ---------------------------------------------------------------------------------

export type OaiActor =
  { type: 'session'; userId: string; email: string } | { type: 'service_account'; keyId: string; serviceAccountId: string };

function oaiActor(a: OaiActor) {
  return a.type === 'session'
    ? { type: 'session', session: { user: { id: a.userId, email: a.email }, ip_address: '203.0.113.9' } }
    : { type: 'api_key', api_key: { id: a.keyId, type: 'service_account', service_account: { id: a.serviceAccountId } } };
}

export function openaiAuditEvent(
  id: string,
  type: string,
  at: number,
  actor: OaiActor | null,
  payload: Record<string, unknown>,
  project?: string,
): Record<string, unknown> {
  return {
    id,
    type,
    effective_at: secs(at),
    ...(project ? { project: { id: project, name: 'Main' } } : {}),
    actor: actor ? oaiActor(actor) : null,
    [type]: payload,
  };
}

export function openaiAuditPage(events: Record<string, unknown>[]): string {
  return JSON.stringify({
    object: 'list',
    data: events,
    first_id: events[0]?.id ?? null,
    last_id: events[events.length - 1]?.id ?? null,
    has_more: false,
  });
}

export const OPENAI_AUDIT_CONTENT_TYPE = AUDIT_CONTENT_TYPE;

export interface OaiUserItem {
  id: string;
  email: string;
  name: string;
  addedAt: number;
}
export interface OaiKeyItem {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  owner: { type: 'user'; id: string; email: string } | { type: 'service_account'; id: string };
}
export interface OaiServiceAccountItem {
  id: string;
  name: string;
  createdAt: number;
}

export const openaiInventory = {
  usersPage: (users: OaiUserItem[]) =>
    JSON.stringify({
      object: 'list',
      data: users.map((u) => ({
        object: 'organization.user',
        id: u.id,
        name: u.name,
        email: u.email,
        role: 'reader',
        added_at: secs(u.addedAt),
      })),
      first_id: users[0]?.id ?? null,
      last_id: users[users.length - 1]?.id ?? null,
      has_more: false,
    }),
  keysPage: (keys: OaiKeyItem[]) =>
    JSON.stringify({
      object: 'list',
      data: keys.map((k) => ({
        object: 'organization.project.api_key',
        id: k.id,
        name: k.name,
        created_at: secs(k.createdAt),
        last_used_at: k.lastUsedAt === null ? null : secs(k.lastUsedAt),
        owner_project_access: 'active',
        owner:
          k.owner.type === 'user'
            ? { type: 'user', user: { id: k.owner.id, email: k.owner.email, name: k.owner.email.split('@')[0], role: 'member' } }
            : { type: 'service_account', service_account: { id: k.owner.id, name: 'bot', role: 'member' } },
      })),
      first_id: keys[0]?.id ?? null,
      last_id: keys[keys.length - 1]?.id ?? null,
      has_more: false,
    }),
  serviceAccountsPage: (sas: OaiServiceAccountItem[]) =>
    JSON.stringify({
      object: 'list',
      data: sas.map((s) => ({
        object: 'organization.project.service_account',
        id: s.id,
        name: s.name,
        role: 'member',
        created_at: secs(s.createdAt),
      })),
      first_id: sas[0]?.id ?? null,
      last_id: sas[sas.length - 1]?.id ?? null,
      has_more: false,
    }),
  contentType: inventoryContentType,
};

export function inventoryRemovedEnvelope(
  connection: string,
  o: InventoryObject,
  previous: { snapshotId: string; completedAt: number },
  current: { snapshotId: string; startedAt: number },
): RawEnvelope {
  const body = JSON.stringify(removedBody(connection, o, previous, current));
  return envelope('openai', connection, 'inventory', INVENTORY_REMOVED_CONTENT_TYPE, body, current.startedAt);
}
