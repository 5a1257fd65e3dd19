// What the SCIM endpoints work with, passed to them explicitly: the service's dependencies
// (ScimContext, one per handler) and the request being answered (RequestContext, one per request).
import type { Logger } from 'pino';
import type { Connection } from '../../core/config/boundary-map.ts';
import type { Durability } from './durability.ts';
import type { Reply } from './http/reply.ts';
import type { ScimStore } from './store.ts';

export interface ScimContext {
  store: ScimStore;
  log: Logger;
  now: () => number;
  maxBodyBytes: number;
  /** The per-connection lock and the publish → write protocol of every change. */
  durability: Durability;
}

export interface RequestContext {
  connection: Connection;
  /** scheme://host/scim/v2/<connection>: the base of meta.location and Location. */
  base: string;
  userAgent: string | null;
  ip: string | null;
  /** Request headers kept in the change's raw envelope. */
  headers: Record<string, string>;
  /** Answers the client before the endpoint returns (a publish that outlasted the ack timeout). */
  send: (reply: Reply) => void;
}
