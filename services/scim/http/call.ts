// The parts of an HTTP request an endpoint needs once the connection is known and authenticated.
import type { IncomingMessage } from 'node:http';
import { ScimError } from '../errors.ts';

export interface HttpCall {
  req: IncomingMessage;
  /** Upper-cased request method. */
  method: string;
  /** Path below the connection's base, without trailing slashes ("/" at the base itself). */
  rest: string;
  params: URLSearchParams;
}

/** 405 with Allow when the method is not one of `allowed`. */
export function allowOnly(call: HttpCall, allowed: string[]): void {
  if (!allowed.includes(call.method)) {
    throw new ScimError(405, null, `${call.method} is not supported on ${call.rest}; use ${allowed.join(', ')}`, {
      allow: allowed.join(', '),
    });
  }
}

/** A request header as one string, or null. */
export function headerOf(call: HttpCall, name: string): string | null {
  const v = call.req.headers[name];
  return typeof v === 'string' ? v : null;
}
