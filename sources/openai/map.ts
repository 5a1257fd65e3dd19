// Pure mapping: OpenAI audit-log events and inventory objects → MappedEvent.
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/openai.md.
import type { z } from 'zod';
import {
  ACTIONS,
  emptyActor,
  normalizeEmail,
  type Action,
  type Actor,
  type Category,
  type Credential,
  type MappedEvent,
} from '../../core/events/identity-event.ts';
import { attrs, nonEmpty, type MapResult, type SubjectDraft, type SubjectKind } from '../../source-kit/map-helpers.ts';
import type { InventoryObject } from '../../source-kit/poller.ts';
import {
  inventoryEvent,
  type InventoryEventDraft,
  type InventoryMapContext as SharedInventoryMapContext,
  type InventoryMapResult,
} from '../../source-kit/inventory-map.ts';
import {
  AdminApiKeySchema,
  ApiKeyCreatedPayload,
  ApiKeyUpdatedPayload,
  ConfigListPayload,
  formatIssues,
  GroupPayload,
  IdPayload,
  InviteSentPayload,
  LoginFailedPayload,
  NamedPayload,
  OrgUserSchema,
  ProjectApiKeySchema,
  ProjectPayload,
  ProjectSchema,
  ProjectUserSchema,
  RoleAssignmentPayload,
  RoleBindingPayload,
  RoleDefinitionPayload,
  RolePayload,
  ServiceAccountSchema,
  type AuditLogEvent,
} from './payloads.ts';

export type { MapResult };

const OCSF = {
  ACCOUNT_CHANGE: 3001,
  AUTHENTICATION: 3002,
  ENTITY_MANAGEMENT: 3004,
  USER_ACCESS: 3005,
  GROUP_MANAGEMENT: 3006,
  USER_INVENTORY: 5003,
} as const;

const secToMs = (s: number | null | undefined): number | null =>
  typeof s === 'number' && Number.isFinite(s) && s >= 0 ? Math.round(s * 1000) : null;
const isoOf = (s: number | null | undefined): string | null => {
  const ms = secToMs(s);
  return ms === null ? null : new Date(ms).toISOString();
};

/** The audit actor → IdentityEvent actor (null when the event has none). */
export function mapActor(actor: AuditLogEvent['actor']): { actor: Actor | null; via: string | null } {
  if (!actor) return { actor: null, via: null };
  if (actor.type === 'session' && 'session' in actor) {
    const s = actor.session;
    return {
      actor: {
        ...emptyActor('human'),
        id: nonEmpty(s?.user?.id),
        email: normalizeEmail(s?.user?.email),
        ip: nonEmpty(s?.ip_address),
        user_agent: nonEmpty(s?.user_agent),
      },
      via: 'session',
    };
  }
  if (actor.type === 'api_key' && 'api_key' in actor) {
    const k = actor.api_key;
    const saId = nonEmpty(k?.service_account?.id);
    const userId = nonEmpty(k?.user?.id);
    if (k?.type === 'service_account' || (saId && !userId)) {
      return { actor: { ...emptyActor('service_account'), id: saId, credential_id: nonEmpty(k?.id) }, via: 'api_key' };
    }
    if (k?.type === 'user' || userId) {
      return {
        actor: { ...emptyActor('human'), id: userId, email: normalizeEmail(k?.user?.email), credential_id: nonEmpty(k?.id) },
        via: 'api_key',
      };
    }
    return { actor: { ...emptyActor('api_key'), id: nonEmpty(k?.id), credential_id: nonEmpty(k?.id) }, via: 'api_key' };
  }
  return { actor: emptyActor(actor.type), via: actor.type };
}

interface Draft {
  category: Category;
  action: Action;
  outcome?: 'success' | 'failure' | null;
  subject: SubjectDraft;
  credential?: Credential | null;
  ocsf: readonly [number | null, number | null];
  attributes?: Record<string, string>;
  /** Overrides the event's tenant (project) when the payload names a more precise one. */
  tenant?: string | null;
}

function parsePayload<S extends z.ZodType>(schema: S, ev: AuditLogEvent): { ok: true; value: z.infer<S> } | { ok: false; reason: string } {
  const raw = ev[ev.type];
  const r = schema.safeParse(raw ?? {});
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: `${ev.type}: ${formatIssues(r.error, ev.type)}` };
}

