// Pure mapping: one SCIM operation → MappedEvent[].
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/scim.md.
import { createHash } from 'node:crypto';
import {
  emptyActor,
  normalizeEmail,
  type Action,
  type Actor,
  type Category,
  type MappedEvent,
  type Subject,
} from '../../core/events/identity-event.ts';
import { nonBlank, type MapResult } from '../../source-kit/map-helpers.ts';
import type { MemberSummary, ScimCopy, ScimOperationRecord } from './payloads.ts';

const OCSF = { ACCOUNT_CHANGE: 3001, GROUP_MANAGEMENT: 3006 } as const;
const OTHER = 99;
const ACCOUNT_ACTIVITY: Partial<Record<Action, number>> = { created: 1, reactivated: 2, suspended: 5, deleted: 6 };
const GROUP_ACTIVITY: Partial<Record<Action, number>> = { added: 3, removed: 4, deleted: 5, created: 6 };

type Obj = Record<string, unknown>;
type AttrValue = string | number | boolean | null | undefined;

export type { MapResult };

function sha256(...parts: string[]): string {
  const h = createHash('sha256');
  parts.forEach((p, i) => {
    if (i > 0) h.update('\0');
    h.update(p, 'utf8');
  });
  return h.digest('hex');
}

/** The stable id of the facts of one SCIM operation (see the module header). */
export function scimEventIdBase(
  connection: string,
  method: string,
  path: string,
  resourceId: string,
  request: unknown,
  version: number,
): string {
  const bodyHash = sha256(JSON.stringify(request ?? null));
  return 'scim_' + sha256(connection, method.toUpperCase(), path, resourceId, bodyHash, String(version)).slice(0, 40);
}

function attrs(values: Record<string, AttrValue>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== null && v !== undefined && v !== '') out[k] = String(v);
  return out;
}

/** Case-insensitive member lookup (SCIM attribute names are case-insensitive). */
function get(o: Obj | null | undefined, name: string): unknown {
  if (!o) return undefined;
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(o)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

function asObj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}

/** true / false, also from the string booleans Entra ID sends ("True", "False"); else null. */
export function scimBool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return null;
}

/** Primary (else first) emails[].value, normalised; else the userName when it is an address. */
export function subjectEmail(resource: Obj | null): { email: string | null; from: 'emails' | 'userName' | null } {
  const emails = get(resource, 'emails');
  if (Array.isArray(emails)) {
    const list = emails.map(asObj).filter((e): e is Obj => e !== null && nonBlank(get(e, 'value')) !== null);
    const primary = list.find((e) => scimBool(get(e, 'primary')) === true) ?? list[0];
    const email = primary ? normalizeEmail(get(primary, 'value') as string) : null;
    if (email) return { email, from: 'emails' };
  }
  const userName = nonBlank(get(resource, 'userName'));
  if (userName && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(userName.trim())) return { email: normalizeEmail(userName), from: 'userName' };
  return { email: null, from: null };
}

function userName(resource: Obj | null): string | null {
  const display = nonBlank(get(resource, 'displayName'));
  if (display) return display;
  const name = asObj(get(resource, 'name'));
  const formatted = nonBlank(get(name, 'formatted'));
  if (formatted) return formatted;
  const joined = [nonBlank(get(name, 'givenName')), nonBlank(get(name, 'familyName'))].filter(Boolean).join(' ');
  return joined || nonBlank(get(resource, 'userName'));
}

interface Draft {
  suffix: string | null;
  category: Category;
  action: Action;
  subject: Subject;
  ocsf: readonly [number, number];
  attributes: Record<string, AttrValue>;
}

function userSubject(
  id: string,
  resource: Obj | null,
  fallback?: { email: string | null; name: string | null },
): { subject: Subject; emailFrom: string | null } {
  const e = subjectEmail(resource);
  return {
    subject: {
      kind: 'human',
      id,
      email: e.email ?? normalizeEmail(fallback?.email ?? null),
      name: userName(resource) ?? fallback?.name ?? null,
    },
    emailFrom: e.from ?? (fallback?.email ? 'previous_state' : null),
  };
}

function memberDraft(action: 'added' | 'removed', m: MemberSummary, group: { id: string; name: string | null }): Draft {
  return {
    suffix: `${action}:${m.id}`,
    category: 'membership',
    action,
    subject: {
      kind: m.type === 'Group' ? 'group' : 'human',
      id: m.id,
      email: normalizeEmail(m.email),
      name: nonBlank(m.display) ?? nonBlank(m.user_name),
    },
    ocsf: [OCSF.GROUP_MANAGEMENT, GROUP_ACTIVITY[action]!],
    attributes: {
      group_id: group.id,
      group_name: group.name,
      member_type: m.type,
      member_known: m.known,
      user_name: m.user_name,
      external_id: m.external_id,
    },
  };
}

