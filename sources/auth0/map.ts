// Pure mapping: one Auth0 tenant log (the `data` of a log stream record) -> MappedEvent[].
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/auth0.md.
import {
  emptyActor,
  normalizeEmail,
  type Action,
  type Actor,
  type Category,
  type Credential,
  type MappedEvent,
} from '../../core/events/identity-event.ts';
import {
  attrs as attributes,
  emailOf,
  nonBlank,
  pathOnly,
  record,
  strictIsoToMs,
  type AttrValue,
  type MapResult,
  type SubjectDraft,
} from '../../source-kit/map-helpers.ts';
import { ApiRequestSchema, ApiResponseSchema, Auth0LogSchema, formatIssues, type Auth0Log } from './payloads.ts';

export type { MapResult };

export interface Auth0MapContext {
  /** The record wrapper's log_id (preferred over data.log_id). */
  logId?: string | null;
  /** Last-resort occurred_at when the log has no date. */
  receivedAt?: number;
}

type OutcomeClass = 'success' | 'failure' | null;

const OCSF = { ACCOUNT_CHANGE: 3001, AUTHENTICATION: 3002, ENTITY_MANAGEMENT: 3004, USER_ACCESS: 3005, GROUP_MANAGEMENT: 3006 } as const;

// ---------------------------------------------------------------------------------------------
// helpers

/** Attribute values are cut to this many characters. */
const MAX_ATTRIBUTE_LENGTH = 1024;
const attrs = (values: Record<string, AttrValue>): Record<string, string> => attributes(values, MAX_ATTRIBUTE_LENGTH);

/** Strict ISO 8601 date-time with zone -> epoch ms; null when unusable. */
export const isoToMs = strictIsoToMs;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function scopes(v: Auth0Log['scope']): string[] {
  if (Array.isArray(v)) return v.filter((s) => s.length > 0);
  if (typeof v === 'string') return v.split(/\s+/).filter((s) => s.length > 0);
  return [];
}