function lastWordAction(type: string): Action {
  const word = type.split('.').pop() ?? '';
  const aliases: Record<string, Action> = {
    added: 'added',
    removed: 'removed',
    archived: 'deactivated',
    sent: 'invited',
    accepted: 'activated',
    upserted: 'updated',
    revoked: 'revoked',
    enabled: 'activated',
    disabled: 'deactivated',
    activated: 'activated',
    deactivated: 'deactivated',
    registered: 'created',
  };
  if (aliases[word]) return aliases[word]!;
  return (ACTIONS as readonly string[]).includes(word) ? (word as Action) : 'other';
}

function credential(id: string, kind: string, scopes: readonly string[] = [], extra: Partial<Credential> = {}): Credential {
  return { id, kind, owner_id: null, owner_kind: null, scopes: [...scopes], created_at: null, last_used_at: null, ...extra };
}

/** Maps one audit event's type + payload to drafts (pure). */
function draftsFor(ev: AuditLogEvent, actor: Actor | null): { ok: true; drafts: Draft[] } | { ok: false; reason: string } {
  const t = ev.type;
  const one = (d: Draft) => ({ ok: true as const, drafts: [d] });
  const idOr = (id: string | null | undefined) => nonEmpty(id) ?? ev.id;
  const crud3 = (a: Action) =>
    a === 'created' ? 1 : a === 'deleted' || a === 'revoked' ? 4 : a === 'activated' ? 10 : a === 'deactivated' ? 11 : 3;

  switch (t) {
    case 'api_key.created': {
      const p = parsePayload(ApiKeyCreatedPayload, ev);
      if (!p.ok) return p;
      const id = idOr(p.value.id);
      return one({
        category: 'credential',
        action: 'created',
        subject: { kind: 'api_key', id },
        credential: credential(id, 'api_key', p.value.data?.scopes ?? []),
        ocsf: [OCSF.ENTITY_MANAGEMENT, 1],
      });
    }
    case 'api_key.updated': {
      const p = parsePayload(ApiKeyUpdatedPayload, ev);
      if (!p.ok) return p;
      const id = idOr(p.value.id);
      return one({
        category: 'credential',
        action: 'updated',
        subject: { kind: 'api_key', id },
        credential: credential(id, 'api_key', p.value.changes_requested?.scopes ?? []),
        ocsf: [OCSF.ENTITY_MANAGEMENT, 3],
      });
    }
    case 'api_key.deleted': {
      const p = parsePayload(IdPayload, ev);
      if (!p.ok) return p;
      const id = idOr(p.value.id);
      return one({
        category: 'credential',
        action: 'revoked',
        subject: { kind: 'api_key', id },
        credential: credential(id, 'api_key'),
        ocsf: [OCSF.ENTITY_MANAGEMENT, 4],
      });
    }
    case 'user.added':
    case 'user.updated':
    case 'user.deleted':
    case 'service_account.created':
    case 'service_account.updated':
    case 'service_account.deleted': {
      const p = parsePayload(RolePayload, ev);
      if (!p.ok) return p;
      const kind: SubjectKind = t.startsWith('user.') ? 'human' : 'service_account';
      const verb = t.split('.')[1]!;
      const role = nonEmpty(p.value.data?.role) ?? nonEmpty(p.value.changes_requested?.role);
      const subject = { kind, id: idOr(p.value.id), email: normalizeEmail(p.value.data?.email) };
      if (verb === 'updated')
        return one({ category: 'role', action: 'updated', subject, ocsf: [OCSF.USER_ACCESS, 1], attributes: attrs({ role }) });
      const action: Action = verb === 'deleted' ? 'deleted' : 'created';
      return one({
        category: 'account',
        action,
        subject,
        ocsf: [OCSF.ACCOUNT_CHANGE, action === 'created' ? 1 : 6],
        attributes: attrs({ role }),
      });
    }
    case 'invite.sent': {
      const p = parsePayload(InviteSentPayload, ev);
      if (!p.ok) return p;
      return one({
        category: 'account',
        action: 'invited',
        subject: { kind: 'invite', id: idOr(p.value.id), email: normalizeEmail(p.value.data?.email) },
        ocsf: [null, null],
        attributes: attrs({ role: p.value.data?.role }),
      });
    }
    case 'invite.accepted':
    case 'invite.deleted': {
      const p = parsePayload(IdPayload, ev);
      if (!p.ok) return p;
      return one({
        category: 'account',
        action: t === 'invite.accepted' ? 'activated' : 'revoked',
        subject: { kind: 'invite', id: idOr(p.value.id) },
        ocsf: [null, null],
      });
    }
    case 'login.succeeded':
    case 'login.failed':
    case 'logout.succeeded':
    case 'logout.failed': {
      const failed = t.endsWith('.failed');
      const p = failed ? parsePayload(LoginFailedPayload, ev) : { ok: true as const, value: { error_code: null, error_message: null } };
      if (!p.ok) return p;
      const login = t.startsWith('login.');
      const subjectId = actor?.id ?? actor?.email ?? ev.id;
      return one({
        category: login ? 'authentication' : 'session',
        action: login ? (failed ? 'failed' : 'succeeded') : failed ? 'failed' : 'ended',
        outcome: failed ? 'failure' : 'success',
        subject: { kind: actor?.id || actor?.email ? 'human' : 'other', id: subjectId, email: actor?.email ?? null },
        ocsf: [OCSF.AUTHENTICATION, login ? 1 : 2],
        attributes: attrs({ error_code: p.value.error_code, error_message: p.value.error_message }),
      });
    }
    case 'project.created':
    case 'project.updated':
    case 'project.archived':
    case 'project.deleted': {
      const p = parsePayload(ProjectPayload, ev);
      if (!p.ok) return p;
      const action = lastWordAction(t);
      const id = idOr(p.value.id);
      const name = nonEmpty(p.value.data?.title) ?? nonEmpty(p.value.data?.name) ?? nonEmpty(p.value.changes_requested?.title);
      return one({
        category: 'other',
        action,
        subject: { kind: 'project', id, name },
        tenant: id,
        ocsf: [OCSF.ENTITY_MANAGEMENT, crud3(action)],
      });
    }
    case 'role.created':
    case 'role.updated':
    case 'role.deleted': {
      const p = parsePayload(RoleDefinitionPayload, ev);
      if (!p.ok) return p;
      const action = lastWordAction(t);
      const ch = p.value.changes_requested;
      return one({
        category: 'role',
        action,
        subject: { kind: 'role', id: idOr(p.value.id), name: nonEmpty(p.value.role_name) ?? nonEmpty(ch?.role_name) },
        ocsf: [OCSF.ENTITY_MANAGEMENT, crud3(action)],
        attributes: attrs({
          permissions: p.value.permissions?.join(','),
          permissions_added: ch?.permissions_added?.join(','),
          permissions_removed: ch?.permissions_removed?.join(','),
          resource_id: p.value.resource_id ?? ch?.resource_id,
          resource_type: p.value.resource_type ?? ch?.resource_type,
        }),
      });
    }
    case 'role.assignment.created':
    case 'role.assignment.deleted': {
      const p = parsePayload(RoleAssignmentPayload, ev);
      if (!p.ok) return p;
      const added = t.endsWith('created');
      const principalType = nonEmpty(p.value.principal_type);
      const kind: SubjectKind = principalType === 'group' ? 'group' : principalType === 'service_account' ? 'service_account' : 'human';
      const resourceIsProject = nonEmpty(p.value.resource_type)?.includes('project') ?? false;
      return one({
        category: 'membership',
        action: added ? 'added' : 'removed',
        subject: { kind, id: idOr(p.value.principal_id) },
        tenant: resourceIsProject ? nonEmpty(p.value.resource_id) : undefined,
        ocsf: [OCSF.USER_ACCESS, added ? 1 : 2],
        // A role assignment grants the principal's account a scope (a project, the organisation):
        // it is never an account of its own (docs/IDENTITY-MODEL.md).
        attributes: attrs({
          access: 'scope',
          role_id: p.value.id,
          principal_type: principalType,
          resource_id: p.value.resource_id,
          resource_type: p.value.resource_type,
        }),
      });
    }
    case 'role.bound_to_resource':
    case 'role.unbound_from_resource': {
      const p = parsePayload(RoleBindingPayload, ev);
      if (!p.ok) return p;
      const added = t === 'role.bound_to_resource';
      return one({
        category: 'role',
        action: added ? 'added' : 'removed',
        subject: { kind: 'role', id: idOr(p.value.role_id ?? p.value.id) },
        ocsf: [OCSF.USER_ACCESS, added ? 1 : 2],
        attributes: attrs({ resource_id: p.value.resource_id, resource_type: p.value.resource_type, workspace_id: p.value.workspace_id }),
      });
    }
    case 'group.created':
    case 'group.updated':
    case 'group.deleted': {
      const p = parsePayload(GroupPayload, ev);
      if (!p.ok) return p;
      const action = lastWordAction(t);
      return one({
        category: 'other',
        action,
        subject: {
          kind: 'group',
          id: idOr(p.value.id),
          name: nonEmpty(p.value.data?.group_name) ?? nonEmpty(p.value.changes_requested?.group_name),
        },
        ocsf: [OCSF.GROUP_MANAGEMENT, action === 'created' ? 6 : action === 'deleted' ? 5 : 99],
      });
    }
    case 'scim.enabled':
    case 'scim.disabled': {
      const p = parsePayload(IdPayload, ev);
      if (!p.ok) return p;
      const on = t === 'scim.enabled';
      return one({
        category: 'connection',
        action: on ? 'activated' : 'deactivated',
        subject: { kind: 'connection', id: idOr(p.value.id), name: 'scim' },
        ocsf: [OCSF.ENTITY_MANAGEMENT, on ? 10 : 11],
      });
    }
    case 'certificate.created':
    case 'certificate.updated':
    case 'certificate.deleted': {
      const p = parsePayload(NamedPayload, ev);
      if (!p.ok) return p;
      const action: Action = t === 'certificate.deleted' ? 'revoked' : lastWordAction(t);
      const id = idOr(p.value.id);
      return one({
        category: 'credential',
        action,
        subject: { kind: 'other', id, name: nonEmpty(p.value.name) },
        credential: credential(id, 'certificate'),
        ocsf: [OCSF.ENTITY_MANAGEMENT, crud3(action)],
      });
    }
    case 'certificates.activated':
    case 'certificates.deactivated':
    case 'ip_allowlist.config.activated':
    case 'ip_allowlist.config.deactivated': {
      const p = parsePayload(ConfigListPayload, ev);
      if (!p.ok) return p;
      const action = lastWordAction(t);
      const isCert = t.startsWith('certificates.');
      const list = (isCert ? p.value.certificates : p.value.configs) ?? [];
      const drafts: Draft[] = list.map((c) => {
        const id = nonEmpty(c.id) ?? ev.id;
        return isCert
          ? {
              category: 'credential',
              action,
              subject: { kind: 'other', id, name: nonEmpty(c.name) },
              credential: credential(id, 'certificate'),
              ocsf: [OCSF.ENTITY_MANAGEMENT, crud3(action)],
            }
          : {
              category: 'other',
              action,
              subject: { kind: 'other', id, name: nonEmpty(c.name) },
              ocsf: [OCSF.ENTITY_MANAGEMENT, crud3(action)],
            };
      });
      if (drafts.length === 0)
        drafts.push({
          category: isCert ? 'credential' : 'other',
          action,
          subject: { kind: 'other', id: ev.id },
          ocsf: [OCSF.ENTITY_MANAGEMENT, crud3(action)],
        });
      return { ok: true, drafts };
    }
    case 'ip_allowlist.created':
    case 'ip_allowlist.updated':
    case 'ip_allowlist.deleted': {
      const p = parsePayload(NamedPayload, ev);
      if (!p.ok) return p;
      const action = lastWordAction(t);
      return one({
        category: 'other',
        action,
        subject: { kind: 'other', id: idOr(p.value.id), name: nonEmpty(p.value.name) },
        ocsf: [OCSF.ENTITY_MANAGEMENT, crud3(action)],
      });
    }
    default: {
      // tenant.* (no payload schema), config types and unknown future types: kept with their type string.
      let subjectId = ev.id;
      if (!t.startsWith('tenant.')) {
        const p = IdPayload.safeParse(ev[t] ?? {});
        if (p.success && nonEmpty(p.data.id)) subjectId = p.data.id!;
      }
      return one({ category: 'other', action: lastWordAction(t), subject: { kind: 'other', id: subjectId }, ocsf: [null, null] });
    }
  }
}

