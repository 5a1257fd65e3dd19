// The contract every vendor module under sources/<vendor>/ implements. The collector, normalizer
// and pollers only know this interface; adding a vendor adds a module and one line in
// sources/registry.ts, nothing else.
import type { IncomingHttpHeaders } from 'node:http';
import type { MappedEvent, Plane } from '../core/events/identity-event.ts';
import type { PollerModule } from './poller.ts';
import type { JsonBodyParse } from './json-body.ts';

export interface Verification {
  /** e.g. 'workos-hmac-sha256', 'static-secret', 'bearer', 'none' */
  scheme: string;
  verified: boolean;
  /** Non-secret detail worth keeping as evidence, e.g. the signature timestamp. */
  detail: string | null;
}

export interface WebhookVerifyInput {
  headers: IncomingHttpHeaders;
  /** The exact bytes received; signatures are computed over these, never over re-serialized JSON. */
  rawBody: Buffer;
  secret: string;
  nowMs: number;
  /** Allowed clock difference in both directions. */
  toleranceMs: number;
}

export type WebhookVerdict = { ok: true; verification: Verification } | { ok: false; status: 400 | 401; error: string };

/** A vendor's one-time endpoint verification (e.g. Okta's GET with X-Okta-Verification-Challenge). */
export interface HandshakeInput {
  method: string;
  headers: IncomingHttpHeaders;
  secret: string;
}

export interface WebhookHandler {
  /**
   * Answers a non-POST verification request; return null when the request is not a handshake
   * (the collector then answers 405). Authenticate it like a delivery where the vendor allows.
   */
  handshake?(input: HandshakeInput): { status: number; body: unknown } | null;
  verify(input: WebhookVerifyInput): WebhookVerdict | Promise<WebhookVerdict>;
  /** Lower-case names of request headers worth keeping in the raw envelope (never secrets). */
  keepHeaders: readonly string[];
  /**
   * Checks the body is something this vendor could have sent (e.g. a JSON object with an id and
   * a type) before it is acknowledged; return an error message to answer 400. `parsed`, when
   * given, is `parseJsonBody(rawBody)` already computed by the caller (the collector's redaction
   * parsed the body): a check that reads JSON uses it instead of parsing the body again.
   */
  checkBody(rawBody: Buffer, parsed?: JsonBodyParse): string | null;
  /**
   * For a vendor whose delivery only points at an object (GitHub's secret_scanning_alert carries no
   * secret): fetches what the delivery refers to from the vendor's API with the connection's API
   * key and returns the body to publish instead (already free of secrets). Called after verify()
   * and checkBody(). Throwing answers 503 so the vendor (or an operator) redelivers; the vendor's
   * poller catches up in any case.
   */
  enrichBody?(rawBody: Buffer, ctx: EnrichContext): Promise<Buffer>;
}

export interface EnrichContext {
  /** Value of the connection's api_key_env; undefined when the connection names none. */
  apiKey: string | undefined;
  /** connection.base_url or the module's default. */
  baseUrl: string | undefined;
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

export interface NormalizeInput {
  body: Buffer;
  contentType: string | null;
  transport: string;
  receivedAt: number;
  rawId: string;
  /** Boundary-map connection the envelope came through (always set by the normalizer; optional for direct callers). */
  connectionId?: string;
}

/** One item of a delivery or page that could not be mapped: goes to the DLQ with this reason. */
export interface RejectedItem {
  reason: string;
  /** The offending vendor item (re-serialized), for the dead-letter payload. */
  item: unknown;
}

export interface NormalizeOutcome {
  events: MappedEvent[];
  rejected: RejectedItem[];
}

/** Realistic sample deliveries for `planewatch send-sample <vendor>`, signed the vendor's way. */
export interface SampleDeliveries {
  events(nowMs: number): { description: string; body: string }[];
  /** Headers that authenticate `body` for this vendor's webhook scheme. */
  sign(body: string, secret: string, nowMs: number): Record<string, string>;
}

export interface SourceModule {
  /** Vendor name as used in URLs and the boundary map: 'workos', 'okta', ... */
  readonly name: string;
  /** Plane used when the boundary map says nothing more specific. */
  readonly defaultPlane: Plane;
  readonly webhook?: WebhookHandler;
  readonly samples?: SampleDeliveries;
  /** API polling (transport 'poll' / 'inventory' in the boundary map). */
  readonly poller?: PollerModule;
  /**
   * Pure: maps one envelope body to identity events. Throws only for a body that is unusable as a
   * whole (not JSON, wrong envelope shape); per-item problems go in `rejected` so the rest of a
   * page still flows.
   */
  normalize(input: NormalizeInput): NormalizeOutcome;
}
