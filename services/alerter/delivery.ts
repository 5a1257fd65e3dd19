// One notification to one channel: skip if already finished, else attempt with exponential backoff
// and jitter on 5xx / 429 / timeouts / network errors (Retry-After honoured), no retry on other
// 4xx; every attempt is logged; the final state (delivered | dead) is recorded before returning, so
// before the caller commits the Kafka offset.
import type { Logger } from 'pino';
import { alertAttempts, alertDeliveries } from './metrics.ts';
import type { Notification } from './message.ts';
import { notificationId } from './message.ts';
import { backoffMs, isRetryable, retryAfterMs, type AttemptOutcome } from './routing.ts';
import type { ResolvedChannel } from './channels.ts';
import type { DeliveryStore, FinalState, NotificationRow } from './store.ts';

export interface DeliveryPolicy {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
}

export interface DeliveryDeps {
  store: DeliveryStore;
  policy: DeliveryPolicy;
  log: Logger;
  now: () => number;
  fetch: typeof fetch;
  random: () => number;
  findingUrl?: string;
  /** Waits ms; rejects when the alerter stops (the delivery is then left unfinished and re-consumed later). */
  sleep: (ms: number) => Promise<void>;
  /** Called on a dead notification (publishes the dead letter). */
  onDead?: (n: Notification, channel: ResolvedChannel, reason: string) => Promise<void>;
}

export type DeliveryResult = { state: FinalState | 'duplicate'; attempts: number; lastStatus: number; lastError: string };

function describe(o: AttemptOutcome): string {
  if (o.kind === 'ok') return '';
  if (o.kind === 'network') return o.error;
  return `HTTP ${o.status}`;
}

export function finalRow(
  n: Notification,
  channel: ResolvedChannel,
  state: FinalState,
  attempts: number,
  status: number,
  error: string,
  created: number,
  finished: number,
): NotificationRow {
  const f = n.finding;
  return {
    notification_id: notificationId(n.key, channel.name),
    transition_key: n.key,
    fingerprint: f.fingerprint,
    kind: n.kind,
    transition: n.transition,
    evaluation_id: n.evaluation_id,
    detection: f.detection,
    severity: f.severity,
    plane: f.plane,
    subject_id: f.subject.id,
    subject_email: f.subject.email ?? '',
    channel: channel.name,
    channel_type: channel.type,
    state,
    attempts,
    http_status: status,
    last_error: error,
    created_at: created,
    finished_at: finished,
  };
}

export async function deliver(n: Notification, channel: ResolvedChannel, deps: DeliveryDeps): Promise<DeliveryResult> {
  const id = notificationId(n.key, channel.name);
  const already = await deps.store.finalState(id);
  if (already) {
    alertDeliveries.inc({ channel_type: channel.type, outcome: 'duplicate' });
    deps.log.debug({ notification: id, channel: channel.name, state: already }, 'notification already finished: not sent again');
    return { state: 'duplicate', attempts: 0, lastStatus: 0, lastError: '' };
  }
  const created = deps.now();
  let lastStatus: number;
  let lastError: string;
  for (let attempt = 1; attempt <= deps.policy.maxAttempts; attempt++) {
    const started = performance.now();
    const outcome = await channel.send(n, {
      now: deps.now,
      timeoutMs: deps.policy.timeoutMs,
      fetch: deps.fetch,
      log: deps.log,
      findingUrl: deps.findingUrl,
      attempt,
    });
    const latency = Math.round(performance.now() - started);
    lastStatus = outcome.kind === 'network' ? 0 : outcome.status;
    lastError = describe(outcome);
    const retry = isRetryable(outcome) && attempt < deps.policy.maxAttempts;
    const result = outcome.kind === 'ok' ? 'ok' : retry ? 'retry' : 'failed';
    alertAttempts.inc({ channel_type: channel.type, outcome: result });
    await deps.store.recordAttempt({
      notification_id: id,
      fingerprint: n.finding.fingerprint,
      kind: n.kind,
      channel: channel.name,
      attempt,
      outcome: result,
      http_status: lastStatus,
      error: lastError,
      latency_ms: latency,
      attempted_at: deps.now(),
    });
    if (outcome.kind === 'ok') {
      await deps.store.recordFinal(finalRow(n, channel, 'delivered', attempt, lastStatus, '', created, deps.now()));
      alertDeliveries.inc({ channel_type: channel.type, outcome: 'delivered' });
      return { state: 'delivered', attempts: attempt, lastStatus, lastError: '' };
    }
    if (!retry) {
      const reason = isRetryable(outcome) ? `gave up after ${attempt} attempts, last: ${lastError}` : `not retried: ${lastError}`;
      deps.log.error(
        { notification: id, channel: channel.name, attempts: attempt, status: lastStatus },
        `alert delivery failed: ${reason}`,
      );
      await deps.onDead?.(n, channel, reason);
      await deps.store.recordFinal(finalRow(n, channel, 'dead', attempt, lastStatus, reason, created, deps.now()));
      alertDeliveries.inc({ channel_type: channel.type, outcome: 'dead' });
      return { state: 'dead', attempts: attempt, lastStatus, lastError: reason };
    }
    const wait = backoffMs(
      attempt,
      deps.policy.initialBackoffMs,
      deps.policy.maxBackoffMs,
      deps.random,
      outcome.kind === 'http' ? retryAfterMs(outcome.retryAfter, deps.now()) : null,
    );
    deps.log.warn(
      { notification: id, channel: channel.name, attempt, status: lastStatus, waitMs: wait },
      `alert delivery attempt failed (${lastError}); retrying`,
    );
    await deps.sleep(wait);
  }
  throw new Error('unreachable: delivery loop ended without a final state');
}