export function mapAuditEvent(ev: AuditLogEvent): MapResult {
  const { actor, via } = mapActor(ev.actor);
  const r = draftsFor(ev, actor);
  if (!r.ok) return r;
  const occurredAt = ev.effective_at * 1000;
  const project = nonEmpty(ev.project?.id);
  return {
    ok: true,
    events: r.drafts.map((d, i) => ({
      event_id: i === 0 ? ev.id : `${ev.id}#${i + 1}`,
      tenant_id: d.tenant === undefined ? project : (d.tenant ?? project),
      category: d.category,
      action: d.action,
      outcome: d.outcome ?? null,
      subject: { kind: d.subject.kind, id: d.subject.id, email: d.subject.email ?? null, name: d.subject.name ?? null },
      actor,
      credential: d.credential ?? null,
      occurred_at: occurredAt,
      vendor_type: ev.type,
      ocsf_class_uid: d.ocsf[0],
      ocsf_activity_id: d.ocsf[1],
      attributes: { ...attrs({ actor_via: via, project_name: ev.project?.name }), ...(d.attributes ?? {}) },
    })),
  };
}

// ---- inventory --------------------------------------------------------------------------------

/** The listings of an inventory snapshot; each page's content type names its listing and scope. */
export const LISTINGS = ['users', 'admin_api_keys', 'projects', 'project_users', 'project_service_accounts', 'project_api_keys'] as const;
export type Listing = (typeof LISTINGS)[number];

