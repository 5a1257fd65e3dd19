// Pure mapping: one WorkOS event (webhook body or Events API item) -> MappedEvent[].
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/workos.md.
import type { z } from 'zod';
import {
  emptyActor,
  normalizeEmail,
  type Action,
  type Actor,
  type Category,
  type Credential,
  type MappedEvent,
} from '../../core/events/identity-event.ts';
import { attrs, nonEmpty, parsedDateToMs, record, type AttrValue, type MapResult, type SubjectKind } from '../../source-kit/map-helpers.ts';
import {
  ApiKeySchema,
  AuthenticationEventSchema,
  ConnectionSchema,
  ContextActorSchema,
  DirectoryGroupMembershipSchema,
  DirectoryGroupSchema,
  DirectorySchema,
  DirectoryTokenSchema,
  DirectoryUserSchema,
  formatIssues,
  InvitationSchema,
  OrganizationMembershipSchema,
  RadarRiskEventSchema,
  SamlCertificateEventSchema,
  SessionSchema,
  UserSchema,
  type WorkosEnvelope,
} from './payloads.ts';

export type { MapResult };

export interface MapContext {
  /** Last-resort occurred_at when the event and its data carry no usable timestamp. */
  receivedAt?: number;
}

const OCSF = {
  ACCOUNT_CHANGE: 3001,
  AUTHENTICATION: 3002,
  ENTITY_MANAGEMENT: 3004,
  GROUP_MANAGEMENT: 3006,
} as const;
const OTHER_ACTIVITY = 99;

// ---------------------------------------------------------------------------------------------
// small helpers

/** ISO 8601 (or anything Date.parse reads) -> epoch ms, null when unusable. */
export const isoToMs = parsedDateToMs;

function joinName(first: unknown, last: unknown): string | null {
  const parts = [nonEmpty(first), nonEmpty(last)].filter((p): p is string => p !== null).map((p) => p.trim());
  const name = parts.filter((p) => p.length > 0).join(' ');
  return name.length > 0 ? name : null;
}

function roleSlugs(roles: ReadonlyArray<{ slug?: string | null }> | null | undefined): string | null {
  if (!roles) return null;
  const slugs = roles.map((r) => nonEmpty(r.slug)).filter((s): s is string => s !== null);
  return slugs.length > 0 ? slugs.join(',') : null;
}

/** Directory user email: the primary of `emails[]`, else its first usable entry. */
export function pickDirectoryUserEmail(emails: readonly unknown[] | null | undefined): string | null {
  if (!emails) return null;
  const usable = emails
    .map((e) => record(e))
    .filter((e): e is Record<string, unknown> => e !== null && normalizeEmail(nonEmpty(e.value)) !== null);
  const primary = usable.find((e) => e.primary === true) ?? usable[0];
  return primary ? normalizeEmail(nonEmpty(primary.value)) : null;
}

/** previous_attributes may sit in data (dsync) or in context (Events API context). */
function previousAttr(data: Record<string, unknown>, context: Record<string, unknown> | null | undefined, key: string): string | null {
  const fromData = record(data.previous_attributes);
  if (fromData && key in fromData) return nonEmpty(fromData[key]);
  const fromContext = record(context?.previous_attributes);
  if (fromContext && key in fromContext) return nonEmpty(fromContext[key]);
  return null;
}
function hasPreviousAttr(data: Record<string, unknown>, context: Record<string, unknown> | null | undefined, key: string): boolean {
  const fromData = record(data.previous_attributes);
  if (fromData && key in fromData) return true;
  const fromContext = record(context?.previous_attributes);
  return fromContext !== null && key in fromContext;
}

const isInactive = (s: string | null): boolean => s === 'inactive' || s === 'suspended';

/**
 * The lifecycle action of an update that carries a state/status field (see header comment).
 * Returns the action and how the state change was established.
 */
