// A lease held through Kafka, so that among several processes of one role (the detector, the SCIM
// writer, the migrator) one is active and the others stand by. Each role has a single-partition
// topic and a consumer group (topics.ts leaseTopic / leaseGroup); the member assigned partition 0
// leads. The sticky assigner (lease-assigner.ts) keeps partition 0 with its holder while it lives,
// so a standby joining does not move it; the coordinator hands it over once the holder's session
// expired (a crash, a freeze, a partition).
//
// Two never act at once:
// - the holder counts its validity from when it SENT its last successful Heartbeat (or the JoinGroup
//   that gave it the partition), plus the session timeout, minus a margin (lease-validity.ts): the
//   coordinator cannot have given the partition away before then;
// - on a rebalance, a refused or timed-out heartbeat, a refused fence commit, a crash or a stop
//   the lease is dropped at once, before kafkajs rejoins;
// - fence() asks the coordinator right before a side effect: it commits an offset on the lease
//   partition with this member's generation, which the coordinator rejects once the generation is
//   stale (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS).
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Consumer, Kafka } from 'kafkajs';
import { logger as rootLogger, type Logger } from '../log.ts';
import { ensureTopics } from './client.ts';
import { stickyLeaseAssigner, type LeaseClaim } from './lease-assigner.ts';
import { leaseChanges, leaseLeader } from './lease-metrics.ts';
import { DEFAULT_LEASE_SESSION_TIMEOUT_MS, defaultHeartbeatInterval, defaultMargin, toMonotonic, validUntil } from './lease-validity.ts';
import { leaseGroup, leaseTopic } from './topics.ts';

/** What a caller of a lease needs: is it mine now, and may I act (checked with the coordinator)? */
export interface Lease {
  readonly role: string;
  /** True only while this process is assigned the lease partition AND within its validity. */
  holds(): boolean;
  /** Right before a side effect that must not happen twice: true only if the coordinator still accepts this member's generation and the lease is still valid. */
  fence(): Promise<boolean>;
  /** Resolves true once this process holds the lease, false when `timeoutMs` passed first. */
  waitUntilLeading(timeoutMs?: number): Promise<boolean>;
  on(event: 'acquired' | 'lost', listener: () => void): this;
  off(event: 'acquired' | 'lost', listener: () => void): this;
}

export interface KafkaLeaseOptions {
  /** Consumer session timeout (PLANEWATCH_LEASE_SESSION_TIMEOUT_MS); default 10 s. The broker bounds it (group.min.session.timeout.ms, 6 s by default). */
  sessionTimeoutMs?: number;
  /** Default: a sixth of the session timeout, at most 1 s. */
  heartbeatIntervalMs?: number;
  /** Subtracted from every validity; default 15 % of the session timeout, at least 500 ms. */
  marginMs?: number;
  log?: Logger;
  /** Monotonic clock (ms); default performance.now. */
  now?: () => number;
}

type TrackedRequest = 'Heartbeat' | 'JoinGroup';
/** The reason of a loss this process chose (stop / withLease done): logged at info, not warn. */
const RELEASED = 'released (stopping)';

export class KafkaLease extends EventEmitter implements Lease {
  readonly topic: string;
  readonly groupId: string;
  private readonly sessionTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly marginMs: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private consumer: Consumer | null = null;
  /** Assigned partition 0 in the current generation (set at each join; cleared on crash and stop). */
  private assigned = false;
  /** Reset to -Infinity by every drop: only a proof sent after the drop (heartbeat, join) renews it. */
  private validUntil = -Infinity;
  private droppedAt = -Infinity;
  /** What the assigner is told: held until this instant, even across the rebalance that dropped it. */
  private claimUntil = -Infinity;
  private generation = -1;
  private heldGeneration = -1;
  /** Monotonic send time of the last request of each kind whose outcome is not known yet. */
  private readonly sent = new Map<TrackedRequest, number>();
  /** Successful commits on the lease partition, counted from kafkajs's COMMIT_OFFSETS event. */
  private commits = 0;
  /** Bumped on every gain and loss: a fence spanning a change does not count. */
  private epoch = 0;
  private leading = false;
  private expiry: NodeJS.Timeout | undefined;
  private joinedOnce!: () => void;
  private readonly firstJoin = new Promise<void>((resolve) => {
    this.joinedOnce = resolve;
  });

  constructor(
    private readonly kafka: Kafka,
    readonly role: string,
    opts: KafkaLeaseOptions = {},
  ) {
    super();
    this.topic = leaseTopic(role);
    this.groupId = leaseGroup(role);
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? DEFAULT_LEASE_SESSION_TIMEOUT_MS;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? defaultHeartbeatInterval(this.sessionTimeoutMs);
    this.marginMs = opts.marginMs ?? defaultMargin(this.sessionTimeoutMs);
    this.log = (opts.log ?? rootLogger).child({ lease: role });
    this.now = opts.now ?? (() => performance.now());
    leaseLeader.set({ role }, 0);
  }

