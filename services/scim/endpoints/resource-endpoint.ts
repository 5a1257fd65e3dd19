// What the Users and Groups endpoints each provide (users.ts, groups.ts): how their stored
// resources are rendered, and how a change of one of them is made. The HTTP methods on top are
// the same for both (resource-routes.ts).
import type { RequestContext, ScimContext } from '../context.ts';
import type { Reply } from '../http/reply.ts';
import type { Obj } from '../resource.ts';
import type { ResourceTypeDef } from '../schema.ts';
import type { StoredResource } from '../store.ts';

export interface Mutation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** null for POST. */
  id: string | null;
  /** The request body (password stripped); null for DELETE. */
  request: unknown;
  passwordSupplied: boolean;
  ifMatch: string | null;
  /** A change the provider makes itself (cascade.ts): the new attributes from the current ones. */
  compute?: (current: Obj) => Obj;
  /** The client request that implied this change, e.g. "DELETE /Users/<id>". */
  impliedBy?: string;
}

export interface ResourceEndpoint {
  rt: ResourceTypeDef;
  /** Response bodies of stored resources: meta.location added, and what the type derives at read time. */
  render(svc: ScimContext, ctx: RequestContext, stored: StoredResource[]): Promise<Obj[]>;
  /** A client's change under the connection's lock; null when the client was already answered (ctx.send). */
  mutate(svc: ScimContext, ctx: RequestContext, mu: Mutation): Promise<Reply | null>;
}
