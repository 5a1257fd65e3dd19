// One SCIM writer per store: with several SCIM processes only the holder of the 'scim-writer'
// lease (core/kafka/lease.ts) writes. A standby answers every write with 503 and Retry-After: 1
// (the IdP retries, by then against the active instance or after the handover) and keeps serving
// reads; the holder fences the lease right before publishing a change (durability.ts).
import type { Lease } from '../../core/kafka/lease.ts';
import { ScimError } from './errors.ts';
import type { Reply } from './http/reply.ts';

/** What the SCIM service needs of its lease. */
export type WriterLease = Pick<Lease, 'holds' | 'fence'>;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** POST, PUT, PATCH and DELETE change resources; POST .search (RFC 7644 §3.4.3) is a query. */
export function isWrite(method: string, rest: string): boolean {
  return WRITE_METHODS.has(method) && !/(^|\/)\.search$/i.test(rest);
}

export function standbyError(): ScimError {
  return new ScimError(
    503,
    null,
    'this instance is on standby: another instance holds the SCIM writer lease and accepts writes; retry shortly (reads are served here)',
    { 'retry-after': '1' },
  );
}

export function standbyReply(): Reply {
  const err = standbyError();
  return { status: err.status, body: err.body(), headers: err.headers };
}