interface Common {
  base: string;
  tenant: string | null;
  occurredAt: number;
  vendorType: string;
  actor: Actor;
  planeKeys?: MappedEvent['plane_keys'];
  extra: Record<string, AttrValue>;
}

function finish(c: Common, drafts: Draft[]): MappedEvent[] {
  return drafts.map((d) => ({
    event_id: d.suffix ? `${c.base}#${d.suffix}` : c.base,
    tenant_id: c.tenant,
    category: d.category,
    action: d.action,
    outcome: 'success',
    subject: { kind: d.subject.kind, id: d.subject.id, email: normalizeEmail(d.subject.email), name: nonBlank(d.subject.name) },
    actor: c.actor,
    credential: null,
    occurred_at: c.occurredAt,
    vendor_type: c.vendorType,
    ocsf_class_uid: d.ocsf[0],
    ocsf_activity_id: d.ocsf[1],
    attributes: attrs({ ...c.extra, ...d.attributes }),
    ...(c.planeKeys ? { plane_keys: c.planeKeys } : {}),
  }));
}

// ---------------------------------------------------------------------------------------------
// Service-provider records

export function mapOperationRecord(r: ScimOperationRecord): MappedEvent[] {
  const endpoint = r.resource_type === 'User' ? '/Users' : '/Groups';
  const common: Common = {
    base: scimEventIdBase(r.connection, r.method, r.path, r.resource_id, r.request, r.version),
    tenant: r.connection,
    occurredAt: r.at,
    vendorType: `${r.method} ${endpoint}`,
    actor: { ...emptyActor('scim_client'), id: r.connection, ip: r.client.ip, user_agent: r.client.user_agent },
    extra: { scim_version: r.version, password_supplied: r.password_supplied ? true : null, implied_by: r.implied_by ?? null },
  };
  const result = r.result;
  const drafts: Draft[] = [];

  if (r.resource_type === 'User') {
    const prev = r.previous;
    const { subject, emailFrom } = userSubject(
      r.resource_id,
      result,
      prev ? { email: prev.email, name: prev.display_name ?? prev.user_name } : undefined,
    );
    if (!result && prev) subject.name ??= prev.user_name;
    const active = result ? scimBool(get(result, 'active')) : (prev?.active ?? null);
    let action: Action;
    if (r.method === 'POST') action = 'created';
    else if (r.method === 'DELETE') action = 'deleted';
    else if (active === false && prev?.active !== false) action = 'suspended';
    else if (active === true && prev?.active === false) action = 'reactivated';
    else action = 'updated';
    drafts.push({
      suffix: null,
      category: 'account',
      action,
      subject,
      ocsf: [OCSF.ACCOUNT_CHANGE, ACCOUNT_ACTIVITY[action] ?? OTHER],
      attributes: {
        user_name: nonBlank(get(result, 'userName')) ?? prev?.user_name,
        external_id: nonBlank(get(result, 'externalId')) ?? prev?.external_id,
        active: active === null ? null : active,
        previous_active: prev ? prev.active : null,
        changed: r.changes.attributes.length ? r.changes.attributes.join(',') : null,
        email_from: emailFrom,
      },
    });
    return finish(common, drafts);
  }

  const groupName = nonBlank(get(result, 'displayName')) ?? r.previous?.display_name ?? null;
  const group = { id: r.resource_id, name: groupName };
  const groupAttrs = {
    group_id: r.resource_id,
    group_name: groupName,
    external_id: nonBlank(get(result, 'externalId')) ?? r.previous?.external_id,
    members_count: typeof get(result, 'members_count') === 'number' ? (get(result, 'members_count') as number) : r.previous?.members_count,
    changed: r.changes.attributes.length ? r.changes.attributes.join(',') : null,
  };
  const groupDraft = (action: Action): Draft => ({
    suffix: null,
    category: 'other',
    action,
    subject: { kind: 'group', id: r.resource_id, email: null, name: groupName },
    ocsf: [OCSF.GROUP_MANAGEMENT, GROUP_ACTIVITY[action] ?? OTHER],
    attributes: groupAttrs,
  });
  if (r.method === 'POST') drafts.push(groupDraft('created'));
  else if (r.method === 'DELETE') drafts.push(groupDraft('deleted'));
  else if (r.changes.attributes.length > 0) drafts.push(groupDraft('updated'));
  for (const m of r.changes.members_added) drafts.push(memberDraft('added', m, group));
  for (const m of r.changes.members_removed) drafts.push(memberDraft('removed', m, group));
  return finish(common, drafts);
}

