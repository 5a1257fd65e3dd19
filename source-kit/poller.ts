// The contract of a vendor module's API poller (audit logs, event feeds, inventories). The shared
// poll runner (services/poller/) owns scheduling, HTTP retries, checkpoints, Kafka publishing, status
// and inventory diffs; a vendor module only knows how to walk its API one page at a time.
//
// Delivery guarantee: for every page the runner publishes a RawEnvelope (transport 'poll' or
// 'inventory', body = the page's exact bytes), waits for Kafka's acknowledgement, and only then
// stores the page's checkpoint. A crash between the two re-fetches that page; the events it holds
// keep their vendor ids and collapse downstream, so nothing is skipped and nothing is doubled.
import type { Logger } from 'pino';
import type { Connection } from '../core/config/boundary-map.ts';

/**
 * fetch with the runner's policy (source-kit/poll/fetch.ts): honours 429 Retry-After, backs off on
 * 5xx/network errors/timeouts, gives up after a bound. Resolves only with a 2xx Response; throws
 * PollAuthError on 401/403 (the cycle stops, status records the vendor's message) and
 * PollHttpError for anything else that did not succeed. Modules never retry on their own.
 */
export type PollFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface PollContext {
  connection: Connection;
  /** Value of the connection's api_key_env (never logged). */
  apiKey: string;
  /** connection.base_url or the module's default. */
  baseUrl: string;
  /** What the last acknowledged page returned as `checkpoint`; null on the first run. */
  checkpoint: unknown;
  /**
   * Where to start (epoch ms) when `checkpoint` is null: the backfill's --since, or the runner's
   * initial look-back on a connection's very first cycle. Ignored when a checkpoint exists (a
   * resumed backfill gets its own checkpoint back).
   */
  since: number | null;
  fetch: PollFetch;
  signal: AbortSignal;
  now(): number;
  log: Logger;
}

export interface PolledPage {
  /** The page exactly as the vendor returned it: becomes the RawEnvelope body. */
  body: Buffer;
  contentType: string;
  /** Durable state to resume after this page (JSON-serializable). */
  checkpoint: unknown;
  /** For progress bars: items in this page, and the total when the vendor says. */
  items: number;
  total?: number;
  /**
   * false when the page holds nothing new (an empty page, or only events an earlier page already
   * delivered): the runner then stores its checkpoint without publishing. Default true.
   */
  publish?: boolean;
}

/** One object seen in an inventory listing (a user, key, service account, project, …). */
export interface InventoryObject {
  /** e.g. 'user', 'project_api_key', 'admin_api_key', 'service_account', 'invite', 'project'. */
  kind: string;
  id: string;
  /** Scope of the listing it came from (e.g. project id), part of its identity for the diff. */
  scope: string | null;
  /**
   * Optional, used only to describe the object in a `removed` event (source-kit/poll/inventory.ts):
   * the IdentityEvent subject kind ('human', 'api_key', 'admin_key', 'service_account', 'project', …;
   * default guessed from `kind`), its email and display name, and for credentials the credential
   * kind ('project_key', 'admin_key', 'service_account_key', …). Never key material.
   */
  subject_kind?: string;
  email?: string | null;
  name?: string | null;
  /** The object's part in the identity model when it is not an account of its own (docs/IDENTITY-MODEL.md). */
  access?: 'scope' | 'login' | null;
  credential_kind?: string | null;
}

export interface InventoryPage extends Omit<PolledPage, 'checkpoint'> {
  /** Every object this page lists; an object of a complete snapshot missing from the next complete one is removed. */
  objects: InventoryObject[];
}

export class PageError extends Error {
  /** A page whose shape is wrong: reported (log + metric + DLQ with the bytes) and retried later, never skipped. */
  constructor(
    message: string,
    readonly body: Buffer,
  ) {
    super(message);
    this.name = 'PageError';
  }
}

export interface PollerModule {
  /** Default base URL, e.g. https://api.openai.com/v1. */
  readonly defaultBaseUrl: string;
  /** Pages of the audit log / event feed after ctx.checkpoint (or from ctx.since), oldest first where the API allows. */
  pages?(ctx: PollContext): AsyncIterable<PolledPage>;
  /**
   * One complete inventory snapshot, all listings. Throwing (or a PageError) anywhere makes the
   * snapshot partial: its pages are still published as observations, but no removals are derived.
   */
  inventory?(ctx: PollContext): AsyncIterable<InventoryPage>;
  /** One line for `planewatch status` describing a checkpoint this module returned (default: its JSON). */
  describeCheckpoint?(checkpoint: unknown): string;
}
