// Pure builders of what each channel receives (docs/ALERTS.md shows each shape).
import type { Notification } from './message.ts';

export const WEBHOOK_SCHEMA = 'planewatch.alert.v1';

const HEADLINE: Record<Notification['kind'], string> = {
  open: 'opened',
  resolve: 'resolved',
  escalate: 'escalated (2x SLA)',
  acknowledge: 'acknowledged',
  test: 'TEST',
};

export function findingLink(template: string | undefined, fingerprint: string): string | null {
  return template ? template.replaceAll('{fingerprint}', fingerprint) : null;
}

function who(n: Notification): string {
  const s = n.finding.subject;
  return s.email ? `${s.email} (${s.kind} ${s.id})` : `${s.kind} ${s.id}`;
}

function where(n: Notification): string {
  const f = n.finding;
  return [f.plane, f.source, f.tenant ? `tenant ${f.tenant}` : null].filter(Boolean).join(' / ');
}

/** "since when": for deprovisioning findings the deprovision signal, else when the finding opened. */
function since(n: Notification): string {
  return n.finding.detail.signal_at ? `${n.finding.detail.signal_at} (deprovisioned in the directory)` : n.finding.opened_at;
}

export function summaryOf(n: Notification): string {
  const test = n.kind === 'test' ? '[TEST] ' : '';
  return `${test}${n.finding.detection} ${HEADLINE[n.kind]}: ${n.title} — ${who(n)} on ${where(n)}`.slice(0, 1024);
}

/** Generic webhook JSON. */
export function webhookBody(n: Notification, sentAt: string, findingUrl?: string) {
  return {
    schema: WEBHOOK_SCHEMA,
    id: n.key,
    kind: n.kind,
    test: n.kind === 'test',
    transition: n.transition,
    sent_at: sentAt,
    summary: summaryOf(n),
    title: n.title,
    remediation: n.remediation,
    finding: n.finding,
    links: { finding: findingLink(findingUrl, n.finding.fingerprint) },
  };
}

/** Slack incoming webhook: a text fallback plus blocks (what, who, which plane, since when, evidence, remediation). */
export function slackBody(n: Notification, findingUrl?: string) {
  const f = n.finding;
  const link = findingLink(findingUrl, f.fingerprint);
  const icon =
    n.kind === 'resolve'
      ? ':white_check_mark:'
      : n.kind === 'test'
        ? ':test_tube:'
        : n.kind === 'escalate'
          ? ':rotating_light:'
          : ':warning:';
  const evidence = f.evidence.event_ids.length
    ? `${f.evidence.event_ids.length} event(s): ${f.evidence.event_ids
        .slice(0, 5)
        .map((e) => `\`${e}\``)
        .join(', ')}${f.evidence.event_ids.length > 5 ? ' …' : ''}`
    : 'no events';
  return {
    text: summaryOf(n),
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: `${n.kind === 'test' ? '[TEST] ' : ''}${n.title} — ${HEADLINE[n.kind]}`.slice(0, 150),
          emoji: true,
        },
      },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `${icon} *${f.detection}* · severity *${f.severity}* · status *${f.status}*` },
        fields: [
          { type: 'mrkdwn', text: `*Who*\n${who(n)}` },
          { type: 'mrkdwn', text: `*Plane*\n${where(n)}` },
          { type: 'mrkdwn', text: `*Since*\n${since(n)}` },
          { type: 'mrkdwn', text: `*Finding*\n\`${f.fingerprint}\`` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*Evidence*\n${link ? `<${link}|Open the finding> · ` : ''}${evidence}` } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*Remediation*\n${n.kind === 'resolve' ? 'Resolved: nothing to do.' : n.remediation}` },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `planewatch · ${n.transition} · first seen ${f.first_seen}` }] },
    ],
  };
}

const PD_SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

/** PagerDuty Events API v2: trigger on open/escalate/test, acknowledge on acknowledgement, resolve on resolution; dedup_key = fingerprint. */
export function pagerDutyBody(n: Notification, routingKey: string, findingUrl?: string) {
  const f = n.finding;
  const dedup = n.kind === 'test' ? `planewatch-test-${n.key}` : f.fingerprint;
  if (n.kind === 'resolve') return { routing_key: routingKey, event_action: 'resolve' as const, dedup_key: dedup };
  if (n.kind === 'acknowledge') return { routing_key: routingKey, event_action: 'acknowledge' as const, dedup_key: dedup };
  const link = findingLink(findingUrl, f.fingerprint);
  return {
    routing_key: routingKey,
    event_action: 'trigger' as const,
    dedup_key: dedup,
    payload: {
      summary: summaryOf(n),
      source: `planewatch/${f.plane}${f.source ? `/${f.source}` : ''}`,
      severity: n.kind === 'escalate' ? ('critical' as const) : (PD_SEVERITY[f.severity] ?? 'error'),
      timestamp: f.opened_at,
      component: f.subject.id,
      group: f.plane,
      class: f.detection,
      custom_details: {
        kind: n.kind,
        detection: f.detection,
        title: n.title,
        severity: f.severity,
        plane: f.plane,
        tenant: f.tenant,
        source: f.source,
        subject: f.subject,
        first_seen: f.first_seen,
        opened_at: f.opened_at,
        remediation: n.remediation,
        evidence_event_ids: f.evidence.event_ids,
        detail: f.detail,
        test: n.kind === 'test',
      },
    },
    ...(link ? { links: [{ href: link, text: 'planewatch finding' }] } : {}),
  };
}
