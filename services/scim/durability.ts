// The durability protocol of a SCIM change, and the per-connection lock it runs under.
//
// A change is durable before it is acknowledged, in this order, under the connection's lock:
//   1. compute the new state (change.ts: validation, uniqueness, version = previous + 1);
//   2. fence the writer lease, if any (standby.ts: the coordinator must still accept this process
//      as the one SCIM writer, else 503 and nothing is changed), then publish its RawEnvelope and
//      wait for Kafka's acknowledgement (acks=all);
//   3. write the new version to ClickHouse (scim_resources), retried with backoff;
//   4. answer 2xx.
// Why Kafka first: the event stream is the record the detections use. Had the state been written
// first, a Kafka failure after it would leave a change with no event, and the client's retry
// would then find nothing to change (a PATCH active=false again is a no-op): the deprovision
// signal would be lost for good. With Kafka first, a failure before the ack changes nothing
// (503, the client retries); a failure of the state write after the ack answers 503 and logs an
// error (metric planewatch_scim_state_write_failures_total) — the client's retry recomputes the
// same version from the same previous state, so it yields the same event id (deduplicated
// downstream) and then writes the state: the two converge. When Kafka is slower than the
// request's ack timeout the client gets 503 at once, but the lock is held until the publish
// settles: if it is acknowledged late the state is written then, so state and events still agree.
import type { Logger } from 'pino';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { ScimError } from './errors.ts';
import type { Reply } from './http/reply.ts';
import { standbyError } from './standby.ts';
import { scimStateWriteFailures } from './metrics.ts';
import type { ScimStore, WriteRow } from './store.ts';

export interface DurabilityDeps {
  store: ScimStore;
  /** Resolves once Kafka acknowledged the envelope. */
  publish: (envelope: RawEnvelope) => Promise<void>;
  log: Logger;
  /** How long a request waits for the Kafka acknowledgement before answering 503. */
  ackTimeoutMs: number;
  /** Delays between attempts of the state write after the Kafka ack. */
  stateWriteRetryDelaysMs: readonly number[];
  /** The writer lease's fence, checked right before the publish; false answers 503 (standby). */
  fence?: () => Promise<boolean>;
}

/** One computed change: its event and its new state row. */
export interface PendingChange {
  envelope: RawEnvelope;
  row: WriteRow;
}

/** How long a publish that outlasted the ack timeout may still take before it counts as failed. */
const LATE_ACK_LIMIT_MS = 120_000;

type Settled = { kind: 'ok' } | { kind: 'timeout' } | { kind: 'error'; err: Error };

function withTimeout<T>(p: Promise<T>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => ({ kind: 'ok' as const }),
      (err: unknown) => ({ kind: 'error' as const, err: err instanceof Error ? err : new Error(String(err)) }),
    ),
    new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Durability {
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly deps: DurabilityDeps) {}

  /** Runs `fn` once every earlier call with the same key has finished (a FIFO lock per key). */
  async serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /**
   * Publishes the change, then writes its state (steps 2 and 3). True when the client still awaits
   * its answer; false when it was already answered 503 through `send` (ack timeout).
   */
  async commit(change: PendingChange, send: (reply: Reply) => void): Promise<boolean> {
    const { row } = change;
    const where = { connection: row.connectionId, resource_type: row.type, id: row.id, version: row.version, raw_id: change.envelope.id };
    const ack = await this.acknowledged(change.envelope, where, send);
    if (ack === 'never') return false;
    await this.writeState(row, where);
    return ack === 'in-time';
  }

  private async acknowledged(
    envelope: RawEnvelope,
    where: Record<string, unknown>,
    send: (reply: Reply) => void,
  ): Promise<'in-time' | 'late' | 'never'> {
    if (this.deps.fence && !(await this.deps.fence())) {
      this.deps.log.warn(where, 'SCIM change not published: this instance lost the SCIM writer lease; nothing was changed');
      throw standbyError();
    }
    const publishing = this.deps.publish(envelope);
    const acked = await withTimeout(publishing, this.deps.ackTimeoutMs);
    if (acked.kind === 'ok') return 'in-time';
    if (acked.kind === 'error') {
      this.deps.log.warn({ ...where, err: acked.err }, 'SCIM change not published: nothing was changed');
      throw new ScimError(503, null, 'the event bus is unavailable; nothing was changed, retry later', { 'retry-after': '5' });
    }
    // Answer now, but keep the lock until the publish settles so state and events agree.
    send({
      status: 503,
      body: new ScimError(503, null, 'the event bus did not acknowledge the change in time; retry later').body(),
      headers: { 'retry-after': '5' },
    });
    const late = await withTimeout(publishing, LATE_ACK_LIMIT_MS);
    if (late.kind !== 'ok') {
      this.deps.log.warn({ ...where, outcome: late.kind }, 'SCIM change not published (ack timeout): nothing was changed');
      return 'never';
    }
    this.deps.log.warn(where, 'SCIM change acknowledged by Kafka after the client was answered 503: writing its state now');
    return 'late';
  }

  /** The state write, retried: the event is already durable. */
  private async writeState(row: WriteRow, where: Record<string, unknown>): Promise<void> {
    const delays = this.deps.stateWriteRetryDelaysMs;
    let lastErr: unknown;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      try {
        await this.deps.store.write(row);
        return;
      } catch (err) {
        lastErr = err;
        if (attempt < delays.length) await sleep(delays[attempt]!);
      }
    }
    scimStateWriteFailures.inc({ connection: row.connectionId });
    this.deps.log.error(
      { ...where, err: lastErr },
      'SCIM state write failed after its change event was acknowledged by Kafka: state lags the event stream until the client retries (same version, same event id)',
    );
    throw new ScimError(503, null, 'the state store is unavailable; retry later', { 'retry-after': '5' });
  }
}