  /**
   * Creates the topic if needed and joins the group. Resolves after the first join (this process
   * then leads or stands by), or after `joinWaitMs` (a join can wait for a dead member's session
   * to expire); the lease keeps trying either way.
   */
  async start(joinWaitMs = this.sessionTimeoutMs + 5000): Promise<void> {
    await ensureTopics(this.kafka, [{ topic: this.topic, numPartitions: 1 }]);
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: this.sessionTimeoutMs,
      // A member that does not rejoin within this is removed; no longer than the session, so a
      // handover never waits on it more than on a session expiry.
      rebalanceTimeout: this.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs,
      // The fetch loop heartbeats after each empty fetch: the topic stays empty, so this paces them.
      maxWaitTimeInMs: this.heartbeatIntervalMs,
      partitionAssigners: [stickyLeaseAssigner(() => this.claim())],
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => true },
    });
    this.consumer = consumer;
    this.listen(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: false });
    await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstJoin, new Promise<void>((resolve) => (timer = setTimeout(resolve, joinWaitMs)))]);
    clearTimeout(timer);
  }

  holds(): boolean {
    return this.assigned && this.now() < this.validUntil;
  }

  async fence(): Promise<boolean> {
    const consumer = this.consumer;
    if (!consumer || !this.holds()) return false;
    const epoch = this.epoch;
    const commitsBefore = this.commits;
    let timer: NodeJS.Timeout | undefined;
    try {
      // kafkajs commits with the generation and member id of its current assignment; the broker
      // accepts an offset past the log end, so the topic never needs a message.
      await Promise.race([
        consumer.commitOffsets([{ topic: this.topic, partition: 0, offset: '0' }]),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('fence commit outlasted the lease validity')),
            Math.max(0, this.validUntil - this.now()),
          );
        }),
      ]);
    } catch (err) {
      if (this.epoch === epoch) this.drop('fence rejected by the coordinator', err);
      return false;
    } finally {
      clearTimeout(timer);
    }
    // commitOffsets also resolves without sending anything once the consumer stops: only kafkajs's
    // COMMIT_OFFSETS event proves the coordinator accepted it.
    return this.commits > commitsBefore && this.epoch === epoch && this.holds();
  }

  waitUntilLeading(timeoutMs = Infinity): Promise<boolean> {
    if (this.holds()) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAcquired = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.once('acquired', onAcquired);
      if (Number.isFinite(timeoutMs))
        timer = setTimeout(() => {
          this.off('acquired', onAcquired);
          resolve(false);
        }, timeoutMs);
    });
  }

  /** Drops the lease and leaves the group, so a standby takes over without waiting for a session to expire. */
  async stop(): Promise<void> {
    this.claimUntil = -Infinity;
    this.assigned = false;
    this.drop(RELEASED);
    const consumer = this.consumer;
    this.consumer = null;
    clearTimeout(this.expiry);
    await consumer?.disconnect();
  }

  private claim(): LeaseClaim {
    return { holding: this.now() < this.claimUntil, generation: this.heldGeneration };
  }

  private listen(consumer: Consumer): void {
    const { REQUEST, REQUEST_TIMEOUT, HEARTBEAT, GROUP_JOIN, COMMIT_OFFSETS, REBALANCING, CRASH, STOP, DISCONNECT } = consumer.events;
    consumer.on(REQUEST, ({ payload }) => {
      // Emitted when the response arrives, before it is parsed: whether it succeeded is only known
      // from the HEARTBEAT / GROUP_JOIN event that follows (kafkajs sends one of each at a time).
      if (payload.apiName !== 'Heartbeat' && payload.apiName !== 'JoinGroup') return;
      const sentAt = toMonotonic(payload.sentAt, Date.now(), this.now());
      this.sent.set(payload.apiName, sentAt);
      // A heartbeat that succeeded has emitted HEARTBEAT within the same run of microtasks (kafkajs
      // parses and reports it without waiting on anything); one still pending after them was
      // refused (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, ...).
      if (payload.apiName === 'Heartbeat')
        setImmediate(() => {
          if (this.sent.get('Heartbeat') !== sentAt) return;
          this.sent.delete('Heartbeat');
          this.drop('heartbeat refused by the coordinator');
        });
    });
    consumer.on(REQUEST_TIMEOUT, ({ payload }) => {
      if (payload.apiName === 'Heartbeat') this.drop('heartbeat timed out');
    });
    consumer.on(HEARTBEAT, ({ payload }) => {
      this.generation = payload.groupGenerationId;
      const sentAt = this.sent.get('Heartbeat');
      this.sent.delete('Heartbeat');
      if (this.assigned && sentAt !== undefined) this.extend(sentAt);
    });
    consumer.on(GROUP_JOIN, ({ payload }) => {
      const sentAt = this.sent.get('JoinGroup');
      this.sent.delete('JoinGroup');
      this.assigned = (payload.memberAssignment[this.topic] ?? []).includes(0);
      // A new generation: its validity counts from this join (sent after any drop of the previous
      // generation: kafkajs rejoins after it), whatever the previous one reached.
      this.validUntil = -Infinity;
      this.droppedAt = -Infinity;
      if (this.assigned && sentAt !== undefined) this.extend(sentAt);
      else this.update('rejoined without the lease partition');
      this.joinedOnce();
    });
    consumer.on(COMMIT_OFFSETS, ({ payload }) => {
      this.generation = payload.groupGenerationId;
      this.commits++;
    });
    consumer.on(REBALANCING, () => this.drop('the group is rebalancing'));
    consumer.on(CRASH, ({ payload }) => this.unassign('the lease consumer crashed', payload.error));
    consumer.on(STOP, () => this.unassign('the lease consumer stopped'));
    consumer.on(DISCONNECT, () => this.unassign('the lease consumer disconnected'));
  }

  private extend(proofSentAt: number): void {
    if (proofSentAt <= this.droppedAt) return; // sent before the drop: it proves nothing after it
    const until = validUntil(proofSentAt, this.sessionTimeoutMs, this.marginMs);
    if (until > this.validUntil) this.validUntil = until;
    this.claimUntil = this.validUntil;
    if (this.generation >= 0) this.heldGeneration = this.generation;
    this.update('validity extended');
  }

  /**
   * Stops acting now. The assignment stands: a heartbeat sent after this that succeeds proves the
   * member still holds partition 0 in the same generation (the coordinator refuses a stale one),
   * so a transient error does not cost the lease until the next rebalance.
   */
  private drop(reason: string, err?: unknown): void {
    this.validUntil = -Infinity;
    this.droppedAt = this.now();
    this.update(reason, err);
  }

  /** Drops the lease and forgets the assignment (the consumer crashed or stopped: a join decides again). */
  private unassign(reason: string, err?: unknown): void {
    this.assigned = false;
    this.drop(reason, err);
  }

  /** Emits 'acquired' / 'lost' when holds() changed, and re-checks when the validity runs out. */
  private update(reason: string, err?: unknown): void {
    const leading = this.holds();
    clearTimeout(this.expiry);
    if (leading) {
      this.expiry = setTimeout(() => this.update('validity ran out (no successful heartbeat in time)'), this.validUntil - this.now() + 1);
      this.expiry.unref();
    }
    if (leading === this.leading) return;
    this.leading = leading;
    this.epoch++;
    leaseLeader.set({ role: this.role }, leading ? 1 : 0);
    leaseChanges.inc({ role: this.role });
    if (leading) {
      this.log.info({ group: this.groupId, generation: this.generation }, `lease acquired: this process is the active ${this.role}`);
      this.emit('acquired');
    } else {
      const level = reason === RELEASED ? 'info' : 'warn';
      this.log[level]({ group: this.groupId, reason, ...(err ? { err } : {}) }, `lease lost: this process stands by as ${this.role}`);
      this.emit('lost');
    }
  }
}

/**
 * A lease for `role`, started: joined its group (leading or standing by), or still joining after
 * `joinWaitMs` (default: session + 5 s; a restart right after a crash waits for the old member's
 * session to expire, and a caller may prefer to go on as a standby meanwhile).
 */
export async function startLease(kafka: Kafka, role: string, opts: KafkaLeaseOptions & { joinWaitMs?: number } = {}): Promise<KafkaLease> {
  const lease = new KafkaLease(kafka, role, opts);
  await lease.start(opts.joinWaitMs);
  return lease;
}

/**
 * A mutex across processes: waits until this process holds the lease of `role` (and the
 * coordinator confirms it), runs `fn`, then leaves the group so the next waiter gets it.
 */
export async function withLease<T>(kafka: Kafka, role: string, fn: () => Promise<T>, opts: KafkaLeaseOptions = {}): Promise<T> {
  const lease = new KafkaLease(kafka, role, opts);
  try {
    await lease.start(0);
    while (!(await lease.waitUntilLeading()) || !(await lease.fence())) {
      // Lost again before the fence: wait for the next turn.
    }
    return await fn();
  } finally {
    await lease.stop();
  }
}
