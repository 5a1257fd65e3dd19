// One change of one resource, the connection's lock held (durability.ts): the new state computed
// (validation, uniqueness, version = previous + 1), its operation record built, then published
// and stored by the durability protocol, then the client's answer rendered.
import type { MemberSummary } from '../../sources/scim/index.ts';
import type { RequestContext, ScimContext } from './context.ts';
import type { Mutation, ResourceEndpoint } from './endpoints/resource-endpoint.ts';
import { notFound, ScimError } from './errors.ts';
import type { Reply } from './http/reply.ts';
import { changeRecord, memberSummaries, operationEnvelope } from './operation-record.ts';
import { applyPatch } from './patch.ts';
import { allocateId } from './resource-id.ts';
import {
  assemble,
  bodyOf,
  canonicalizeResource,
  etagMatches,
  etagOf,
  finishResource,
  isObj,
  lookupFields,
  memberIds,
  sameValue,
  type Meta,
  type Obj,
} from './resource.ts';
import { declaredOnly } from './schema-check.ts';
import { findAttr, type ResourceType, type ResourceTypeDef } from './schema.ts';
import type { StoredResource, WriteRow } from './store.ts';

/** The client's answer (null: already answered through ctx.send) and the attributes after the change (null after DELETE). */
export interface ChangeOutcome {
  reply: Reply | null;
  body: Obj | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The live resource `id`, checked against If-Match (404 / 412). */
export async function currentResource(
  svc: ScimContext,
  conn: string,
  rt: ResourceTypeDef,
  id: string,
  ifMatch: string | null,
): Promise<StoredResource> {
  const prev = await svc.store.get(conn, rt.name, id);
  if (!prev || prev.deleted) throw notFound(rt, id);
  if (ifMatch !== null && !etagMatches(ifMatch, prev.version)) {
    throw new ScimError(
      412,
      null,
      `${rt.name} "${id}" has changed: its version is ${etagOf(prev.version)}, If-Match asked for ${ifMatch.slice(0, 80)}`,
      { etag: etagOf(prev.version) },
    );
  }
  return prev;
}

/** The attributes after the change (null for DELETE), and whether a PATCH supplied a password. */
function newBody(rt: ResourceTypeDef, mu: Mutation, prevBody: Obj | null): { body: Obj | null; passwordSupplied: boolean } {
  let body: Obj | null = null;
  let passwordSupplied = mu.passwordSupplied;
  if (mu.compute) body = mu.compute(prevBody!);
  else if (mu.method === 'POST' || mu.method === 'PUT') body = canonicalizeResource(rt, mu.request);
  else if (mu.method === 'PATCH') {
    const patched = applyPatch(rt, declaredOnly(rt, prevBody!), mu.request);
    body = canonicalizeResource(rt, patched.body);
    if (patched.passwordSupplied) passwordSupplied = true;
  }
  if (body) finishResource(rt, body);
  return { body, passwordSupplied };
}

/** RFC 7643 §2.1 uniqueness: "server" is enforced; "none" (Group displayName) allows duplicates. */
async function checkUnique(svc: ScimContext, conn: string, rt: ResourceTypeDef, body: Obj, exceptId: string | null): Promise<void> {
  if (findAttr(rt.schema.attributes, rt.nameAttr)?.uniqueness === 'none') return;
  const other = await svc.store.conflict(conn, rt.name, String(body[rt.nameAttr]).toLowerCase(), exceptId);
  if (other) throw new ScimError(409, 'uniqueness', `${rt.nameAttr} "${String(body[rt.nameAttr])}" is already used by another ${rt.name}`);
}

/** Members a Group change adds and removes, with what is known of each. */
async function memberChanges(
  svc: ScimContext,
  conn: string,
  rt: ResourceTypeDef,
  prevBody: Obj | null,
  body: Obj | null,
): Promise<{ added: MemberSummary[]; removed: MemberSummary[] }> {
  const prevMembers = rt.name === 'Group' ? memberIds(prevBody) : [];
  const newMembers = rt.name === 'Group' && body ? memberIds(body) : [];
  const added = body ? newMembers.filter((x) => !prevMembers.includes(x)) : [];
  const removed = body ? prevMembers.filter((x) => !newMembers.includes(x)) : [];
  const elements = [...((body?.members as Obj[] | undefined) ?? []), ...((prevBody?.members as Obj[] | undefined) ?? [])].filter(isObj);
  const changedIds = [...added, ...removed];
  const summaries = memberSummaries(changedIds, elements, changedIds.length ? await svc.store.getMany(conn, changedIds) : new Map());
  return { added: summaries.filter((s) => added.includes(s.id)), removed: summaries.filter((s) => removed.includes(s.id)) };
}

/** The new version's state row: the full resource, or the previous one with a new meta as tombstone. */
function stateRow(conn: string, rt: ResourceTypeDef, id: string, at: number, prev: StoredResource | null, body: Obj | null): WriteRow {
  const version = (prev?.version ?? 0) + 1;
  const createdAt = prev?.createdAt ?? at;
  const meta: Meta = { resourceType: rt.name, created: iso(createdAt), lastModified: iso(at), version: etagOf(version) };
  const resource: Obj = body ? assemble(rt, id, body, meta) : { ...prev!.resource, meta };
  return {
    connectionId: conn,
    type: rt.name as ResourceType,
    id,
    version,
    deleted: body === null,
    resource,
    createdAt,
    updatedAt: at,
    lookup: lookupFields(rt, body ?? bodyOf(prev!.resource)),
  };
}

async function successReply(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, mu: Mutation, row: WriteRow): Promise<Reply> {
  if (mu.method === 'DELETE') return { status: 204 };
  const [rendered] = await ep.render(svc, ctx, [row]);
  const headers: Record<string, string> = { etag: etagOf(row.version) };
  if (mu.method === 'POST') headers.location = `${ctx.base}${ep.rt.endpoint}/${row.id}`;
  return { status: mu.method === 'POST' ? 201 : 200, body: rendered, headers };
}

export async function change(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, mu: Mutation): Promise<ChangeOutcome> {
  const { rt } = ep;
  const conn = ctx.connection.id;
  const at = svc.now();
  const prev = mu.id !== null ? await currentResource(svc, conn, rt, mu.id, mu.ifMatch) : null;
  const prevBody = prev ? bodyOf(prev.resource) : null;
  const { body, passwordSupplied } = newBody(rt, mu, prevBody);

  if (prev && body && sameValue(body, prevBody)) {
    // Nothing changes (e.g. a repeated PATCH active=false): no new version, no event.
    const [rendered] = await ep.render(svc, ctx, [prev]);
    return { reply: { status: 200, body: rendered, headers: { etag: etagOf(prev.version) } }, body };
  }
  if (body) await checkUnique(svc, conn, rt, body, prev?.id ?? null);
  const id = prev?.id ?? (await allocateId(svc.store, conn, rt, body ? String(body[rt.nameAttr]).toLowerCase() : ''));
  const row = stateRow(conn, rt, id, at, prev, body);
  const record = changeRecord({
    rt,
    connection: conn,
    method: mu.method,
    id,
    version: row.version,
    at,
    request: mu.request,
    passwordSupplied,
    impliedBy: mu.impliedBy,
    stored: row.resource,
    body,
    previous: prev ? { version: prev.version, body: prevBody! } : null,
    members: await memberChanges(svc, conn, rt, prevBody, body),
    client: { user_agent: ctx.userAgent, ip: ctx.ip },
  });
  const stillWaiting = await svc.durability.commit({ envelope: operationEnvelope(record, ctx.headers), row }, ctx.send);
  if (!stillWaiting) return { reply: null, body: null };
  return { reply: await successReply(svc, ctx, ep, mu, row), body };
}