/** The InventoryObject kind of each listing's items. */
/** Inventory kinds that are grants of an org user (attributes.access = 'scope'), never accounts of their own. */
export const GRANT_KINDS: ReadonlySet<string> = new Set(['project_user']);

export const KIND_OF: Record<Listing, string> = {
  users: 'user',
  admin_api_keys: 'admin_api_key',
  projects: 'project',
  project_users: 'project_user',
  project_service_accounts: 'service_account',
  project_api_keys: 'project_api_key',
};

/** The item's context; `scope` is the project id for project-scoped listings. */
export type InventoryMapContext = SharedInventoryMapContext<Listing>;
export type { InventoryMapResult };

/** Event ids of observations: `oai_inv_` + a hash of the page and the object (source-kit/inventory-map.ts). */
const EVENT_ID_PREFIX = 'oai_inv_';

function ownerOf(owner: z.infer<typeof ProjectApiKeySchema>['owner']): {
  id: string | null;
  kind: string | null;
  email: string | null;
  role: string | null;
} {
  if (!owner) return { id: null, kind: null, email: null, role: null };
  const type = nonEmpty(owner.type);
  if (type === 'service_account' || owner.service_account) {
    return {
      id: nonEmpty(owner.service_account?.id) ?? nonEmpty(owner.id),
      kind: 'service_account',
      email: null,
      role: nonEmpty(owner.service_account?.role) ?? nonEmpty(owner.role),
    };
  }
  return {
    id: nonEmpty(owner.user?.id) ?? nonEmpty(owner.id),
    kind: type === 'user' || owner.user ? 'human' : type,
    email: normalizeEmail(owner.user?.email),
    role: nonEmpty(owner.user?.role) ?? nonEmpty(owner.role),
  };
}

