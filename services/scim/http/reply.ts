// Answers of the SCIM service provider: the reply shape every endpoint returns, its rendering as
// application/scim+json, and how a thrown error becomes an answer (RFC 7644 §3.12 body, 499 for a
// client that hung up, 500 for anything unexpected). Each request is answered at most once: a
// change may answer 503 early (its publish outlasted the ack timeout) and finish afterwards.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ClientAbortedError } from '../../../core/http/body.ts';
import { ScimError } from '../errors.ts';
import { scimRequests } from '../metrics.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Responder {
  send: (reply: Reply) => void;
  fail: (err: unknown) => void;
}

interface ResponderOptions {
  req: IncomingMessage;
  res: ServerResponse;
  log: Logger;
  now: () => number;
  /** Connection id from the URL, for logs. */
  connectionId: string;
  /** Metric label: the connection id if configured, else "unknown" (a URL must not mint label values). */
  label: string;
  path: string;
}

function writeReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': SCIM_CONTENT_TYPE, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** send / fail for one request: counted by status, logged, answered once. */
export function createResponder(o: ResponderOptions): Responder {
  const started = o.now();
  const method = o.req.method ?? '-';
  let answered = false;
  const send = (reply: Reply) => {
    if (answered || o.res.headersSent) return;
    answered = true;
    scimRequests.inc({ connection: o.label, method, status: String(reply.status) });
    writeReply(o.res, reply);
    o.log.debug(
      { connection: o.connectionId, method: o.req.method, path: o.path, status: reply.status, ms: o.now() - started },
      'scim request',
    );
  };
  const where = { connection: o.connectionId, method: o.req.method, path: o.path };
  const fail = (err: unknown) => {
    if (err instanceof ScimError) {
      if (err.status >= 500) o.log.warn({ ...where, status: err.status, detail: err.detail }, 'scim request failed');
      o.req.resume();
      return send({ status: err.status, body: err.body(), headers: err.headers });
    }
    if (err instanceof ClientAbortedError) {
      // Nobody is left to answer: counted as 499 and logged at info, not as an internal error.
      answered = true;
      scimRequests.inc({ connection: o.label, method, status: '499' });
      o.log.info(where, 'client hung up before the request body was complete');
      return;
    }
    o.log.error({ err, ...where }, 'scim handler failed');
    o.req.resume();
    return send({ status: 500, body: new ScimError(500, null, 'internal error').body() });
  };
  return { send, fail };
}
