// A stored resource as the client sees it: meta.location added, and for a User the groups that
// list it (derived at read time, never stored).
import type { RequestContext } from '../context.ts';
import { isObj, type Obj } from '../resource.ts';
import type { ResourceTypeDef } from '../schema.ts';
import type { GroupRef, StoredResource } from '../store.ts';

export function renderStored(
  ctx: RequestContext,
  rt: ResourceTypeDef,
  stored: StoredResource[],
  groups: ReadonlyMap<string, GroupRef[]> = new Map(),
): Obj[] {
  return stored.map((s) => {
    const { meta, ...rest } = s.resource;
    const out: Obj = { ...rest };
    const g = groups.get(s.id);
    if (g?.length) {
      out.groups = g.map((x) => ({
        value: x.id,
        $ref: `${ctx.base}/Groups/${x.id}`,
        ...(x.displayName ? { display: x.displayName } : {}),
        type: 'direct',
      }));
    }
    out.meta = { ...(isObj(meta) ? meta : {}), location: `${ctx.base}${rt.endpoint}/${s.id}` };
    return out;
  });
}