function truthy(v: unknown): boolean | null {
  if (v === true || v === false) return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// drafts

interface Draft {
  category: Category;
  action: Action;
  outcome: OutcomeClass;
  subject: SubjectDraft;
  actor?: Actor | null;
  credential?: Credential | null;
  /** Overrides the tenant (e.g. the organization named in a Management API path). */
  organizationId?: string | null;
  ocsf: readonly [number | null, number | null];
  attributes: Record<string, AttrValue>;
}

interface Ctx {
  log: Auth0Log;
  logId: string;
  occurredAt: number;
}

type Mapper = (c: Ctx) => Draft[] | string;

/** The log's user: user_id, else the attempted user_name, else null. */
function logUser(log: Auth0Log): { subject: SubjectDraft; from: string | null } | null {
  const id = nonBlank(log.user_id);
  const email = emailOf(log.user_name);
  if (id !== null) return { subject: { kind: 'human', id, email, name: email === null ? nonBlank(log.user_name) : null }, from: null };
  const name = nonBlank(log.user_name)?.trim() ?? null;
  if (name !== null) return { subject: { kind: 'human', id: email ?? name, email }, from: 'user_name' };
  return null;
}

function userActor(log: Auth0Log): Actor {
  return {
    ...emptyActor('human'),
    id: nonBlank(log.user_id),
    email: emailOf(log.user_name),
    ip: nonBlank(log.ip),
    user_agent: nonBlank(log.user_agent),
  };
}

function clientAttrs(log: Auth0Log): Record<string, AttrValue> {
  return {
    client_id: nonBlank(log.client_id),
    client_name: nonBlank(log.client_name),
    connection: nonBlank(log.connection),
    connection_id: nonBlank(log.connection_id),
    strategy: nonBlank(log.strategy),
    strategy_type: nonBlank(log.strategy_type),
    hostname: nonBlank(log.hostname),
  };
}

function subjectOrEvent(c: Ctx): { subject: SubjectDraft; from: string | null } {
  return logUser(c.log) ?? { subject: { kind: 'other', id: c.logId }, from: 'log_id' };
}

function mfaPerformed(details: Record<string, unknown> | null): boolean {
  const prompts = Array.isArray(details?.prompts) ? details.prompts : [];
  return prompts.some((p) => {
    const r = record(p);
    const amr = Array.isArray(r?.performed_amr) ? r.performed_amr : [];
    return amr.includes('mfa') || /^(mfa|guardian)/i.test(nonBlank(r?.name) ?? '');
  });
}

function login(result: 'succeeded' | 'failed'): Mapper {
  return (c) => {
    const { subject, from } = subjectOrEvent(c);
    const details = record(c.log.details);
    return [
      {
        category: 'authentication',
        action: result,
        outcome: result === 'succeeded' ? 'success' : 'failure',
        subject,
        actor: userActor(c.log),
        ocsf: [OCSF.AUTHENTICATION, 1],
        attributes: {
          ...clientAttrs(c.log),
          auth_method: nonBlank(c.log.strategy),
          mfa: result === 'succeeded' && mfaPerformed(details) ? 'true' : null,
          session_id: nonBlank(details?.session_id),
          failure_reason: result === 'failed' ? nonBlank(c.log.description) : null,
          subject_from: from,
        },
      },
    ];
  };
}

function logout(result: 'ended' | 'failed'): Mapper {
  return (c) => {
    const { subject, from } = subjectOrEvent(c);
    return [
      {
        category: 'session',
        action: result,
        outcome: result === 'ended' ? 'success' : 'failure',
        subject,
        actor: userActor(c.log),
        ocsf: [OCSF.AUTHENTICATION, 2],
        attributes: { ...clientAttrs(c.log), failure_reason: result === 'failed' ? nonBlank(c.log.description) : null, subject_from: from },
      },
    ];
  };
}

/** An account fact about the log's user; `failed` variants keep the attempted action. */
/**
 * Who did an account fact: the user themselves for self-service codes (signup, password change);
 * Auth0's anomaly detection ('system') for a brute-force block; unknown otherwise (sdu/fdu/ublkdu
 * name the user acted on, not the admin).
 */
type ActorRole = 'self' | 'system' | 'unknown';

function factActor(log: Auth0Log, role: ActorRole): Actor {
  if (role === 'self') return userActor(log);
  if (role === 'system') return emptyActor('system');
  return { ...emptyActor('unknown'), ip: nonBlank(log.ip), user_agent: nonBlank(log.user_agent) };
}

function accountFact(
  action: Action,
  ocsfActivity: number,
  extra: Record<string, AttrValue> = {},
  opts: { failed?: boolean; requireUser?: boolean; actor?: ActorRole } = {},
): Mapper {
  return (c) => {
    const user = logUser(c.log);
    if (!user && opts.requireUser) return 'user_id: expected the id of the user concerned (nor user_name given)';
    const { subject, from } = user ?? { subject: { kind: 'other' as const, id: c.logId }, from: 'log_id' };
    return [
      {
        category: 'account',
        action: opts.failed ? 'failed' : action,
        outcome: opts.failed ? 'failure' : 'success',
        subject,
        actor: factActor(c.log, opts.actor ?? 'self'),
        ocsf: [OCSF.ACCOUNT_CHANGE, ocsfActivity],
        attributes: {
          ...clientAttrs(c.log),
          ...extra,
          blocked_ip: opts.actor === 'system' ? nonBlank(c.log.ip) : null,
          attempted_action: opts.failed ? action : null,
          failure_reason: opts.failed ? nonBlank(c.log.description) : null,
          subject_from: from,
        },
      },
    ];
  };
}

function clientCredentials(result: 'used' | 'failed'): Mapper {
  return (c) => {
    const clientId = nonBlank(c.log.client_id);
    if (clientId === null) return 'client_id: expected the client that exchanged its credentials';
    const credId = `${clientId}:client_secret`;
    return [
      {
        category: result === 'used' ? 'credential' : 'authentication',
        action: result,
        outcome: result === 'used' ? 'success' : 'failure',
        subject: { kind: 'service_account', id: clientId, name: nonBlank(c.log.client_name) },
        actor: {
          ...emptyActor('oauth_client'),
          id: clientId,
          ip: nonBlank(c.log.ip),
          user_agent: nonBlank(c.log.user_agent),
          credential_id: credId,
        },
        credential: {
          id: credId,
          kind: 'oauth_secret',
          owner_id: clientId,
          owner_kind: 'oauth_client',
          scopes: scopes(c.log.scope),
          created_at: null,
          last_used_at: result === 'used' ? c.occurredAt : null,
        },
        ocsf: [OCSF.AUTHENTICATION, 1],
        attributes: {
          client_name: nonBlank(c.log.client_name),
          audience: nonBlank(c.log.audience),
          grant_type: 'client_credentials',
          hostname: nonBlank(c.log.hostname),
          failure_reason: result === 'failed' ? nonBlank(c.log.description) : null,
        },
      },
    ];
  };
}

const organizationMemberAdded: Mapper = (c) => {
  const user = logUser(c.log);
  if (!user) return 'user_id: expected the id of the member added (nor user_name given)';
  const details = record(c.log.details);
  return [
    {
      category: 'membership',
      action: 'added',
      outcome: 'success',
      subject: user.subject,
      actor: userActor(c.log),
      ocsf: [OCSF.GROUP_MANAGEMENT, 3],
      attributes: { ...clientAttrs(c.log), reason: nonBlank(details?.reason), subject_from: user.from },
    },
  ];
};

// ---------------------------------------------------------------------------------------------
// Management API (sapi / fapi)

function apiActor(log: Auth0Log, req: ReturnType<typeof ApiRequestSchema.parse> | null): Actor {
  const user = req?.auth?.user;
  const ip = nonBlank(req?.ip) ?? nonBlank(log.ip);
  const ua = nonBlank(log.user_agent);
  const userId = nonBlank(user?.user_id);
  if (userId !== null || nonBlank(user?.email) !== null) {
    return { ...emptyActor('human'), id: userId, email: normalizeEmail(nonBlank(user?.email)), ip, user_agent: ua };
  }
  const clientId = nonBlank(log.client_id);
  if (clientId !== null) return { ...emptyActor('oauth_client'), id: clientId, ip, user_agent: ua };
  return { ...emptyActor('unknown'), ip, user_agent: ua };
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length > 0) : [];
}

