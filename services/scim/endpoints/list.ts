// Listing Users or Groups (RFC 7644 §3.4.2): GET on the collection with its query parameters, or
// POST .search with a SearchRequest body; both end in the same filtered, paged, projected list.
import type { RequestContext, ScimContext } from '../context.ts';
import { invalidFilter, invalidSyntax, invalidValue, ScimError } from '../errors.ts';
import { filterToSql } from '../filter-sql.ts';
import { FilterSyntaxError, parseFilter } from '../filter.ts';
import type { Reply } from '../http/reply.ts';
import { isObj, parseAttributeList, project, type Obj } from '../resource.ts';
import { FEATURES, MSG_LIST, MSG_SEARCH, type ResourceType } from '../schema.ts';
import type { ResourceEndpoint } from './resource-endpoint.ts';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 200;
/** Largest startIndex passed to the store (its OFFSET is a UInt32); beyond it the page is empty anyway. */
export const MAX_START_INDEX = 2 ** 31;

interface ListQuery {
  filter: string | null;
  startIndex: string | number | null;
  count: string | number | null;
  attributes: string[] | null;
  excluded: string[] | null;
}

/** RFC 7644 §3.12 (Table 8): 501 for an operation the service provider does not support. */
function refuseSorting(asked: boolean): void {
  if (asked && !FEATURES.sort)
    throw new ScimError(501, null, 'sorting (sortBy / sortOrder) is not supported (ServiceProviderConfig sort.supported is false)');
}

export function listResponse(resources: unknown[], total: number, startIndex: number): Obj {
  return { schemas: [MSG_LIST], totalResults: total, itemsPerPage: resources.length, startIndex, Resources: resources };
}

function parseIndex(v: string | number | null, name: string): number | null {
  if (typeof v === 'number') return v;
  if (v === null || v.trim() === '') return null;
  if (!/^-?\d+$/.test(v.trim())) throw invalidValue(`${name}: expected an integer, got "${v.slice(0, 20)}"`);
  return Number(v.trim());
}

function whereOf(type: ResourceType, filter: string | null) {
  if (filter === null || filter.trim() === '') return null;
  try {
    return filterToSql(type, parseFilter(filter));
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw invalidFilter(`filter: ${err.message}`);
    throw err;
  }
}

async function list(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, q: ListQuery): Promise<Reply> {
  const where = whereOf(ep.rt.name, q.filter);
  // Fault-suite fix (test/fuzz/scim.test.ts): a huge startIndex (e.g. 99999999999999999999) went
  // into the OFFSET {offset:UInt32} parameter and failed the query (500). Clamped: an index past
  // every resource is an empty page (RFC 7644 §3.4.2.4) whatever its size.
  const start = Math.min(MAX_START_INDEX, Math.max(1, parseIndex(q.startIndex, 'startIndex') ?? 1));
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, parseIndex(q.count, 'count') ?? DEFAULT_PAGE_SIZE));
  const page = await svc.store.list(ctx.connection.id, ep.rt.name, where, start, count);
  const rendered = (await ep.render(svc, ctx, page.rows)).map((r) => project(r, q.attributes, q.excluded));
  return { status: 200, body: listResponse(rendered, page.total, start) };
}

/** GET /Users or /Groups with filter / startIndex / count / attributes / excludedAttributes. */
export async function listFromQuery(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, params: URLSearchParams): Promise<Reply> {
  refuseSorting(params.has('sortBy') || params.has('sortOrder'));
  return list(svc, ctx, ep, {
    filter: params.get('filter'),
    startIndex: params.get('startIndex'),
    count: params.get('count'),
    attributes: parseAttributeList(params.get('attributes')),
    excluded: parseAttributeList(params.get('excludedAttributes')),
  });
}

const optional =
  <T>(check: (v: unknown) => boolean, expected: string) =>
  (v: unknown, name: string): T | null => {
    if (v === undefined || v === null) return null;
    if (!check(v)) throw invalidValue(`${name}: expected ${expected}`);
    return v as T;
  };
const optString = optional<string>((v) => typeof v === 'string', 'a string');
const optInteger = optional<number>((v) => typeof v === 'number' && Number.isInteger(v), 'an integer');
const optNames = optional<string[]>((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'an array of attribute names');

/** POST /Users/.search or /Groups/.search with a SearchRequest body. */
export async function listFromSearch(svc: ScimContext, ctx: RequestContext, ep: ResourceEndpoint, body: unknown): Promise<Reply> {
  if (!isObj(body)) throw invalidSyntax('body: expected a SearchRequest object');
  const schemas = body.schemas;
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.includes(MSG_SEARCH)))
    throw invalidSyntax(`schemas: expected ["${MSG_SEARCH}"]`);
  refuseSorting(body.sortBy !== undefined || body.sortOrder !== undefined);
  return list(svc, ctx, ep, {
    filter: optString(body.filter, 'filter'),
    startIndex: optInteger(body.startIndex, 'startIndex'),
    count: optInteger(body.count, 'count'),
    attributes: optNames(body.attributes, 'attributes'),
    excluded: optNames(body.excludedAttributes, 'excludedAttributes'),
  });
}
