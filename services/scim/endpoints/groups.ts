// The Groups endpoint: a change is one change of the group itself.
import { change } from '../change.ts';
import { RESOURCE_TYPES } from '../schema.ts';
import { renderStored } from './render.ts';
import type { ResourceEndpoint } from './resource-endpoint.ts';

export const GROUPS: ResourceEndpoint = {
  rt: RESOURCE_TYPES.Group,
  render: async (_svc, ctx, stored) => renderStored(ctx, RESOURCE_TYPES.Group, stored),
  mutate: (svc, ctx, mu) => svc.durability.serialize(ctx.connection.id, async () => (await change(svc, ctx, GROUPS, mu)).reply),
};