function permissionNames(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((p) => {
      const r = record(p);
      const name = nonBlank(r?.permission_name);
      const server = nonBlank(r?.resource_server_identifier);
      return name === null ? null : server === null ? name : `${server}:${name}`;
    })
    .filter((s): s is string => s !== null);
}

interface ApiOp {
  category: Category;
  action: Action;
  subjects: SubjectDraft[];
  organizationId?: string | null;
  credential?: Credential | null;
  ocsf: readonly [number | null, number | null];
  attributes: Record<string, AttrValue>;
}

function classifyApi(
  method: string,
  path: string,
  body: Record<string, unknown> | null,
  response: Record<string, unknown> | null,
  logId: string,
): ApiOp {
  const user = (id: string): SubjectDraft => ({ kind: 'human', id: decode(id) });
  let m: RegExpExecArray | null;
  if ((m = /^\/api\/v2\/users\/([^/]+)$/.exec(path))) {
    if (method === 'DELETE')
      return { category: 'account', action: 'deleted', subjects: [user(m[1]!)], ocsf: [OCSF.ACCOUNT_CHANGE, 6], attributes: {} };
    if (method === 'PATCH' || method === 'PUT') {
      const fields = body ? Object.keys(body).sort() : [];
      const blocked = body ? truthy(body.blocked) : null;
      const attributes = { changed_fields: fields.join(',') || null, account_change: fields.includes('password') ? 'password' : null };
      if (blocked === true)
        return {
          category: 'account',
          action: 'suspended',
          subjects: [user(m[1]!)],
          ocsf: [OCSF.ACCOUNT_CHANGE, 5],
          attributes: { ...attributes, block_kind: 'admin' },
        };
      if (blocked === false)
        return {
          category: 'account',
          action: 'reactivated',
          subjects: [user(m[1]!)],
          ocsf: [OCSF.ACCOUNT_CHANGE, 2],
          attributes: { ...attributes, block_kind: 'admin' },
        };
      return { category: 'account', action: 'updated', subjects: [user(m[1]!)], ocsf: [OCSF.ACCOUNT_CHANGE, 99], attributes };
    }
  }
  if (/^\/api\/v2\/users\/?$/.test(path) && method === 'POST') {
    const id = nonBlank(response?.user_id);
    const email = emailOf(body?.email) ?? emailOf(response?.email);
    const subject: SubjectDraft =
      id !== null ? { kind: 'human', id, email } : email !== null ? { kind: 'human', id: email, email } : { kind: 'other', id: logId };
    return {
      category: 'account',
      action: 'created',
      subjects: [subject],
      ocsf: [OCSF.ACCOUNT_CHANGE, 1],
      attributes: { subject_from: id !== null ? null : email !== null ? 'email' : 'log_id' },
    };
  }
  if ((m = /^\/api\/v2\/users\/([^/]+)\/(roles|permissions)$/.exec(path)) && (method === 'POST' || method === 'DELETE')) {
    const granted = m[2] === 'roles' ? stringList(body?.roles) : permissionNames(body?.permissions);
    return {
      category: 'role',
      action: method === 'POST' ? 'added' : 'removed',
      subjects: [user(m[1]!)],
      ocsf: [OCSF.USER_ACCESS, method === 'POST' ? 1 : 2],
      attributes: { [m[2] === 'roles' ? 'roles' : 'permissions']: granted.join(',') || null },
    };
  }
  if ((m = /^\/api\/v2\/organizations\/([^/]+)\/members$/.exec(path)) && (method === 'POST' || method === 'DELETE')) {
    const org = decode(m[1]!);
    const members = stringList(body?.members);
    return {
      category: 'membership',
      action: method === 'POST' ? 'added' : 'removed',
      subjects: members.length > 0 ? members.map((id) => user(id)) : [{ kind: 'organization', id: org }],
      organizationId: org,
      ocsf: [OCSF.GROUP_MANAGEMENT, method === 'POST' ? 3 : 4],
      attributes: { subject_from: members.length > 0 ? null : 'organization' },
    };
  }
  if ((m = /^\/api\/v2\/organizations\/([^/]+)\/members\/([^/]+)\/roles$/.exec(path)) && (method === 'POST' || method === 'DELETE')) {
    return {
      category: 'role',
      action: method === 'POST' ? 'added' : 'removed',
      subjects: [user(m[2]!)],
      organizationId: decode(m[1]!),
      ocsf: [OCSF.USER_ACCESS, method === 'POST' ? 1 : 2],
      attributes: { roles: stringList(body?.roles).join(',') || null },
    };
  }
  if (/^\/api\/v2\/clients\/?$/.test(path) && method === 'POST') {
    const id = nonBlank(response?.client_id);
    return {
      category: 'account',
      action: 'created',
      subjects: [
        id !== null
          ? { kind: 'service_account', id, name: nonBlank(response?.name) ?? nonBlank(body?.name) }
          : { kind: 'other', id: logId },
      ],
      ocsf: [OCSF.ACCOUNT_CHANGE, 1],
      attributes: { subject_from: id !== null ? null : 'log_id', app_type: nonBlank(body?.app_type) },
    };
  }
  if ((m = /^\/api\/v2\/clients\/([^/]+)$/.exec(path)) && method === 'DELETE') {
    return {
      category: 'account',
      action: 'deleted',
      subjects: [{ kind: 'service_account', id: decode(m[1]!) }],
      ocsf: [OCSF.ACCOUNT_CHANGE, 6],
      attributes: {},
    };
  }
  if ((m = /^\/api\/v2\/clients\/([^/]+)\/rotate-secret$/.exec(path)) && method === 'POST') {
    const clientId = decode(m[1]!);
    const credId = `${clientId}:client_secret`;
    return {
      category: 'credential',
      action: 'updated',
      subjects: [{ kind: 'api_key', id: credId }],
      credential: {
        id: credId,
        kind: 'oauth_secret',
        owner_id: clientId,
        owner_kind: 'oauth_client',
        scopes: [],
        created_at: null,
        last_used_at: null,
      },
      ocsf: [OCSF.ENTITY_MANAGEMENT, 3],
      attributes: { credential_kind: 'oauth_secret', rotation: 'true' },
    };
  }
  return {
    category: 'other',
    action: 'other',
    subjects: [{ kind: 'other', id: logId }],
    ocsf: [null, null],
    attributes: { subject_from: 'log_id' },
  };
}

