// Collector: receives vendor webhooks, verifies them with the vendor module's scheme, wraps the
// exact bytes in a RawEnvelope and answers 2xx only after Kafka acknowledged it (acks=all).
// Anything rejected (401/400/404/413) produces nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { BoundaryMap, Connection } from '../../core/config/boundary-map.ts';
import type { SourceModule } from '../../source-kit/source-module.ts';
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import { BodyTooLargeError, ClientAbortedError, MAX_JSON_DEPTH, jsonDepthExceeds, readBody } from '../../core/http/body.ts';
import { sendError, sendJson } from '../../core/http/respond.ts';
import { webhookDeliveries, webhookLatency } from './metrics.ts';
import { redactSecrets, redactSecretsParsed } from '../../source-kit/redact.ts';
import { serveOpsRoute } from '../../core/http/ops-routes.ts';
import type { CheckResult } from '../../core/readiness.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter } from '../../core/http/rate-limit.ts';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface CollectorDeps {
  map: BoundaryMap;
  /** connection id → signing secret */
  secrets: ReadonlyMap<string, string>;
  sources: Readonly<Record<string, SourceModule>>;
  /** Resolves once the envelope is acknowledged by Kafka. */
  publish: (envelope: RawEnvelope) => Promise<void>;
  readiness: () => Promise<ReadinessReport>;
  /** /healthz: not ok when the process cannot heal itself (default: always ok). */
  liveness?: () => CheckResult;
  log: Logger;
  maxBodyBytes: number;
  /** How long a request waits for the Kafka acknowledgement before answering 503. */
  ackTimeoutMs: number;
  now?: () => number;
  /** API key of a connection (its api_key_env's value), for webhook handlers that fetch what a delivery refers to. */
  apiKeyOf?: (connection: Connection) => string | undefined;
  /** fetch used by enrichBody (the poll runner's retry policy in production). */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const WEBHOOK_PATH = /^\/webhooks\/([a-z0-9_-]+)\/([a-z0-9_-]+)\/?$/;

