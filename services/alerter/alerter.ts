// Alerter service: consumes finding transitions from planewatch.alerts.v1 (own consumer group),
// routes each to channels (boundary map `alerts`), delivers with retries, records every attempt
// and the final state in ClickHouse, and dead-letters what could not be delivered.
//
// Once per transition and channel (docs/ALERTS.md "Exactly once, as far as HTTP allows"):
//  - planewatch.alerts.v1 is keyed by fingerprint, so every transition of one finding is on one
//    partition: within a consumer group exactly one alerter instance handles a finding at a time,
//    in order (open before resolve).
//  - Before sending, the alerter looks up the (transition, channel) notification in
//    pw_alert_notifications; it records the final state there after the last attempt and only
//    then lets the offset be committed. A transition re-consumed after a restart, after a
//    rebalance, or re-published by the detector is therefore skipped.
//  - The one window left: a crash after the receiver accepted and before the record is written.
//    Receivers dedup on `Planewatch-Delivery-Id` (webhook) / `dedup_key` (PagerDuty does natively).
//
// 2x SLA escalations are derived here (the detector emits no escalation transition: the opening of
// PW-DEPROV-OVERDUE is itself the SLA crossing): every `escalation_check_every`, open
// PW-DEPROV-OVERDUE findings with signal_at + 2 x sla_ms <= now are published to
// planewatch.alerts.v1 as transition 'escalated' keyed by fingerprint, so the partition owner
// delivers them through the same dedup path (two instances publishing the same escalation → one
// notification).
import { CONSUMER_RETRY } from '../../core/kafka/client.ts';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import type { AlertsSettings } from '../../core/config/alerts.ts';
import {
  FindingTransitionSchema,
  FINDING_TRANSITION_SCHEMA,
  notificationId,
  notificationKindOf,
  transitionKey,
  AlertFindingSchema,
  type AlertFinding,
  type Notification,
} from './message.ts';
import { routeFinding } from './routing.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { sendBatchBounded } from '../../core/kafka/send-bounded.ts';
import { deadLetterCodec } from '../../core/avro/codecs.ts';
import { boundedDeadLetter, deadLetterId } from '../../core/events/dead-letter.ts';
import { listFindings } from '../../store/findings/findings.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { alertDeliveries } from './metrics.ts';
import { resolveChannels, type ResolvedChannel } from './channels.ts';
import { deliver, finalRow } from './delivery.ts';
import { clickhouseDeliveryStore, type DeliveryStore } from './store.ts';

export const ALERTER_GROUP = 'planewatch-alerter';
export const ESCALATION_TRANSITION = 'escalated';

const EscalationSchema = z.object({
  schema: z.literal(FINDING_TRANSITION_SCHEMA),
  transition: z.literal(ESCALATION_TRANSITION),
  evaluation_id: z.string().min(1),
  finding: AlertFindingSchema,
});

export interface AlerterOptions {
  kafka: Kafka;
  producer: Producer;
  clickhouse: ClickHouseClient;
  map: BoundaryMap;
  log: Logger;
  /** Where channel URLs / keys / secrets are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  groupId?: string;
  /** Finding-time clock for 2x SLA escalations (the detector's evaluation clock; default Date.now). Quiet hours, signatures, delivery log and dead letters use the wall clock. */
  now?: () => number;
  fetch?: typeof fetch;
  random?: () => number;
  store?: DeliveryStore;
}

export interface AlerterHealth {
  delivered: number;
  dead: number;
  duplicates: number;
  suppressed: number;
  lastError: string | null;
}

export interface RunningAlerter {
  health: AlerterHealth;
  /** Looks for 2x SLA escalations now (also runs on its schedule). */
  checkEscalations(): Promise<number>;
  stop(): Promise<void>;
}

class Stopped extends Error {}

export function titlesOf(map: BoundaryMap): Map<string, { title: string; remediation: string }> {
  const out = new Map<string, { title: string; remediation: string }>();
  for (const d of loadDetections({ customDir: map.detections.custom_dir, disabled: [] }))
    out.set(d.id, { title: d.title, remediation: d.remediation });
  return out;
}

/** Open PW-DEPROV-OVERDUE findings at or past 2x their SLA (pure). */
export function dueEscalations(findings: readonly AlertFinding[], now: number): AlertFinding[] {
  return findings.filter((f) => {
    if (f.detection !== 'PW-DEPROV-OVERDUE' || (f.status !== 'open' && f.status !== 'reopened')) return false;
    const signal = Date.parse(f.detail.signal_at ?? '');
    const sla = Number(f.detail.sla_ms);
    return Number.isFinite(signal) && Number.isFinite(sla) && sla > 0 && signal + 2 * sla <= now;
  });
}