const managementApi: Mapper = (c) => {
  const details = record(c.log.details);
  const reqParsed = ApiRequestSchema.safeParse(details?.request);
  const req = reqParsed.success ? reqParsed.data : null;
  const resParsed = ApiResponseSchema.safeParse(details?.response);
  const res = resParsed.success ? resParsed.data : null;
  const method = nonBlank(req?.method)?.toUpperCase() ?? null;
  const path = pathOnly(req?.path);
  if (method === null || path === null) return 'details.request: expected an object with method and path (the Management API operation)';
  const status = typeof res?.statusCode === 'number' ? res.statusCode : null;
  const failed = c.log.type === 'fapi' || (status !== null && status >= 400);
  const op = classifyApi(method, path, record(req?.body), record(res?.body), c.logId);
  return op.subjects.map((subject) => ({
    category: op.category,
    action: failed ? 'failed' : op.action,
    outcome: failed ? 'failure' : 'success',
    subject,
    actor: apiActor(c.log, req),
    credential: op.credential ?? null,
    organizationId: op.organizationId ?? null,
    ocsf: op.ocsf,
    attributes: {
      ...op.attributes,
      api_method: method,
      api_path: path,
      status_code: status,
      attempted_action: failed ? op.action : null,
      failure_reason: failed ? nonBlank(c.log.description) : null,
      actor_name: nonBlank(req?.auth?.user?.name),
      client_id: nonBlank(c.log.client_id),
      client_name: nonBlank(c.log.client_name),
    },
  }));
};