function stateChangeAction(
  state: string | null,
  prevKnown: boolean,
  prev: string | null,
): { action: Action; change: 'explicit' | 'inferred' | null } {
  if (isInactive(state)) {
    if (prevKnown && isInactive(prev)) return { action: 'updated', change: null };
    return { action: 'suspended', change: prevKnown ? 'explicit' : 'inferred' };
  }
  if (state === 'active' && prevKnown && isInactive(prev)) return { action: 'reactivated', change: 'explicit' };
  return { action: 'updated', change: null };
}

function contextActor(context: Record<string, unknown> | null | undefined): { actor: Actor | null; source: string | null } {
  const parsed = ContextActorSchema.safeParse(context?.actor);
  if (!parsed.success) return { actor: null, source: null };
  const actorId = nonEmpty(parsed.data.id);
  const source = nonEmpty(parsed.data.source);
  if (actorId === null && source === null) return { actor: null, source: null };
  const kind =
    source === 'api'
      ? 'api_key'
      : source === 'system'
        ? 'system'
        : source === 'dashboard' || source === 'admin_portal'
          ? 'human'
          : (source ?? 'unknown');
  return { actor: { ...emptyActor(kind), id: actorId }, source };
}

function parseData<S extends z.ZodType>(schema: S, data: unknown): { ok: true; value: z.infer<S> } | { ok: false; reason: string } {
  const r = schema.safeParse(data);
  return r.success ? { ok: true, value: r.data } : { ok: false, reason: formatIssues(r.error, 'data') };
}

// ---------------------------------------------------------------------------------------------
// draft -> MappedEvent

interface Draft {
  category: Category;
  action: Action;
  outcome?: 'success' | 'failure' | null;
  subject: { kind: SubjectKind; id: string; email?: string | null; name?: string | null };
  actor?: Actor | null;
  credential?: Credential | null;
  tenant: string | null;
  directoryId?: string | null;
  connectionRef?: string | null;
  ocsf: readonly [number | null, number | null];
  attributes: Record<string, AttrValue>;
}

function finish(env: WorkosEnvelope, drafts: Draft[], ctx: MapContext): MapResult {
  const data = env.data;
  let occurredAt = isoToMs(env.created_at) ?? isoToMs(data.updated_at) ?? isoToMs(data.created_at);
  let occurredFrom: string | null = null;
  if (occurredAt === null) {
    if (ctx.receivedAt !== undefined && Number.isSafeInteger(ctx.receivedAt) && ctx.receivedAt >= 0) {
      occurredAt = ctx.receivedAt;
      occurredFrom = 'received_at';
    } else {
      return { ok: false, reason: 'created_at: expected ISO 8601 timestamp (nor data.updated_at / data.created_at usable)' };
    }
  }
  const { actor: ctxActor, source: actorSource } = contextActor(env.context);
  const events = drafts.map((d, i): MappedEvent => {
    const tenant = nonEmpty(d.tenant);
    const directoryId = nonEmpty(d.directoryId);
    const connectionRef = nonEmpty(d.connectionRef);
    return {
      event_id: i === 0 ? env.id : `${env.id}#${i + 1}`,
      tenant_id: tenant,
      category: d.category,
      action: d.action,
      outcome: d.outcome ?? null,
      subject: {
        kind: d.subject.kind,
        id: d.subject.id,
        email: normalizeEmail(d.subject.email),
        name: nonEmpty(d.subject.name),
      },
      actor: d.actor !== undefined ? d.actor : ctxActor,
      credential: d.credential ?? null,
      occurred_at: occurredAt,
      vendor_type: env.event,
      ocsf_class_uid: d.ocsf[0],
      ocsf_activity_id: d.ocsf[1],
      attributes: attrs({
        organization_id: tenant,
        directory_id: directoryId,
        ...d.attributes,
        actor_source: actorSource,
        occurred_at_from: occurredFrom,
      }),
      plane_keys: { organization_id: tenant, directory_id: directoryId, connection_ref: connectionRef },
    };
  });
  return { ok: true, events };
}

type Mapper = (env: WorkosEnvelope) => Draft[] | string;

// ---------------------------------------------------------------------------------------------
// Directory Sync

