// Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes and Schemas, GET only,
// the same for every connection but for their meta.location.
import { ScimError } from '../errors.ts';
import type { Reply } from '../http/reply.ts';
import type { Obj } from '../resource.ts';
import { ALL_SCHEMAS, FEATURES, RESOURCE_TYPES, RT_SCHEMA, SCHEMA_SCHEMA, SPC_SCHEMA, type ResourceTypeDef } from '../schema.ts';
import { listResponse, MAX_PAGE_SIZE } from './list.ts';

export function serviceProviderConfig(base: string): Reply {
  return {
    status: 200,
    body: {
      schemas: [SPC_SCHEMA],
      patch: { supported: FEATURES.patch },
      bulk: { supported: FEATURES.bulk, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: FEATURES.filter, maxResults: MAX_PAGE_SIZE },
      changePassword: { supported: FEATURES.changePassword },
      sort: { supported: FEATURES.sort },
      etag: { supported: FEATURES.etag },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: 'Authorization: Bearer <token>, the token configured for this connection (secret_env)',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    },
  };
}

function resourceTypeResource(rt: ResourceTypeDef, base: string): Obj & { id: string } {
  return {
    schemas: [RT_SCHEMA],
    id: rt.name,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema.id,
    schemaExtensions: rt.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${rt.name}` },
  };
}

/** The whole list, or the one whose id is `id` (case-insensitive; 404 naming `what`). */
function listOrOne(all: (Obj & { id: string })[], id: string | undefined, what: string): Reply {
  if (id === undefined) return { status: 200, body: listResponse(all, all.length, 1) };
  const one = all.find((r) => r.id.toLowerCase() === id.toLowerCase());
  if (!one) throw new ScimError(404, null, `${what} "${id}" not found`);
  return { status: 200, body: one };
}

/** GET /ResourceTypes or /ResourceTypes/<name>. */
export function resourceTypes(base: string, id: string | undefined): Reply {
  return listOrOne(
    Object.values(RESOURCE_TYPES).map((rt) => resourceTypeResource(rt, base)),
    id,
    'resource type',
  );
}

/** GET /Schemas or /Schemas/<urn>. */
export function schemas(base: string, id: string | undefined): Reply {
  const all = ALL_SCHEMAS.map((s) => ({
    schemas: [SCHEMA_SCHEMA],
    ...s,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` },
  }));
  return listOrOne(all, id, 'schema');
}