export async function startAlerter(opts: AlerterOptions): Promise<RunningAlerter> {
  const settings: AlertsSettings = opts.map.alerts;
  const channels = resolveChannels(settings, opts.env ?? process.env);
  const now = opts.now ?? Date.now;
  const wall = Date.now;
  const store = opts.store ?? clickhouseDeliveryStore(opts.clickhouse);
  const titles = titlesOf(opts.map);
  const health: AlerterHealth = { delivered: 0, dead: 0, duplicates: 0, suppressed: 0, lastError: null };
  let stopped = false;
  let stopping: Promise<void> | null = null;
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve, reject) => {
      if (stopped) return reject(new Stopped());
      const wake = () => {
        clearTimeout(t);
        sleepers.delete(wake);
        reject(new Stopped());
      };
      const t = setTimeout(() => {
        sleepers.delete(wake);
        resolve();
      }, ms);
      sleepers.add(wake);
    });

  async function onDead(n: Notification, channel: ResolvedChannel, reason: string) {
    const payload = Buffer.from(
      JSON.stringify({ notification: n.key, kind: n.kind, channel: channel.name, channel_type: channel.type, finding: n.finding }),
    );
    const dl = boundedDeadLetter({
      id: deadLetterId('alerter', reason, payload, `${channel.name}:${n.key}`),
      stage: 'alerter',
      reason: `${n.kind} notification of finding ${n.finding.fingerprint} (${n.finding.detection}) to channel ${channel.name} (${channel.type}): ${reason}`,
      source: n.finding.source,
      connection_id: null,
      raw_id: null,
      origin_topic: TOPICS.alerts,
      origin_partition: null,
      origin_offset: null,
      payload,
      failed_at: wall(),
    });
    await opts.producer.send({ topic: TOPICS.dlq, acks: -1, messages: [{ key: dl.id, value: deadLetterCodec.encode(dl) }] });
  }

  const deps = {
    store,
    log: opts.log,
    now: wall,
    fetch: opts.fetch ?? fetch,
    random: opts.random ?? Math.random,
    findingUrl: settings.finding_url,
    sleep,
    onDead,
    policy: {
      maxAttempts: settings.delivery.max_attempts,
      initialBackoffMs: settings.delivery.initial_backoff,
      maxBackoffMs: settings.delivery.max_backoff,
      timeoutMs: settings.delivery.timeout,
    },
  };

  async function handle(message: KafkaMessage): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch {
      json = undefined;
    }
    const esc = EscalationSchema.safeParse(json);
    const parsed = esc.success ? null : FindingTransitionSchema.safeParse(json);
    if (!esc.success && !parsed!.success) {
      const reason = `not a ${FINDING_TRANSITION_SCHEMA} message: ${parsed!.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`;
      const payload = message.value ?? Buffer.alloc(0);
      const dl = boundedDeadLetter({
        id: deadLetterId('alerter', reason, payload),
        stage: 'alerter',
        reason,
        source: null,
        connection_id: null,
        raw_id: null,
        origin_topic: TOPICS.alerts,
        origin_partition: null,
        origin_offset: message.offset,
        payload,
        failed_at: wall(),
      });
      await opts.producer.send({ topic: TOPICS.dlq, acks: -1, messages: [{ key: dl.id, value: deadLetterCodec.encode(dl) }] });
      opts.log.error({ offset: message.offset }, reason);
      return;
    }
    const msg = esc.success ? esc.data : parsed!.data!;
    const kind = esc.success ? ('escalate' as const) : notificationKindOf(parsed!.data!.transition);
    if (!kind) return;
    const f = msg.finding;
    const meta = titles.get(f.detection) ?? { title: f.detection, remediation: 'See the finding for details.' };
    const n: Notification = {
      key: transitionKey(kind, f),
      kind,
      transition: msg.transition,
      evaluation_id: msg.evaluation_id,
      finding: f,
      ...meta,
    };
    const routes = routeFinding(settings, f, wall());
    await Promise.all(
      routes.map(async (r) => {
        const channel = channels.get(r.channel)!;
        if (kind === 'acknowledge') {
          // An acknowledgement closes the loop of an alert that went out: only channels that
          // delivered this opening hear of it (quiet hours do not hold it back), and Slack not at all
          // (docs/ALERTS.md "Lifecycle").
          if (channel.type === 'slack') return;
          if ((await store.finalState(notificationId(transitionKey('open', f), channel.name))) !== 'delivered') return;
        } else if (r.suppressed) {
          if (await store.finalState(finalRow(n, channel, 'suppressed', 0, 0, '', 0, 0).notification_id)) return;
          const t = wall();
          await store.recordFinal(finalRow(n, channel, 'suppressed', 0, 0, 'quiet hours', t, t));
          alertDeliveries.inc({ channel_type: channel.type, outcome: 'suppressed' });
          health.suppressed++;
          return;
        }
        const result = await deliver(n, channel, deps);
        if (result.state === 'delivered') health.delivered++;
        else if (result.state === 'dead') health.dead++;
        else if (result.state === 'duplicate') health.duplicates++;
      }),
    );
  }

  async function checkEscalations(): Promise<number> {
    if (!settings.escalate_at_twice_sla) return 0;
    const open = await listFindings(opts.clickhouse, { status: 'open', detection: 'PW-DEPROV-OVERDUE' });
    const due = dueEscalations(
      open.map((f) => AlertFindingSchema.parse(f)),
      now(),
    );
    if (due.length === 0) return 0;
    await sendBatchBounded(
      opts.producer,
      [
        {
          topic: TOPICS.alerts,
          messages: due.map((f) => ({
            key: f.fingerprint,
            value: JSON.stringify({
              schema: FINDING_TRANSITION_SCHEMA,
              transition: ESCALATION_TRANSITION,
              evaluation_id: `escalation:${f.opened_at}`,
              finding: f,
            }),
            headers: { 'content-type': 'application/json', schema: FINDING_TRANSITION_SCHEMA },
          })),
        },
      ],
      { acks: -1 },
    );
    return due.length;
  }

  const consumer: Consumer = opts.kafka.consumer({
    groupId: opts.groupId ?? ALERTER_GROUP,
    sessionTimeout: 30_000,
    heartbeatInterval: 3000,
    retry: { ...CONSUMER_RETRY },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.alerts], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      for (const message of batch.messages) {
        if (stopped || !isRunning() || isStale()) return;
        const hb = setInterval(() => void heartbeat().catch(() => undefined), 3000);
        try {
          await handle(message);
        } catch (err) {
          if (err instanceof Stopped) return; // left unfinished: not resolved, re-consumed by the next owner
          health.lastError = (err as Error).message;
          throw err; // kafkajs retries the batch from this message (record lookups make that safe)
        } finally {
          clearInterval(hb);
        }
        resolveOffset(message.offset);
        await commitOffsetsIfNecessary();
      }
    },
  });

  const escalationTimer = setInterval(() => {
    if (!stopped)
      checkEscalations().catch((err: unknown) => {
        health.lastError = (err as Error).message;
        opts.log.error({ err }, 'escalation check failed');
      });
  }, settings.escalation_check_every);
  escalationTimer.unref();
  opts.log.info({ channels: [...channels.values()].map((c) => `${c.name}:${c.type}`), routes: settings.routes.length }, 'alerter running');

  return {
    health,
    checkEscalations,
    stop: () => {
      if (stopping) return stopping;
      stopped = true;
      clearInterval(escalationTimer);
      for (const wake of [...sleepers]) wake();
      stopping = consumer.disconnect();
      return stopping;
    },
  };
}

/** `planewatch alerts test`: one clearly marked test notification to one channel, not recorded as a finding's notification. */
export function testNotification(channel: string, at: number): Notification {
  const iso = new Date(at).toISOString();
  return {
    key: `test:${channel}:${iso}`,
    kind: 'test',
    transition: 'test',
    evaluation_id: 'test',
    title: 'planewatch test alert',
    remediation: 'This is a test sent by `planewatch alerts test`; nothing to do.',
    finding: {
      detection: 'PW-TEST',
      fingerprint: '00000000000000000000000000000000',
      status: 'open',
      severity: 'info',
      kind: 'state',
      plane: 'platform',
      tenant: null,
      source: null,
      subject: { kind: 'test', id: 'planewatch-test', email: null },
      first_seen: iso,
      last_seen: iso,
      opened_at: iso,
      resolved_at: null,
      resolution: null,
      reopen_count: 0,
      evidence: { event_ids: [], raw_ids: [] },
      detail: { test: 'true' },
    },
  };
}