function directoryUser(kind: 'created' | 'updated' | 'deleted'): Mapper {
  return (env) => {
    const p = parseData(DirectoryUserSchema, env.data);
    if (!p.ok) return p.reason;
    const u = p.value;
    const state = nonEmpty(u.state);
    const prevKnown = hasPreviousAttr(env.data, env.context, 'state');
    const prev = previousAttr(env.data, env.context, 'state');
    let action: Action = kind;
    let change: 'explicit' | 'inferred' | null = null;
    if (kind === 'updated') ({ action, change } = stateChangeAction(state, prevKnown, prev));
    const activity: Record<string, number> = { created: 1, reactivated: 2, suspended: 5, deleted: 6 };
    return [
      {
        category: 'account',
        action,
        subject: {
          kind: 'human',
          id: u.id,
          email: pickDirectoryUserEmail(u.emails) ?? normalizeEmail(u.email),
          name: joinName(u.first_name, u.last_name),
        },
        tenant: nonEmpty(u.organization_id),
        directoryId: u.directory_id,
        ocsf: [OCSF.ACCOUNT_CHANGE, activity[action] ?? OTHER_ACTIVITY],
        attributes: {
          state,
          previous_state: prevKnown ? prev : null,
          state_change: change,
          idp_id: nonEmpty(u.idp_id),
          username: nonEmpty(u.username),
          role: nonEmpty(u.role?.slug),
          roles: roleSlugs(u.roles),
        },
      },
    ];
  };
}

function directoryGroupMembership(action: 'added' | 'removed'): Mapper {
  return (env) => {
    const p = parseData(DirectoryGroupMembershipSchema, env.data);
    if (!p.ok) return p.reason;
    const { user, group, directory_id } = p.value;
    return [
      {
        category: 'membership',
        action,
        subject: {
          kind: 'human',
          id: user.id,
          email: pickDirectoryUserEmail(user.emails) ?? normalizeEmail(user.email),
          name: joinName(user.first_name, user.last_name),
        },
        tenant: nonEmpty(user.organization_id) ?? nonEmpty(group.organization_id) ?? nonEmpty(env.data.organization_id),
        directoryId: directory_id,
        ocsf: [OCSF.GROUP_MANAGEMENT, action === 'added' ? 3 : 4],
        attributes: {
          group_id: group.id,
          group_name: nonEmpty(group.name),
          group_idp_id: nonEmpty(group.idp_id),
          idp_id: nonEmpty(user.idp_id),
          state: nonEmpty(user.state),
        },
      },
    ];
  };
}

function directoryGroup(action: 'created' | 'updated' | 'deleted'): Mapper {
  return (env) => {
    const p = parseData(DirectoryGroupSchema, env.data);
    if (!p.ok) return p.reason;
    const g = p.value;
    return [
      {
        category: 'other',
        action,
        subject: { kind: 'group', id: g.id, name: nonEmpty(g.name) },
        tenant: nonEmpty(g.organization_id),
        directoryId: g.directory_id,
        ocsf: [OCSF.GROUP_MANAGEMENT, action === 'created' ? 6 : action === 'deleted' ? 5 : OTHER_ACTIVITY],
        attributes: { group_id: g.id, group_name: nonEmpty(g.name), idp_id: nonEmpty(g.idp_id) },
      },
    ];
  };
}

function directory(action: 'activated' | 'deleted'): Mapper {
  return (env) => {
    const p = parseData(DirectorySchema, env.data);
    if (!p.ok) return p.reason;
    const d = p.value;
    return [
      {
        category: 'connection',
        action,
        subject: { kind: 'directory', id: d.id, name: nonEmpty(d.name) },
        tenant: nonEmpty(d.organization_id),
        directoryId: d.id,
        ocsf: [OCSF.ENTITY_MANAGEMENT, action === 'activated' ? 10 : 4],
        attributes: { directory_type: nonEmpty(d.type), state: nonEmpty(d.state) },
      },
    ];
  };
}

