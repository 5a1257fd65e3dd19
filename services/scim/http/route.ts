// Routing below /scim/v2/<connection>: the discovery endpoints, Bulk (refused: not supported), and
// Users / Groups with their collection, .search and per-resource routes. Segment names are
// matched case-insensitively; anything else is 404.
import type { RequestContext, ScimContext } from '../context.ts';
import { resourceTypes, schemas, serviceProviderConfig } from '../endpoints/discovery.ts';
import { GROUPS } from '../endpoints/groups.ts';
import type { ResourceEndpoint } from '../endpoints/resource-endpoint.ts';
import { collectionRoute, resourceRoute, searchRoute } from '../endpoints/resource-routes.ts';
import { USERS } from '../endpoints/users.ts';
import { ScimError } from '../errors.ts';
import { FEATURES } from '../schema.ts';
import { allowOnly, type HttpCall } from './call.ts';
import type { Reply } from './reply.ts';

const RESOURCE_ENDPOINTS = new Map<string, ResourceEndpoint>([
  ['users', USERS],
  ['groups', GROUPS],
]);

function segmentsOf(rest: string): string[] {
  try {
    return rest
      .split('/')
      .filter(Boolean)
      .map((s) => decodeURIComponent(s));
  } catch {
    throw new ScimError(404, null, `no such endpoint: ${rest} (malformed percent-encoding)`);
  }
}

/** A discovery endpoint's answer, or undefined when the path is not one. */
function discovery(ctx: RequestContext, call: HttpCall, segments: string[]): Reply | undefined {
  const first = segments[0]?.toLowerCase();
  const answer =
    first === 'serviceproviderconfig' && segments.length === 1
      ? () => serviceProviderConfig(ctx.base)
      : first === 'resourcetypes' && segments.length <= 2
        ? () => resourceTypes(ctx.base, segments[1])
        : first === 'schemas' && segments.length <= 2
          ? () => schemas(ctx.base, segments[1])
          : null;
  if (!answer) return undefined;
  allowOnly(call, ['GET']);
  call.req.resume();
  return answer();
}

/** RFC 7644 §3.12 (Table 8): 501 when the service provider does not support the operation. */
function refuseBulk(call: HttpCall, segments: string[]): void {
  if (segments[0]?.toLowerCase() !== 'bulk' || segments.length !== 1) return;
  allowOnly(call, ['POST']);
  call.req.resume();
  if (!FEATURES.bulk) throw new ScimError(501, null, 'bulk operations are not supported (ServiceProviderConfig bulk.supported is false)');
}

export async function route(svc: ScimContext, ctx: RequestContext, call: HttpCall): Promise<Reply | null> {
  const segments = segmentsOf(call.rest);
  const found = discovery(ctx, call, segments);
  if (found) return found;
  refuseBulk(call, segments);
  const ep = RESOURCE_ENDPOINTS.get(segments[0]?.toLowerCase() ?? '');
  if (!ep || segments.length > 2) throw new ScimError(404, null, `no such endpoint: ${call.rest}`);
  if (segments.length === 1) return collectionRoute(svc, ctx, ep, call);
  const id = segments[1]!;
  if (id === '.search') return searchRoute(svc, ctx, ep, call);
  return resourceRoute(svc, ctx, ep, call, id);
}