// ---------------------------------------------------------------------------------------------
// SCIM-copy webhooks

const COPY_PATH = /\/(Users|Groups)(?:\/([^/?#]+))?\/?(?:[?#].*)?$/i;

function occurredAt(v: string | number | null, receivedAt: number): { ms: number; from: string | null } | string {
  if (v === null) return { ms: receivedAt, from: 'received_at' };
  if (typeof v === 'number') return { ms: v, from: null };
  const ms = Date.parse(v);
  if (!Number.isFinite(ms) || ms < 0) return `occurred_at: expected an ISO 8601 timestamp or epoch milliseconds, got "${v.slice(0, 40)}"`;
  return { ms, from: null };
}

interface PatchOp {
  op: string;
  path: string | null;
  value: unknown;
}

function patchOps(request: Obj | null): PatchOp[] {
  const ops = get(request, 'Operations');
  if (!Array.isArray(ops)) return [];
  return ops
    .map(asObj)
    .filter((o): o is Obj => o !== null)
    .map((o) => ({
      op: String(get(o, 'op') ?? '').toLowerCase(),
      path: nonBlank(get(o, 'path'))?.trim() ?? null,
      value: get(o, 'value'),
    }));
}

/** The attribute name a PATCH path points at, without a schema URN prefix, lower-cased. */
function pathAttr(path: string): string {
  const noFilter = path.split('[', 1)[0]!;
  const afterUrn = noFilter.includes(':') ? noFilter.slice(noFilter.lastIndexOf(':') + 1) : noFilter;
  return afterUrn.toLowerCase();
}

/** The last value a PATCH sets `active` to, or null when it does not touch it. */
function patchActive(ops: PatchOp[]): boolean | null {
  let active: boolean | null = null;
  for (const op of ops) {
    if (op.op !== 'add' && op.op !== 'replace') continue;
    if (op.path !== null) {
      if (pathAttr(op.path) === 'active') active = scimBool(op.value) ?? active;
    } else {
      const v = get(asObj(op.value), 'active');
      if (v !== undefined) active = scimBool(v) ?? active;
    }
  }
  return active;
}

function copyMembers(v: unknown): MemberSummary[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  const out: MemberSummary[] = [];
  for (const item of list) {
    const o = asObj(item);
    const id = nonBlank(get(o, 'value'));
    if (!id) continue;
    const type = nonBlank(get(o, 'type'));
    out.push({
      id,
      type: type?.toLowerCase() === 'group' ? 'Group' : type?.toLowerCase() === 'user' ? 'User' : null,
      user_name: null,
      email: null,
      external_id: null,
      display: nonBlank(get(o, 'display')),
      known: false,
    });
  }
  return out;
}

function jsonString(inner: string): string {
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    return inner;
  }
}

const MEMBER_FILTER = /^members\s*\[\s*value\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\]$/i;

export function mapScimCopy(copy: ScimCopy, ctx: { rawId: string; receivedAt: number }): MapResult {
  if (copy.method === 'GET' || copy.status < 200 || copy.status > 299) return { ok: true, events: [] };
  const m = COPY_PATH.exec(copy.path);
  if (!m)
    return {
      ok: false,
      reason: `path: expected a SCIM resource path ending in /Users[/<id>] or /Groups[/<id>], got "${copy.path.slice(0, 200)}"`,
    };
  const type: 'User' | 'Group' = m[1]!.toLowerCase() === 'users' ? 'User' : 'Group';
  const response = copy.response;
  const request = copy.request;
  const id = (m[2] ? decodeURIComponent(m[2]) : null) ?? nonBlank(get(response, 'id'));
  if (!id) return { ok: false, reason: `path / response.id: a ${copy.method} copy needs the resource id in the path or in response.id` };
  const when = occurredAt(copy.occurred_at, ctx.receivedAt);
  if (typeof when === 'string') return { ok: false, reason: when };
  const version = nonBlank(get(asObj(get(response, 'meta')), 'version'));
  const common: Common = {
    base: 'scim_' + sha256('copy', ctx.rawId, copy.method, copy.path, version ?? '-').slice(0, 40),
    tenant: copy.tenant,
    occurredAt: when.ms,
    vendorType: `${copy.method} ${type === 'User' ? '/Users' : '/Groups'}`,
    actor: emptyActor('scim_client'),
    planeKeys: copy.tenant ? { organization_id: copy.tenant } : undefined,
    extra: { status: copy.status, scim_version: version, occurred_at_from: when.from, tenant: copy.tenant },
  };
  const resource = response ?? (copy.method === 'POST' || copy.method === 'PUT' ? request : null);
  const drafts: Draft[] = [];

  if (type === 'User') {
    const { subject, emailFrom } = userSubject(id, resource);
    let action: Action;
    let change: string | null = null;
    let active: boolean | null = scimBool(get(resource, 'active'));
    if (copy.method === 'POST') action = 'created';
    else if (copy.method === 'DELETE') action = 'deleted';
    else if (copy.method === 'PUT') {
      active = scimBool(get(request, 'active')) ?? active;
      action = active === false ? 'suspended' : 'updated';
      if (active === false) change = 'inferred';
    } else {
      const set = patchActive(patchOps(request));
      if (set !== null) active = set;
      action = set === false ? 'suspended' : set === true ? 'reactivated' : 'updated';
      if (set !== null) change = 'inferred';
    }
    drafts.push({
      suffix: null,
      category: 'account',
      action,
      subject,
      ocsf: [OCSF.ACCOUNT_CHANGE, ACCOUNT_ACTIVITY[action] ?? OTHER],
      attributes: {
        user_name: nonBlank(get(resource, 'userName')),
        external_id: nonBlank(get(resource, 'externalId')),
        active,
        state_change: change,
        email_from: emailFrom,
      },
    });
    return { ok: true, events: finish(common, drafts) };
  }

  const groupName = nonBlank(get(resource, 'displayName'));
  const group = { id, name: groupName };
  const groupAttrs: Record<string, AttrValue> = { group_id: id, group_name: groupName, external_id: nonBlank(get(resource, 'externalId')) };
  const groupDraft = (action: Action, more: Record<string, AttrValue> = {}): Draft => ({
    suffix: null,
    category: 'other',
    action,
    subject: { kind: 'group', id, email: null, name: groupName },
    ocsf: [OCSF.GROUP_MANAGEMENT, GROUP_ACTIVITY[action] ?? OTHER],
    attributes: { ...groupAttrs, ...more },
  });
  if (copy.method === 'POST') {
    drafts.push(groupDraft('created'));
    for (const mem of copyMembers(get(resource, 'members'))) drafts.push(memberDraft('added', mem, group));
  } else if (copy.method === 'DELETE') {
    drafts.push(groupDraft('deleted'));
  } else if (copy.method === 'PUT') {
    const members = get(resource, 'members');
    drafts.push(groupDraft('updated', { members_count: Array.isArray(members) ? members.length : null, members_replaced: true }));
  } else {
    let otherChange = false;
    let replaced = false;
    for (const op of patchOps(request)) {
      const attr = op.path === null ? null : pathAttr(op.path);
      if (op.path !== null && attr === 'members') {
        const filtered = MEMBER_FILTER.exec(op.path);
        if (op.op === 'add' && !filtered) copyMembers(op.value).forEach((mem) => drafts.push(memberDraft('added', mem, group)));
        else if (op.op === 'remove' && filtered) {
          const memberId = jsonString(filtered[1]!);
          drafts.push(
            memberDraft(
              'removed',
              { id: memberId, type: null, user_name: null, email: null, external_id: null, display: null, known: false },
              group,
            ),
          );
        } else if (op.op === 'remove' && op.value !== undefined && op.value !== null) {
          copyMembers(op.value).forEach((mem) => drafts.push(memberDraft('removed', mem, group)));
        } else replaced = true;
      } else if (op.path === null && get(asObj(op.value), 'members') !== undefined) {
        const v = asObj(op.value)!;
        if (op.op === 'add') copyMembers(get(v, 'members')).forEach((mem) => drafts.push(memberDraft('added', mem, group)));
        else replaced = true;
        if (Object.keys(v).some((k) => k.toLowerCase() !== 'members')) otherChange = true;
      } else otherChange = true;
    }
    if (otherChange || replaced) drafts.unshift(groupDraft('updated', { members_replaced: replaced ? true : null }));
  }
  // One event per (action, member): a member listed twice in one operation is one fact.
  const seen = new Set<string>();
  const unique = drafts.filter((d) => {
    const key = d.suffix ?? '';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ok: true, events: finish(common, unique) };
}