function directoryToken(action: 'created' | 'revoked'): Mapper {
  return (env) => {
    const p = parseData(DirectoryTokenSchema, env.data);
    if (!p.ok) return p.reason;
    const t = p.value;
    return [
      {
        category: 'credential',
        action,
        subject: { kind: 'api_key', id: t.id },
        credential: {
          id: t.id,
          kind: 'scim_token',
          owner_id: t.directory_id,
          owner_kind: 'directory',
          scopes: [],
          created_at: isoToMs(t.created_at),
          last_used_at: null,
        },
        tenant: nonEmpty(t.organization_id),
        directoryId: t.directory_id,
        ocsf: [OCSF.ENTITY_MANAGEMENT, action === 'created' ? 1 : 4],
        attributes: { credential_kind: 'scim_token' },
      },
    ];
  };
}

// ---------------------------------------------------------------------------------------------
// SSO connections

function connection(action: 'activated' | 'deactivated' | 'deleted'): Mapper {
  return (env) => {
    const p = parseData(ConnectionSchema, env.data);
    if (!p.ok) return p.reason;
    const c = p.value;
    return [
      {
        category: 'connection',
        action,
        subject: { kind: 'connection', id: c.id, name: nonEmpty(c.name) },
        tenant: nonEmpty(c.organization_id),
        connectionRef: c.id,
        ocsf: [OCSF.ENTITY_MANAGEMENT, action === 'activated' ? 10 : action === 'deactivated' ? 11 : 4],
        attributes: { connection_type: nonEmpty(c.connection_type), state: nonEmpty(c.state), status: nonEmpty(c.status) },
      },
    ];
  };
}

const samlCertificate: Mapper = (env) => {
  const p = parseData(SamlCertificateEventSchema, env.data);
  if (!p.ok) return p.reason;
  const { connection: conn, certificate, days_until_expiry, renewed_at } = p.value;
  const certType = nonEmpty(certificate?.certificate_type);
  return [
    {
      category: 'credential',
      action: 'updated',
      subject: { kind: 'connection', id: conn.id },
      credential: {
        id: `${conn.id}:${certType ?? 'saml_certificate'}`,
        kind: 'saml_certificate',
        owner_id: conn.id,
        owner_kind: 'connection',
        scopes: [],
        created_at: null,
        last_used_at: null,
      },
      tenant: nonEmpty(conn.organization_id),
      connectionRef: conn.id,
      ocsf: [OCSF.ENTITY_MANAGEMENT, 3],
      attributes: {
        certificate_event: env.event.slice('connection.saml_certificate_'.length),
        certificate_type: certType,
        expiry_date: nonEmpty(certificate?.expiry_date),
        is_expired: certificate?.is_expired ?? null,
        days_until_expiry: days_until_expiry ?? null,
        renewed_at: nonEmpty(renewed_at),
      },
    },
  ];
};

// ---------------------------------------------------------------------------------------------
// AuthKit: authentication, sessions, users, memberships, invitations

/** The authenticating party as seen by WorkOS; undefined (-> context actor) when nothing is known. */
function userActor(id: string | null, email: string | null, ip: string | null, ua: string | null): Actor | undefined {
  if (id === null && email === null && ip === null && ua === null) return undefined;
  return { ...emptyActor('human'), id, email, ip, user_agent: ua };
}

function authSubject(userId: string | null, email: string | null, eventId: string): Draft['subject'] {
  if (userId !== null) return { kind: 'human', id: userId, email };
  if (email !== null) return { kind: 'human', id: email, email };
  return { kind: 'other', id: eventId };
}