export function createCollectorHandler(deps: CollectorDeps): RequestHandler {
  const now = deps.now ?? Date.now;
  const connections = new Map<string, Connection>(
    deps.map.connections.filter((c) => c.enabled && c.transport === 'webhook').map((c) => [c.id, c]),
  );
  // Per-connection token bucket (core/http/rate-limit.ts), taken before the body is read.
  const limiter = new RateLimiter((id) => connections.get(id)?.rate_limit ?? DEFAULT_RATE_LIMIT, now);

  return (req, res) => {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0]!;
    if (serveOpsRoute(req, res, pathname, { readiness: deps.readiness, liveness: deps.liveness })) return;
    const m = WEBHOOK_PATH.exec(pathname);
    if (!m) return sendError(res, 404, 'not_found', `no such endpoint: ${pathname}`);
    const [, vendor, connectionId] = m as unknown as [string, string, string];
    void handleWebhook(req, res, vendor, connectionId).catch((err: unknown) => {
      deps.log.error({ err, vendor, connection: connectionId }, 'webhook handler failed');
      if (!res.headersSent) {
        const known = connections.get(connectionId)?.vendor === vendor;
        webhookDeliveries.inc({
          source: known ? vendor : 'unknown',
          connection: known ? connectionId : 'unknown',
          status: '500',
          reason: 'internal',
        });
        sendError(res, 500, 'internal', 'internal error');
      }
    });
  };

  async function handleWebhook(req: IncomingMessage, res: ServerResponse, vendor: string, connectionId: string) {
    const started = process.hrtime.bigint();
    const connection = connections.get(connectionId);
    const source = deps.sources[vendor];
    const known = connection !== undefined && connection.vendor === vendor && source?.webhook !== undefined;
    // Metric labels only from the boundary map: a URL must not mint new label values (series).
    const labels = known ? { source: vendor, connection: connectionId } : { source: 'unknown', connection: 'unknown' };
    const answer = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      webhookDeliveries.inc({ ...labels, status: String(status), reason: status < 300 ? 'accepted' : code });
      if (status >= 400) {
        req.resume();
        sendError(res, status, code, message, headers);
      } else sendJson(res, status, { status: 'accepted', id: code }, headers);
      webhookLatency.observe({ source: labels.source }, Number(process.hrtime.bigint() - started) / 1e9);
    };

    if (!known || !connection || !source?.webhook) {
      return answer(404, 'unknown_connection', `no webhook connection "${connectionId}" for vendor "${vendor}" in the boundary map`);
    }
    const allowed = limiter.take(connection.id);
    if (!allowed.ok) {
      return answer(
        429,
        'rate_limited',
        `connection "${connection.id}" is above its rate limit (${connection.rate_limit.per_second}/s, burst ${connection.rate_limit.burst}); retry later`,
        {
          'retry-after': String(allowed.retryAfterSeconds),
          connection: 'close',
        },
      );
    }
    const secret = deps.secrets.get(connection.id);
    if (!secret) return answer(503, 'not_configured', `connection "${connection.id}" has no secret loaded`);
    if (req.method !== 'POST') {
      const hs = source.webhook.handshake?.({ method: req.method ?? 'GET', headers: req.headers, secret }) ?? null;
      if (!hs) return answer(405, 'method_not_allowed', 'webhooks accept POST only', { allow: 'POST' });
      webhookDeliveries.inc({ ...labels, status: String(hs.status), reason: 'handshake' });
      req.resume();
      return sendJson(res, hs.status, hs.body);
    }

    let body: Buffer;
    try {
      body = await readBody(req, deps.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return answer(413, 'too_large', err.message, { connection: 'close' });
      if (err instanceof ClientAbortedError) {
        // Nobody is left to answer: counted (499, as nginx logs it) and logged at info, not as an internal error.
        webhookDeliveries.inc({ ...labels, status: '499', reason: 'client_aborted' });
        deps.log.info({ vendor, connection: connectionId }, 'client hung up before the delivery body was complete');
        return;
      }
      throw err;
    }

    const verdict = await source.webhook.verify({
      headers: req.headers,
      rawBody: body,
      secret,
      nowMs: now(),
      toleranceMs: connection.signature_tolerance,
    });
    if (!verdict.ok) {
      deps.log.warn({ vendor, connection: connectionId, reason: verdict.error }, 'webhook rejected');
      return answer(verdict.status, verdict.status === 401 ? 'unauthorized' : 'bad_request', verdict.error);
    }
    // Fault-suite fix (test/fuzz/webhooks.test.ts): a body nested deeper than any vendor sends made
    // the recursive redaction below overflow the stack (500). Refused before anything walks it.
    if (jsonDepthExceeds(body)) return answer(400, 'malformed', `body: nested deeper than ${MAX_JSON_DEPTH} levels`);
    // Secrets leave the body here, for every vendor by one policy (source-kit/redact.ts): the
    // signature was checked over the original bytes above, and nothing below (envelope, Kafka,
    // ClickHouse, dead letters) ever sees them.
    const redacted = redactSecretsParsed(body);
    body = redacted.body;
    const bodyProblem = source.webhook.checkBody(body, redacted.parsed);
    if (bodyProblem) return answer(400, 'malformed', bodyProblem);
    if (source.webhook.enrichBody) {
      try {
        // What the vendor's API returned goes through the same policy before anything sees it.
        body = redactSecrets(
          await source.webhook.enrichBody(body, {
            apiKey: deps.apiKeyOf?.(connection),
            baseUrl: connection.base_url,
            fetch: deps.fetch ?? fetch,
          }),
        );
      } catch (err) {
        // The message never holds the API key (the vendor module scrubs it); the vendor retries.
        deps.log.warn({ vendor, connection: connectionId, reason: (err as Error).message }, 'webhook enrichment failed');
        return answer(503, 'enrichment_failed', `could not fetch what the delivery refers to: ${(err as Error).message}`, {
          'retry-after': '30',
        });
      }
    }

    const headers: Record<string, string> = {};
    for (const name of source.webhook.keepHeaders) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v.slice(0, 512);
    }
    const envelope: RawEnvelope = {
      id: rawEnvelopeId(vendor, connection.id, body),
      source: vendor,
      connection_id: connection.id,
      received_at: now(),
      transport: 'webhook',
      content_type: typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : null,
      headers,
      body,
      verification: verdict.verification,
    };

    const acked = await withTimeout(deps.publish(envelope), deps.ackTimeoutMs);
    if (acked === 'timeout') {
      // Never 2xx for a delivery Kafka has not acknowledged: the vendor will retry, and a late
      // acknowledgement of this one is deduplicated downstream by its stable ids.
      return answer(503, 'broker_unavailable', 'the event bus did not acknowledge the delivery in time; retry later', {
        'retry-after': '5',
      });
    }
    if (acked instanceof Error && isMessageTooLarge(acked)) {
      // Fault-suite fix: the broker refuses this envelope for its size (message.max.bytes below
      // PLANEWATCH_MAX_BODY_BYTES + envelope overhead). Retrying can never succeed: 413, not 503.
      deps.log.warn({ connection: connectionId, bytes: body.length }, 'delivery refused by the broker as too large');
      return answer(413, 'too_large', "the delivery is larger than the event bus accepts (the broker's message.max.bytes)", {
        connection: 'close',
      });
    }
    if (acked instanceof Error) {
      deps.log.warn({ err: acked, connection: connectionId }, 'publish failed');
      return answer(503, 'broker_unavailable', 'the event bus is unavailable; retry later', { 'retry-after': '5' });
    }
    return answer(202, envelope.id, 'accepted');
  }
}

async function withTimeout(p: Promise<void>, ms: number): Promise<'ok' | 'timeout' | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => 'ok' as const,
        (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** kafkajs reports the broker's MESSAGE_TOO_LARGE as a protocol error, possibly wrapped (cause chain). */
export function isMessageTooLarge(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE') return true;
  }
  return false;
}