// ---------------------------------------------------------------------------------------------
// SCIM (sscim / fscim)

/** active=false|true set by a PATCH (Okta's `{op, value: {active}}` or Entra's `{op, path: "active", value: "False"}`). */
function patchActive(body: Record<string, unknown> | null): boolean | null {
  const ops = Array.isArray(body?.Operations) ? body.Operations : [];
  let result: boolean | null = null;
  for (const raw of ops) {
    const op = record(raw);
    const verb = nonBlank(op?.op)?.toLowerCase();
    if (verb !== 'replace' && verb !== 'add') continue;
    const path = nonBlank(op?.path);
    if (path !== null && path.toLowerCase() === 'active') result = truthy(op?.value) ?? result;
    else if (path === null) {
      const value = record(op?.value);
      if (value && 'active' in value) result = truthy(value.active) ?? result;
    }
  }
  return result;
}

function memberChanges(body: Record<string, unknown> | null): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  const ops = Array.isArray(body?.Operations) ? body.Operations : [];
  for (const raw of ops) {
    const op = record(raw);
    const verb = nonBlank(op?.op)?.toLowerCase();
    const path = nonBlank(op?.path) ?? '';
    const values = (Array.isArray(op?.value) ? op.value : []).map((v) => nonBlank(record(v)?.value)).filter((v): v is string => v !== null);
    if (verb === 'add' && /^members$/i.test(path)) added.push(...values);
    else if (verb === 'remove') {
      const filter = /^members\[\s*value\s+eq\s+"([^"]+)"\s*\]$/i.exec(path);
      if (filter) removed.push(filter[1]!);
      else if (/^members$/i.test(path)) removed.push(...values);
    }
  }
  return { added, removed };
}