/** One inventory item → an `inventory/observed` event and its diff identity. */
export function mapInventoryItem(item: unknown, ctx: InventoryMapContext): InventoryMapResult {
  const kind = KIND_OF[ctx.listing];
  const observed = (id: string, d: Omit<InventoryEventDraft, 'tenant'> & { tenant?: string | null }): MappedEvent =>
    inventoryEvent(EVENT_ID_PREFIX, ctx, kind, id, { ...d, tenant: d.tenant === undefined ? ctx.scope : d.tenant });
  const found = (event: MappedEvent, object: InventoryObject): InventoryMapResult => ({ ok: true, value: { event, object } });
  const fail = (error: z.ZodError): InventoryMapResult => ({ ok: false, reason: `${ctx.listing} item: ${formatIssues(error)}` });

  switch (ctx.listing) {
    case 'users': {
      const r = OrgUserSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const u = r.data;
      const email = normalizeEmail(u.email);
      const subjectKind = u.is_service_account ? 'service_account' : 'human';
      return found(
        observed(u.id, {
          subject: { kind: subjectKind, id: u.id, email, name: nonEmpty(u.name) },
          ocsf: OCSF.USER_INVENTORY,
          attributes: {
            role: u.role,
            added_at: isoOf(u.added_at),
            is_scim_managed: u.is_scim_managed ?? undefined,
            is_service_account: u.is_service_account ?? undefined,
            api_key_last_used_at: isoOf(u.api_key_last_used_at),
            enabled: u.user?.enabled ?? undefined,
            banned: u.user?.banned ?? undefined,
            banned_at: isoOf(u.user?.banned_at),
          },
        }),
        { kind, scope: null, id: u.id, subject_kind: subjectKind, email, name: nonEmpty(u.name) },
      );
    }
    case 'project_users': {
      const r = ProjectUserSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const u = r.data;
      const email = normalizeEmail(u.email);
      return found(
        // A project user is the org user's grant to the project, not a second account.
        observed(u.id, {
          subject: { kind: 'human', id: u.id, email, name: nonEmpty(u.name) },
          ocsf: OCSF.USER_INVENTORY,
          attributes: { access: 'scope', role: u.role, added_at: isoOf(u.added_at) },
        }),
        { kind, scope: ctx.scope, id: u.id, subject_kind: 'human', email, name: nonEmpty(u.name), access: 'scope' },
      );
    }
    case 'project_service_accounts': {
      const r = ServiceAccountSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const sa = r.data;
      return found(
        observed(sa.id, {
          subject: { kind: 'service_account', id: sa.id, name: nonEmpty(sa.name) },
          ocsf: OCSF.USER_INVENTORY,
          attributes: { role: sa.role, created_at: isoOf(sa.created_at) },
        }),
        { kind, scope: ctx.scope, id: sa.id, subject_kind: 'service_account', name: nonEmpty(sa.name) },
      );
    }
    case 'projects': {
      const r = ProjectSchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const p = r.data;
      return found(
        observed(p.id, {
          tenant: p.id,
          subject: { kind: 'project', id: p.id, name: nonEmpty(p.name) },
          ocsf: null,
          attributes: { status: p.status, created_at: isoOf(p.created_at), archived_at: isoOf(p.archived_at) },
        }),
        { kind, scope: null, id: p.id, subject_kind: 'project', name: nonEmpty(p.name) },
      );
    }
    case 'project_api_keys':
    case 'admin_api_keys': {
      const admin = ctx.listing === 'admin_api_keys';
      const r = admin ? AdminApiKeySchema.safeParse(item) : ProjectApiKeySchema.safeParse(item);
      if (!r.success) return fail(r.error);
      const k = r.data as z.infer<typeof AdminApiKeySchema> & { owner_project_access?: string | null };
      const owner = ownerOf(k.owner);
      const credKind = admin ? 'admin_key' : owner.kind === 'service_account' ? 'service_account_key' : 'project_key';
      const subjectKind = admin ? 'admin_key' : 'api_key';
      return found(
        observed(k.id, {
          subject: { kind: subjectKind, id: k.id, name: nonEmpty(k.name) },
          credential: credential(k.id, credKind, [], {
            owner_id: owner.id,
            owner_kind: owner.kind,
            created_at: secToMs(k.created_at),
            last_used_at: secToMs(k.last_used_at),
          }),
          ocsf: null,
          attributes: {
            owner_project_access: k.owner_project_access,
            owner_email: owner.email,
            owner_role: owner.role,
            expires_at: isoOf(k.expires_at),
            key_hint: k.redacted_value,
          },
        }),
        { kind, scope: ctx.scope, id: k.id, subject_kind: subjectKind, name: nonEmpty(k.name), credential_kind: credKind },
      );
    }
  }
}
