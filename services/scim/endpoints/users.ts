// The Users endpoint. A user is rendered with the groups that list it, and a change of a user
// carries over to those groups (cascade.ts), so groups never disagree with the users they list:
// a DELETE first removes the user from every group, a PUT / PATCH then refreshes its stale member
// `display`. Each group change is a change of its own (record published, then state written)
// under the same lock as the user's.
import type { RequestContext, ScimContext } from '../context.ts';
import { displayRequest, removalRequest, withFreshDisplay, withoutMember } from '../cascade.ts';
import { change, currentResource } from '../change.ts';
import type { Reply } from '../http/reply.ts';
import type { Obj } from '../resource.ts';
import { RESOURCE_TYPES } from '../schema.ts';
import { GROUPS } from './groups.ts';
import { renderStored } from './render.ts';
import type { Mutation, ResourceEndpoint } from './resource-endpoint.ts';

const USER = RESOURCE_TYPES.User;

type GroupEdit = Pick<Mutation, 'compute' | 'request' | 'impliedBy'>;

/**
 * Applies `edit` to every live group listing `userId`, each as a change of its own (published,
 * then stored). False when a publish outlasted the ack timeout: the client was answered 503.
 */
async function editGroupsOf(svc: ScimContext, ctx: RequestContext, userId: string, edit: GroupEdit): Promise<boolean> {
  const groups = (await svc.store.groupsOf(ctx.connection.id, [userId])).get(userId) ?? [];
  for (const g of groups) {
    const done = await change(svc, ctx, GROUPS, { method: 'PATCH', id: g.id, passwordSupplied: false, ifMatch: null, ...edit });
    if (done.reply === null) return false;
  }
  return true;
}

async function mutateUser(svc: ScimContext, ctx: RequestContext, mu: Mutation): Promise<Reply | null> {
  const userId = mu.id;
  if (userId !== null && mu.method === 'DELETE') {
    // The groups first: if this fails the user is still there and the client's retry redoes it.
    await currentResource(svc, ctx.connection.id, USER, userId, mu.ifMatch);
    const removal = {
      compute: (g: Obj) => withoutMember(g, userId),
      request: removalRequest(userId),
      impliedBy: `DELETE ${USER.endpoint}/${userId}`,
    };
    if (!(await editGroupsOf(svc, ctx, userId, removal))) return null;
  }
  const done = await change(svc, ctx, USERS, mu);
  if (userId !== null && done.reply !== null && done.body !== null && (mu.method === 'PUT' || mu.method === 'PATCH')) {
    // Also after a no-op: a retry after a failed group write converges.
    const user = done.body;
    const rename = {
      compute: (g: Obj) => withFreshDisplay(g, userId, user),
      request: displayRequest(userId, user),
      impliedBy: `${mu.method} ${USER.endpoint}/${userId}`,
    };
    if (!(await editGroupsOf(svc, ctx, userId, rename))) return null;
  }
  return done.reply;
}

export const USERS: ResourceEndpoint = {
  rt: USER,
  render: async (svc, ctx, stored) =>
    renderStored(
      ctx,
      USER,
      stored,
      await svc.store.groupsOf(
        ctx.connection.id,
        stored.map((s) => s.id),
      ),
    ),
  mutate: (svc, ctx, mu) => svc.durability.serialize(ctx.connection.id, () => mutateUser(svc, ctx, mu)),
};