const scim: Mapper = (c) => {
  const details = record(c.log.details);
  const reqParsed = ApiRequestSchema.safeParse(details?.request);
  const req = reqParsed.success ? reqParsed.data : null;
  const method = nonBlank(req?.method)?.toUpperCase() ?? null;
  const path = pathOnly(req?.path);
  if (method === null || path === null) return 'details.request: expected an object with method and path (the SCIM operation)';
  const failed = c.log.type === 'fscim';
  const body = record(req?.body);
  const connectionId = nonBlank(details?.connection_id) ?? nonBlank(c.log.connection_id);
  const base = {
    scim_action: nonBlank(details?.action),
    scim_method: method,
    scim_path: path,
    status_code: typeof record(details?.response)?.statusCode === 'number' ? (record(details?.response)!.statusCode as number) : null,
    connection_id: connectionId,
  };
  const ops: Array<{
    category: Category;
    action: Action;
    subject: SubjectDraft;
    ocsf: readonly [number | null, number | null];
    attributes: Record<string, AttrValue>;
  }> = [];
  const users = /\/Users(?:\/([^/]+))?\/?$/.exec(path);
  const groups = /\/Groups(?:\/([^/]+))?\/?$/.exec(path);
  if (users) {
    const id = users[1] ? decode(users[1]) : null;
    if (method === 'POST' && id === null) {
      const userName = nonBlank(body?.userName)?.trim() ?? null;
      const email = emailOf(userName);
      ops.push({
        category: 'account',
        action: 'created',
        subject: userName !== null ? { kind: 'human', id: email ?? userName, email } : { kind: 'other', id: c.logId },
        ocsf: [OCSF.ACCOUNT_CHANGE, 1],
        attributes: { external_id: nonBlank(body?.externalId), subject_from: userName !== null ? 'userName' : 'log_id' },
      });
    } else if (id !== null && method === 'DELETE') {
      ops.push({ category: 'account', action: 'deleted', subject: { kind: 'human', id }, ocsf: [OCSF.ACCOUNT_CHANGE, 6], attributes: {} });
    } else if (id !== null && (method === 'PATCH' || method === 'PUT')) {
      const active = method === 'PATCH' ? patchActive(body) : truthy(body?.active);
      const action: Action = active === false ? 'suspended' : active === true && method === 'PATCH' ? 'reactivated' : 'updated';
      ops.push({
        category: 'account',
        action,
        subject: { kind: 'human', id },
        ocsf: [OCSF.ACCOUNT_CHANGE, action === 'suspended' ? 5 : action === 'reactivated' ? 2 : 99],
        attributes: { active: active === null ? null : active },
      });
    }
  } else if (groups) {
    const id = groups[1] ? decode(groups[1]) : null;
    if (id !== null && method === 'PATCH') {
      const { added, removed } = memberChanges(body);
      for (const m of added)
        ops.push({
          category: 'membership',
          action: 'added',
          subject: { kind: 'human', id: m },
          ocsf: [OCSF.GROUP_MANAGEMENT, 3],
          attributes: { group_id: id },
        });
      for (const m of removed)
        ops.push({
          category: 'membership',
          action: 'removed',
          subject: { kind: 'human', id: m },
          ocsf: [OCSF.GROUP_MANAGEMENT, 4],
          attributes: { group_id: id },
        });
    }
    if (ops.length === 0 && method !== 'GET') {
      const action: Action = method === 'POST' ? 'created' : method === 'DELETE' ? 'deleted' : 'updated';
      ops.push({
        category: 'other',
        action,
        subject: { kind: 'group', id: id ?? nonBlank(body?.displayName) ?? c.logId, name: nonBlank(body?.displayName) },
        ocsf: [OCSF.GROUP_MANAGEMENT, action === 'created' ? 6 : action === 'deleted' ? 5 : 99],
        attributes: {},
      });
    }
  }
  if (ops.length === 0) {
    ops.push({
      category: 'other',
      action: 'other',
      subject: { kind: 'connection', id: connectionId ?? c.logId },
      ocsf: [null, null],
      attributes: { subject_from: connectionId !== null ? 'connection' : 'log_id' },
    });
  }
  return ops.map((op) => ({
    category: op.category,
    action: failed && op.category !== 'other' ? 'failed' : op.action,
    outcome: failed ? 'failure' : 'success',
    subject: op.subject,
    actor: { ...emptyActor('scim_client'), ip: nonBlank(req?.ip) ?? nonBlank(c.log.ip), user_agent: nonBlank(c.log.user_agent) },
    ocsf: op.ocsf,
    attributes: {
      ...base,
      ...op.attributes,
      attempted_action: failed && op.category !== 'other' ? op.action : null,
      failure_reason: failed ? nonBlank(c.log.description) : null,
    },
  }));
};

const unknownCode: Mapper = (c) => {
  const user = logUser(c.log);
  const clientId = nonBlank(c.log.client_id);
  const subject: SubjectDraft =
    user?.subject ??
    (clientId !== null ? { kind: 'service_account', id: clientId, name: nonBlank(c.log.client_name) } : { kind: 'other', id: c.logId });
  return [
    {
      category: 'other',
      action: 'other',
      outcome: null,
      subject,
      actor: user
        ? userActor(c.log)
        : {
            ...emptyActor(clientId !== null ? 'oauth_client' : 'unknown'),
            id: clientId,
            ip: nonBlank(c.log.ip),
            user_agent: nonBlank(c.log.user_agent),
          },
      ocsf: [null, null],
      attributes: { ...clientAttrs(c.log), subject_from: user ? user.from : clientId !== null ? 'client_id' : 'log_id' },
    },
  ];
};