function authentication(method: string, result: 'succeeded' | 'failed', failure: string | null): Mapper {
  return (env) => {
    const p = parseData(AuthenticationEventSchema, env.data);
    if (!p.ok) return p.reason;
    const a = p.value;
    const userId = nonEmpty(a.user_id);
    const email = normalizeEmail(a.email);
    return [
      {
        category: 'authentication',
        action: result,
        outcome: result === 'succeeded' ? 'success' : 'failure',
        subject: authSubject(userId, email, env.id),
        actor: userActor(userId, email, nonEmpty(a.ip_address), nonEmpty(a.user_agent)),
        tenant: nonEmpty(a.sso?.organization_id) ?? nonEmpty(a.organization_id),
        connectionRef: nonEmpty(a.sso?.connection_id),
        ocsf: [OCSF.AUTHENTICATION, 1],
        attributes: {
          auth_method: method,
          mfa: method === 'mfa' ? 'true' : null,
          status: nonEmpty(a.status),
          failure_reason: failure,
          error_code: nonEmpty(a.error?.code),
          error_message: nonEmpty(a.error?.message),
          sso_connection_id: nonEmpty(a.sso?.connection_id),
          sso_session_id: nonEmpty(a.sso?.session_id),
          subject_from: userId === null && email !== null ? 'email' : null,
        },
      },
    ];
  };
}

const radarRisk: Mapper = (env) => {
  const p = parseData(RadarRiskEventSchema, env.data);
  if (!p.ok) return p.reason;
  const r = p.value;
  const userId = nonEmpty(r.user_id);
  const email = normalizeEmail(r.email);
  const method = nonEmpty(r.auth_method)?.toLowerCase() ?? null;
  return [
    {
      category: 'authentication',
      action: 'failed',
      outcome: 'failure',
      subject: authSubject(userId, email, env.id),
      actor: userActor(userId, email, nonEmpty(r.ip_address), nonEmpty(r.user_agent)),
      tenant: nonEmpty(r.organization_id),
      ocsf: [OCSF.AUTHENTICATION, 1],
      attributes: {
        auth_method: method,
        mfa: method === 'mfa' ? 'true' : null,
        failure_reason: 'radar_risk_detected',
        radar_action: nonEmpty(r.action),
        radar_control: nonEmpty(r.control),
        blocklist_type: nonEmpty(r.blocklist_type),
        subject_from: userId === null && email !== null ? 'email' : null,
      },
    },
  ];
};

function session(kind: 'created' | 'revoked'): Mapper {
  return (env) => {
    const p = parseData(SessionSchema, env.data);
    if (!p.ok) return p.reason;
    const s = p.value;
    const impersonator = normalizeEmail(s.impersonator?.email);
    const ip = nonEmpty(s.ip_address);
    const ua = nonEmpty(s.user_agent);
    const actor: Actor = s.impersonator
      ? { ...emptyActor('human'), email: impersonator, ip, user_agent: ua }
      : { ...emptyActor('human'), id: s.user_id, ip, user_agent: ua };
    return [
      {
        category: 'session',
        action: kind === 'created' ? 'succeeded' : 'ended',
        outcome: kind === 'created' ? 'success' : null,
        subject: { kind: 'human', id: s.user_id },
        actor,
        tenant: nonEmpty(s.organization_id),
        ocsf: [OCSF.AUTHENTICATION, kind === 'created' ? 1 : 2],
        attributes: {
          session_id: s.id,
          auth_method: nonEmpty(s.auth_method),
          status: nonEmpty(s.status),
          impersonated: s.impersonator ? 'true' : null,
          impersonator_email: impersonator,
          expires_at: nonEmpty(s.expires_at),
          ended_at: nonEmpty(s.ended_at),
        },
      },
    ];
  };
}

function user(action: 'created' | 'updated' | 'deleted'): Mapper {
  return (env) => {
    const p = parseData(UserSchema, env.data);
    if (!p.ok) return p.reason;
    const u = p.value;
    return [
      {
        category: 'account',
        action,
        subject: { kind: 'human', id: u.id, email: u.email, name: joinName(u.first_name, u.last_name) },
        tenant: null,
        ocsf: [OCSF.ACCOUNT_CHANGE, action === 'created' ? 1 : action === 'deleted' ? 6 : OTHER_ACTIVITY],
        attributes: {
          // An AuthKit user signs in but reaches no customer tenant by itself: its organization
          // memberships are the units of access (docs/IDENTITY-MODEL.md).
          access: 'login',
          email_verified: u.email_verified ?? null,
          external_id: nonEmpty(u.external_id),
          last_sign_in_at: nonEmpty(u.last_sign_in_at),
        },
      },
    ];
  };
}

