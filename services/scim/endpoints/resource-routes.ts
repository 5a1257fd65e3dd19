// The HTTP methods of a Users or Groups endpoint (RFC 7644 §3): on the collection GET (list) and
// POST (create), POST .search, and on one resource GET (If-None-Match → 304), PUT, PATCH and DELETE
// (If-Match → 412 on mismatch). Bodies of reads are drained unread.
import type { RequestContext, ScimContext } from '../context.ts';
import { notFound } from '../errors.ts';
import { allowOnly, headerOf, type HttpCall } from '../http/call.ts';
import type { Reply } from '../http/reply.ts';
import { readJson } from '../http/request-body.ts';
import { etagMatches, etagOf, parseAttributeList, project } from '../resource.ts';
import { listFromQuery, listFromSearch } from './list.ts';
import type { ResourceEndpoint } from './resource-endpoint.ts';

/** /Users or /Groups. */
export async function collectionRoute(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, call: HttpCall): Promise<Reply | null> {
  allowOnly(call, ['GET', 'POST']);
  if (call.method === 'GET') {
    call.req.resume();
    return listFromQuery(svc, ctx, ep, call.params);
  }
  const { value, passwordSupplied } = await readJson(call.req, svc.maxBodyBytes);
  return ep.mutate(svc, ctx, { method: 'POST', id: null, request: value, passwordSupplied, ifMatch: null });
}

/** /Users/.search or /Groups/.search. */
export async function searchRoute(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, call: HttpCall): Promise<Reply> {
  allowOnly(call, ['POST']);
  const { value } = await readJson(call.req, svc.maxBodyBytes);
  return listFromSearch(svc, ctx, ep, value);
}

async function getOne(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, call: HttpCall, id: string): Promise<Reply> {
  call.req.resume();
  const stored = await svc.store.get(ctx.connection.id, ep.rt.name, id);
  if (!stored || stored.deleted) throw notFound(ep.rt, id);
  const inm = headerOf(call, 'if-none-match');
  if (inm !== null && etagMatches(inm, stored.version)) return { status: 304, headers: { etag: etagOf(stored.version) } };
  const [rendered] = await ep.render(svc, ctx, [stored]);
  return {
    status: 200,
    body: project(rendered!, parseAttributeList(call.params.get('attributes')), parseAttributeList(call.params.get('excludedAttributes'))),
    headers: { etag: etagOf(stored.version) },
  };
}

/** /Users/<id> or /Groups/<id>. */
export async function resourceRoute(
  svc: ScimContext,
  ctx: RequestContext,
  ep: ResourceEndpoint,
  call: HttpCall,
  id: string,
): Promise<Reply | null> {
  allowOnly(call, ['GET', 'PUT', 'PATCH', 'DELETE']);
  const ifMatch = headerOf(call, 'if-match');
  if (call.method === 'GET') return getOne(svc, ctx, ep, call, id);
  if (call.method === 'DELETE') {
    call.req.resume();
    return ep.mutate(svc, ctx, { method: 'DELETE', id, request: null, passwordSupplied: false, ifMatch });
  }
  const { value, passwordSupplied } = await readJson(call.req, svc.maxBodyBytes);
  return ep.mutate(svc, ctx, { method: call.method as 'PUT' | 'PATCH', id, request: value, passwordSupplied, ifMatch });
}