const MAPPERS: Readonly<Record<string, Mapper>> = {
  s: login('succeeded'),
  f: login('failed'),
  fp: login('failed'),
  fu: login('failed'),
  slo: logout('ended'),
  flo: logout('failed'),
  ss: accountFact('created', 1),
  fs: accountFact('created', 1, {}, { failed: true }),
  sdu: accountFact('deleted', 6, {}, { requireUser: true, actor: 'unknown' }),
  fdu: accountFact('deleted', 6, {}, { failed: true, actor: 'unknown' }),
  limit_wc: accountFact('suspended', 9, { block_kind: 'brute_force' }, { requireUser: true, actor: 'system' }),
  ublkdu: accountFact('reactivated', 2, { block_kind: 'brute_force' }, { requireUser: true, actor: 'unknown' }),
  scp: accountFact('updated', 3, { account_change: 'password' }),
  fcp: accountFact('updated', 3, { account_change: 'password' }, { failed: true }),
  sapi: managementApi,
  fapi: managementApi,
  seccft: clientCredentials('used'),
  feccft: clientCredentials('failed'),
  sscim: scim,
  fscim: scim,
  organization_member_added: organizationMemberAdded,
};

/** Log type codes with a dedicated mapping. */
export const MAPPED_LOG_TYPES: readonly string[] = Object.keys(MAPPERS);

/**
 * Maps one log (`data` of a stream record, or a bare log). The log is validated here; a rejected
 * log's reason names the field, e.g. `type: expected string, received undefined`.
 */
export function mapAuth0Log(raw: unknown, ctx: Auth0MapContext = {}): MapResult {
  const parsed = Auth0LogSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: formatIssues(parsed.error, 'data') };
  const log = parsed.data;
  const logId = nonBlank(ctx.logId) ?? nonBlank(log.log_id);
  if (logId === null)
    return { ok: false, reason: `${log.type}: log_id: expected the log's id (in the record or in data.log_id), received none` };
  let occurredAt: number;
  let occurredFrom: string | null = null;
  if (log.date === null || log.date === undefined) {
    if (ctx.receivedAt === undefined || !Number.isSafeInteger(ctx.receivedAt) || ctx.receivedAt < 0) {
      return { ok: false, reason: `${log.type}: data.date: expected ISO 8601 timestamp, received none` };
    }
    occurredAt = ctx.receivedAt;
    occurredFrom = 'received_at';
  } else {
    const ms = isoToMs(log.date);
    if (ms === null)
      return {
        ok: false,
        reason: `${log.type}: data.date: expected ISO 8601 timestamp, received ${JSON.stringify(log.date.slice(0, 64))}`,
      };
    occurredAt = ms;
  }
  const c: Ctx = { log, logId, occurredAt };
  const drafts = (Object.hasOwn(MAPPERS, log.type) ? MAPPERS[log.type]! : unknownCode)(c);
  if (typeof drafts === 'string') return { ok: false, reason: `${log.type}: ${drafts}` };

  const events = drafts.map((d, i): MappedEvent => {
    const organization = nonBlank(d.organizationId) ?? nonBlank(log.organization_id);
    return {
      event_id: i === 0 ? logId : `${logId}#${i + 1}`,
      tenant_id: organization,
      category: d.category,
      action: d.action,
      outcome: d.outcome,
      subject: { kind: d.subject.kind, id: d.subject.id, email: normalizeEmail(d.subject.email), name: nonBlank(d.subject.name) },
      actor: d.actor ?? null,
      credential: d.credential ?? null,
      occurred_at: occurredAt,
      vendor_type: log.type,
      ocsf_class_uid: d.ocsf[0],
      ocsf_activity_id: d.ocsf[1],
      attributes: attrs({
        ...d.attributes,
        description: nonBlank(log.description),
        auth0_tenant: nonBlank(log.tenant_name),
        organization_id: organization,
        organization_name: nonBlank(log.organization_name),
        environment_name: nonBlank(log.environment_name),
        occurred_at_from: occurredFrom,
      }),
      plane_keys: { organization_id: organization },
    };
  });
  return { ok: true, events };
}