function organizationMembership(kind: 'created' | 'updated' | 'deleted'): Mapper {
  return (env) => {
    const p = parseData(OrganizationMembershipSchema, env.data);
    if (!p.ok) return p.reason;
    const m = p.value;
    const status = nonEmpty(m.status);
    const prevKnown = hasPreviousAttr(env.data, env.context, 'status');
    const prev = previousAttr(env.data, env.context, 'status');
    let action: Action = kind === 'created' ? 'added' : kind === 'deleted' ? 'removed' : 'updated';
    let change: 'explicit' | 'inferred' | null = null;
    if (kind === 'updated') ({ action, change } = stateChangeAction(status, prevKnown, prev));
    const prevRole = record(record(env.data.previous_attributes)?.role);
    return [
      {
        category: 'membership',
        action,
        subject: { kind: 'human', id: m.user_id },
        tenant: m.organization_id,
        ocsf: [OCSF.GROUP_MANAGEMENT, action === 'added' ? 3 : action === 'removed' ? 4 : OTHER_ACTIVITY],
        attributes: {
          membership_id: m.id,
          status,
          previous_status: prevKnown ? prev : null,
          state_change: change,
          role: nonEmpty(m.role?.slug),
          roles: roleSlugs(m.roles),
          previous_role: nonEmpty(prevRole?.slug),
          directory_managed: m.directory_managed ?? null,
        },
      },
    ];
  };
}

function invitation(action: Action): Mapper {
  return (env) => {
    const p = parseData(InvitationSchema, env.data);
    if (!p.ok) return p.reason;
    const inv = p.value;
    const inviter = nonEmpty(inv.inviter_user_id);
    const draft: Draft = {
      category: 'account',
      action,
      subject: { kind: 'invite', id: inv.id, email: inv.email },
      tenant: nonEmpty(inv.organization_id),
      ocsf: [null, null],
      attributes: {
        state: nonEmpty(inv.state),
        inviter_user_id: inviter,
        accepted_user_id: nonEmpty(inv.accepted_user_id),
        expires_at: nonEmpty(inv.expires_at),
      },
    };
    // Without a context actor, the inviter is who invited (for created / resent).
    if (inviter !== null && action === 'invited' && !contextActor(env.context).actor) {
      draft.actor = { ...emptyActor('human'), id: inviter };
    }
    return [draft];
  };
}

// ---------------------------------------------------------------------------------------------
// API keys our customers issue for our app

function apiKey(action: Action): Mapper {
  return (env) => {
    const p = parseData(ApiKeySchema, env.data);
    if (!p.ok) return p.reason;
    const k = p.value;
    const ownerType = nonEmpty(k.owner?.type);
    const ownerId = nonEmpty(k.owner?.id);
    const tenant = ownerType === 'organization' ? ownerId : (nonEmpty(k.owner?.organization_id) ?? nonEmpty(k.organization_id));
    return [
      {
        category: 'credential',
        action,
        subject: { kind: 'api_key', id: k.id, name: nonEmpty(k.name) },
        credential: {
          id: k.id,
          kind: 'app_api_key',
          owner_id: ownerId,
          owner_kind: ownerType,
          scopes: k.permissions ?? [],
          created_at: isoToMs(k.created_at),
          last_used_at: isoToMs(k.last_used_at),
        },
        tenant: tenant ?? nonEmpty(k.organization_id),
        ocsf: [OCSF.ENTITY_MANAGEMENT, action === 'created' ? 1 : action === 'updated' ? 3 : action === 'revoked' ? 4 : OTHER_ACTIVITY],
        attributes: {
          credential_kind: 'app_api_key',
          owner_type: ownerType,
          owner_id: ownerId,
          expires_at: nonEmpty(k.expires_at),
          previous_expires_at: previousAttr(env.data, env.context, 'expires_at'),
        },
      },
    ];
  };
}

