// What the alerter consumes (planewatch.alerts.v1, published by the detector) and the notification
// identity that makes delivery "once per transition and channel".
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const FINDING_TRANSITION_SCHEMA = 'planewatch.finding-transition.v1';

export const AlertFindingSchema = z
  .object({
    detection: z.string().min(1),
    fingerprint: z.string().regex(/^[0-9a-f]{32}$/, 'expected a 32-hex fingerprint'),
    status: z.string(),
    severity: z.enum(['info', 'low', 'medium', 'high', 'critical'], { error: () => 'expected info, low, medium, high or critical' }),
    kind: z.string(),
    plane: z.string(),
    tenant: z.string().nullable(),
    source: z.string().nullable(),
    subject: z.object({ kind: z.string(), id: z.string(), email: z.string().nullable() }),
    first_seen: z.string(),
    last_seen: z.string(),
    opened_at: z.string(),
    resolved_at: z.string().nullable(),
    resolution: z.string().nullable(),
    acknowledged_at: z.string().nullable().optional(),
    acknowledged_by: z.string().nullable().optional(),
    reopen_count: z.number().int(),
    evidence: z.object({ event_ids: z.array(z.string()), raw_ids: z.array(z.string()) }),
    detail: z.record(z.string(), z.string()),
  })
  .passthrough();
export type AlertFinding = z.infer<typeof AlertFindingSchema>;

export const FindingTransitionSchema = z.object({
  schema: z.literal(FINDING_TRANSITION_SCHEMA, { error: () => `expected schema "${FINDING_TRANSITION_SCHEMA}"` }),
  transition: z.enum(['opened', 'updated', 'resolved', 'reopened', 'acknowledged'], {
    error: () => 'expected opened, updated, resolved, reopened or acknowledged',
  }),
  evaluation_id: z.string().min(1),
  finding: AlertFindingSchema,
});
export type FindingTransition = z.infer<typeof FindingTransitionSchema>;

/**
 * What a notification announces:
 *  - open      a finding opened or reopened (for PW-DEPROV-OVERDUE this IS the crossing of the SLA)
 *  - resolve   a finding resolved (condition cleared / retracted)
 *  - escalate  a PW-DEPROV-OVERDUE finding still open at 2x its plane's SLA (derived by the alerter)
 *  - acknowledge  someone acknowledged the finding (`planewatch findings ack`); sent only to the
 *              PagerDuty, webhook and log channels that were notified of its opening (docs/ALERTS.md)
 *  - test      `planewatch alerts test`
 */
export type NotificationKind = 'open' | 'resolve' | 'escalate' | 'acknowledge' | 'test';

/** Transitions that notify; 'updated' (evidence changed) does not. */
export function notificationKindOf(transition: FindingTransition['transition']): NotificationKind | null {
  if (transition === 'opened' || transition === 'reopened') return 'open';
  if (transition === 'resolved') return 'resolve';
  if (transition === 'acknowledged') return 'acknowledge';
  return null;
}

export interface Notification {
  /** Identity of the transition: the same transition (re-published, re-consumed) has the same key. */
  key: string;
  kind: NotificationKind;
  transition: string;
  evaluation_id: string;
  finding: AlertFinding;
  /** The detection's title and remediation (detections/<ID>/detection.yaml), when known. */
  title: string;
  remediation: string;
}

/**
 * Transition key: fingerprint + kind + the finding's opened_at (open/escalate), resolved_at
 * (resolve) or acknowledged_at (acknowledge). The detector re-publishes a committed evaluation with
 * the same content, and a reopen gets a new opened_at, so "the same transition" has one key and a
 * new occurrence a new one.
 */
export function transitionKey(
  kind: NotificationKind,
  f: Pick<AlertFinding, 'fingerprint' | 'opened_at' | 'resolved_at' | 'acknowledged_at'>,
): string {
  const at = kind === 'resolve' ? (f.resolved_at ?? '') : kind === 'acknowledge' ? (f.acknowledged_at ?? '') : f.opened_at;
  return `${f.fingerprint}:${kind}:${at}`;
}

/** Id of one notification on one channel: the dedup key of the delivery record. */
export function notificationId(key: string, channel: string): string {
  return 'ntf_' + createHash('sha256').update(key).update('\0').update(channel).digest('hex').slice(0, 32);
}
