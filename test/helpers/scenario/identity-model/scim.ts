// Signed SCIM-operation copies (sources/scim/index.ts, transport webhook): a product that runs its
// own SCIM 2.0 endpoint (RFC 7644) posts {method, path, status, request, response, tenant,
// occurred_at} for every provisioning call an IdP made to it.
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { envelope, iso } from './common.ts';

export interface ScimUser {
  id: string;
  userName: string;
  given: string;
  family: string;
  externalId: string;
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function resource(u: ScimUser, active: boolean, version: number, at: number, title?: string): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    id: u.id,
    externalId: u.externalId,
    userName: u.userName,
    name: { givenName: u.given, familyName: u.family },
    emails: [{ value: u.userName, type: 'work', primary: true }],
    active,
    ...(title ? { title } : {}),
    meta: { resourceType: 'User', created: iso(at), lastModified: iso(at), version: `W/"${version}"` },
  };
}

function copy(tenant: string, method: string, path: string, status: number, at: number, request: unknown, response: unknown): string {
  return JSON.stringify({ method, path, status, request, response, tenant, occurred_at: iso(at) });
}

export const scimCopy = {
  create: (tenant: string, u: ScimUser, at: number) => {
    const { id: _id, meta: _meta, ...req } = resource(u, true, 1, at);
    return copy(tenant, 'POST', '/scim/v2/Users', 201, at, req, resource(u, true, 1, at));
  },
  deactivate: (tenant: string, u: ScimUser, at: number, version: number) =>
    copy(
      tenant,
      'PATCH',
      `/scim/v2/Users/${u.id}`,
      200,
      at,
      { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] },
      resource(u, false, version, at),
    ),
  retitle: (tenant: string, u: ScimUser, at: number, version: number, title: string) =>
    copy(
      tenant,
      'PATCH',
      `/scim/v2/Users/${u.id}`,
      200,
      at,
      { schemas: [PATCH_SCHEMA], Operations: [{ op: 'replace', path: 'title', value: title }] },
      resource(u, true, version, at, title),
    ),
  remove: (tenant: string, u: ScimUser, at: number) => copy(tenant, 'DELETE', `/scim/v2/Users/${u.id}`, 204, at, null, null),
};

export function scimEnvelope(connection: string, receivedAt: number, body: string): RawEnvelope {
  return envelope('scim', connection, 'webhook', 'application/scim+json', body, receivedAt);
}