// ---------------------------------------------------------------------------------------------
// dispatch

const MAPPERS: Readonly<Record<string, Mapper>> = {
  'dsync.activated': directory('activated'),
  'dsync.deleted': directory('deleted'),
  'dsync.user.created': directoryUser('created'),
  'dsync.user.updated': directoryUser('updated'),
  'dsync.user.deleted': directoryUser('deleted'),
  'dsync.group.user_added': directoryGroupMembership('added'),
  'dsync.group.user_removed': directoryGroupMembership('removed'),
  'dsync.group.created': directoryGroup('created'),
  'dsync.group.updated': directoryGroup('updated'),
  'dsync.group.deleted': directoryGroup('deleted'),
  'dsync.token.created': directoryToken('created'),
  'dsync.token.revoked': directoryToken('revoked'),
  'connection.activated': connection('activated'),
  'connection.deactivated': connection('deactivated'),
  'connection.deleted': connection('deleted'),
  'connection.saml_certificate_renewal_required': samlCertificate,
  'connection.saml_certificate_renewed': samlCertificate,
  'authentication.sso_timed_out': authentication('sso', 'failed', 'timed_out'),
  'authentication.radar_risk_detected': radarRisk,
  'session.created': session('created'),
  'session.revoked': session('revoked'),
  'user.created': user('created'),
  'user.updated': user('updated'),
  'user.deleted': user('deleted'),
  'organization_membership.created': organizationMembership('created'),
  'organization_membership.updated': organizationMembership('updated'),
  'organization_membership.deleted': organizationMembership('deleted'),
  'invitation.created': invitation('invited'),
  'invitation.resent': invitation('invited'),
  'invitation.accepted': invitation('activated'),
  'invitation.revoked': invitation('revoked'),
  'api_key.created': apiKey('created'),
  'api_key.updated': apiKey('updated'),
  'api_key.revoked': apiKey('revoked'),
};

const AUTH_RESULT = /^authentication\.([a-z0-9_]+)_(succeeded|failed)$/;

function mapperFor(type: string): Mapper | null {
  if (Object.hasOwn(MAPPERS, type)) return MAPPERS[type] ?? null;
  const auth = AUTH_RESULT.exec(type);
  if (auth) return authentication(auth[1] ?? 'unknown', auth[2] === 'succeeded' ? 'succeeded' : 'failed', null);
  if (type.startsWith('connection.saml_certificate_')) return samlCertificate;
  return null;
}

/** True when the type has a dedicated mapping (its data shape is then checked). */
export function isKnownWorkosEventType(type: string): boolean {
  return mapperFor(type) !== null;
}

/** Event types with a dedicated mapping (authentication.*_succeeded/_failed are matched by pattern). */
export const MAPPED_EVENT_TYPES: readonly string[] = Object.keys(MAPPERS);

/**
 * Unknown types are kept: category/action 'other', subject from data.id, else the event id.
 * Tenant: data.organization_id, or data.id when data is an organization (organization.* events).
 */
const unknownEvent: Mapper = (env) => {
  const dataId = nonEmpty(env.data.id);
  const isOrganization = env.data.object === 'organization';
  return [
    {
      category: 'other',
      action: 'other',
      subject: { kind: 'other', id: dataId ?? env.id, name: nonEmpty(env.data.name) },
      tenant: nonEmpty(env.data.organization_id) ?? (isOrganization ? dataId : null),
      directoryId: nonEmpty(env.data.directory_id),
      ocsf: [null, null],
      attributes: { data_object: nonEmpty(env.data.object), subject_from: dataId === null ? 'event_id' : null },
    },
  ];
};

export function mapWorkosEvent(env: WorkosEnvelope, ctx: MapContext = {}): MapResult {
  const mapper = mapperFor(env.event) ?? unknownEvent;
  const drafts = mapper(env);
  if (typeof drafts === 'string') return { ok: false, reason: `${env.event}: ${drafts}` };
  return finish(env, drafts, ctx);
}
