// Pure pieces of alerting: config validation, signature recipe, payload shapes, routing, backoff.
import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';
import { AlertsSettingsSchema } from '../../../../core/config/alerts.ts';
import { signWebhook, verifyWebhook } from '../../../../services/alerter/signature.ts';
import { pagerDutyBody, slackBody, webhookBody } from '../../../../services/alerter/payloads.ts';
import { backoffMs, inQuietHours, isRetryable, retryAfterMs, routeFinding } from '../../../../services/alerter/routing.ts';
import {
  FindingTransitionSchema,
  notificationId,
  notificationKindOf,
  transitionKey,
  type AlertFinding,
  type Notification,
} from '../../../../services/alerter/message.ts';
import { dueEscalations } from '../../../../services/alerter/alerter.ts';

const finding: AlertFinding = {
  detection: 'PW-DEPROV-OVERDUE',
  fingerprint: '0123456789abcdef0123456789abcdef',
  status: 'open',
  severity: 'high',
  kind: 'state',
  plane: 'platform',
  tenant: null,
  source: 'openai',
  subject: { kind: 'human', id: 'user-abc', email: 'ada@acme.example' },
  first_seen: '2026-01-02T00:00:00.000Z',
  last_seen: '2026-01-02T00:00:00.000Z',
  opened_at: '2026-01-02T00:00:00.000Z',
  resolved_at: null,
  resolution: null,
  reopen_count: 0,
  evidence: { event_ids: ['evt_1', 'evt_2'], raw_ids: ['raw_1'] },
  detail: { item: 'account', signal_at: '2026-01-01 00:00:00.000', pending_ms: '86400000', sla_ms: '86400000' },
};
const n: Notification = {
  key: transitionKey('open', finding),
  kind: 'open',
  transition: 'opened',
  evaluation_id: 'ev_1',
  finding,
  title: 'Deprovisioning overdue',
  remediation: 'Remove the account now.',
};

describe('alerts config', () => {
  it('validates with errors naming the path', () => {
    const r = BoundaryMapSchema.safeParse({
      alerts: {
        channels: [
          { name: 'hook', type: 'webhook', url_env: 'https://example.com/x', secret_env: 'HOOK_SECRET' },
          { name: 'pd', type: 'pagerduty', routing_key_env: 'PD_KEY' },
        ],
        routes: [{ severities: ['high'], channels: ['pd', 'nope'] }],
        default_route: { channels: ['missing'] },
      },
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort();
    expect(issues).toEqual([
      'alerts.channels.0.url_env: expected the NAME of an environment variable (A-Z, 0-9, _), not the secret itself',
      'alerts.default_route.channels.0: unknown channel "missing"; expected one of: hook, pd',
      'alerts.routes.0.channels.1: unknown channel "nope"; expected one of: hook, pd',
    ]);
    const r2 = AlertsSettingsSchema.safeParse({
      channels: [
        { name: 'pd', type: 'pagerduty', routing_key_env: 'PD_KEY' },
        { name: 'pd', type: 'log' },
      ],
      routes: [{ severities: ['high'], channels: ['pd', 'nope'] }],
      default_route: { channels: ['missing'] },
    });
    expect(r2.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'channels.1.name: duplicate channel name "pd" (also channels[0])',
      'routes.0.channels.1: unknown channel "nope"; expected one of: pd',
      'default_route.channels.0: unknown channel "missing"; expected one of: pd',
    ]);
  });

  it('defaults: no channels, 6 attempts from 1s to 5m, 10s timeout, 2x SLA escalation on', () => {
    expect(AlertsSettingsSchema.parse({})).toEqual({
      channels: [],
      routes: [],
      default_route: { channels: [] },
      escalate_at_twice_sla: true,
      escalation_check_every: 60_000,
      delivery: { max_attempts: 6, initial_backoff: 1000, max_backoff: 300_000, timeout: 10_000 },
    });
  });
});

describe('webhook signature (docs/ALERTS.md recipe)', () => {
  it('is HMAC-SHA256 over "<t>.<body>" in the documented header', () => {
    expect(signWebhook('whsec_test_secret', '{"hello":"world"}', 1767225600)).toBe(
      't=1767225600,v1=5d7ed756842a2394bb351cb23e55e7e921feb9dee96ae51e899e91e6bed8482b',
    );
  });
  it('verifies, and rejects a changed body, a wrong secret and an old timestamp', () => {
    const h = signWebhook('s3cret', '{"a":1}', 1_000_000);
    expect(verifyWebhook('s3cret', '{"a":1}', h, 1_000_100)).toEqual({ ok: true, timestamp: 1_000_000 });
    expect(verifyWebhook('s3cret', '{"a":2}', h, 1_000_100)).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifyWebhook('other', '{"a":1}', h, 1_000_100)).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(verifyWebhook('s3cret', '{"a":1}', h, 1_000_301)).toEqual({ ok: false, reason: 'timestamp 1000000 outside the 300s tolerance' });
    expect(verifyWebhook('s3cret', '{"a":1}', undefined, 1_000_000)).toEqual({ ok: false, reason: 'missing Planewatch-Signature header' });
    // a receiver following the recipe with nothing but node:crypto
    const [t, v1] = h.split(',').map((p) => p.split('=')[1]);
    expect(createHmac('sha256', 's3cret').update(`${t}.{"a":1}`).digest('hex')).toBe(v1);
  });
});

describe('payloads', () => {
  it('webhook JSON', () => {
    expect(webhookBody(n, '2026-01-02T00:00:01.000Z', 'https://pw.example/f/{fingerprint}')).toEqual({
      schema: 'planewatch.alert.v1',
      id: '0123456789abcdef0123456789abcdef:open:2026-01-02T00:00:00.000Z',
      kind: 'open',
      test: false,
      transition: 'opened',
      sent_at: '2026-01-02T00:00:01.000Z',
      summary: 'PW-DEPROV-OVERDUE opened: Deprovisioning overdue — ada@acme.example (human user-abc) on platform / openai',
      title: 'Deprovisioning overdue',
      remediation: 'Remove the account now.',
      finding,
      links: { finding: 'https://pw.example/f/0123456789abcdef0123456789abcdef' },
    });
  });
  it('Slack blocks: what, who, plane, since, evidence link, remediation', () => {
    const body = slackBody(n, 'https://pw.example/f/{fingerprint}');
    expect(body.text).toBe('PW-DEPROV-OVERDUE opened: Deprovisioning overdue — ada@acme.example (human user-abc) on platform / openai');
    expect(body.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Deprovisioning overdue — opened', emoji: true } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: ':warning: *PW-DEPROV-OVERDUE* · severity *high* · status *open*' },
        fields: [
          { type: 'mrkdwn', text: '*Who*\nada@acme.example (human user-abc)' },
          { type: 'mrkdwn', text: '*Plane*\nplatform / openai' },
          { type: 'mrkdwn', text: '*Since*\n2026-01-01 00:00:00.000 (deprovisioned in the directory)' },
          { type: 'mrkdwn', text: '*Finding*\n`0123456789abcdef0123456789abcdef`' },
        ],
      },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*Evidence*\n<https://pw.example/f/0123456789abcdef0123456789abcdef|Open the finding> · 2 event(s): `evt_1`, `evt_2`',
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: '*Remediation*\nRemove the account now.' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'planewatch · opened · first seen 2026-01-02T00:00:00.000Z' }] },
    ]);
  });
  it('PagerDuty v2: trigger with dedup_key = fingerprint, resolve with the same key', () => {
    const trig = pagerDutyBody(n, 'RKEY');
    expect(trig).toMatchObject({
      routing_key: 'RKEY',
      event_action: 'trigger',
      dedup_key: '0123456789abcdef0123456789abcdef',
      payload: {
        summary: 'PW-DEPROV-OVERDUE opened: Deprovisioning overdue — ada@acme.example (human user-abc) on platform / openai',
        source: 'planewatch/platform/openai',
        severity: 'error',
        timestamp: '2026-01-02T00:00:00.000Z',
        class: 'PW-DEPROV-OVERDUE',
        custom_details: {
          detection: 'PW-DEPROV-OVERDUE',
          plane: 'platform',
          subject: { kind: 'human', id: 'user-abc', email: 'ada@acme.example' },
          remediation: 'Remove the account now.',
        },
      },
    });
    const res = {
      ...n,
      kind: 'resolve' as const,
      transition: 'resolved',
      finding: { ...finding, status: 'resolved', resolved_at: '2026-01-03T00:00:00.000Z' },
    };
    expect(pagerDutyBody(res, 'RKEY')).toEqual({
      routing_key: 'RKEY',
      event_action: 'resolve',
      dedup_key: '0123456789abcdef0123456789abcdef',
    });
  });
  it('acknowledgement: PagerDuty acknowledge with the same dedup_key; webhook kind acknowledge', () => {
    const acked = { ...finding, status: 'acknowledged', acknowledged_at: '2026-01-02T06:00:00.000Z', acknowledged_by: 'alice' };
    const ack: Notification = {
      ...n,
      key: transitionKey('acknowledge', acked),
      kind: 'acknowledge',
      transition: 'acknowledged',
      finding: acked,
    };
    expect(pagerDutyBody(ack, 'RKEY')).toEqual({
      routing_key: 'RKEY',
      event_action: 'acknowledge',
      dedup_key: '0123456789abcdef0123456789abcdef',
    });
    expect(webhookBody(ack, '2026-01-02T06:00:01.000Z')).toMatchObject({
      id: '0123456789abcdef0123456789abcdef:acknowledge:2026-01-02T06:00:00.000Z',
      kind: 'acknowledge',
      transition: 'acknowledged',
      summary: 'PW-DEPROV-OVERDUE acknowledged: Deprovisioning overdue — ada@acme.example (human user-abc) on platform / openai',
      finding: { status: 'acknowledged', acknowledged_by: 'alice' },
    });
  });
});

describe('routing', () => {
  const settings = AlertsSettingsSchema.parse({
    channels: [
      { name: 'pd', type: 'pagerduty', routing_key_env: 'PD' },
      { name: 'slack', type: 'slack', url_env: 'SLACK' },
      { name: 'log', type: 'log' },
    ],
    routes: [
      { planes: ['platform'], severities: ['high', 'critical'], channels: ['pd', 'slack'] },
      { detections: ['PW-DEPROV-OVERDUE'], channels: ['slack'], quiet_hours: { start: '22:00', end: '07:00' } },
    ],
    default_route: { channels: ['log'] },
  });
  const noon = Date.UTC(2026, 0, 2, 12, 0);
  const night = Date.UTC(2026, 0, 2, 23, 30);
  it('unions matching routes; default when none match; quiet hours suppress only if every route is quiet', () => {
    expect(routeFinding(settings, { plane: 'platform', severity: 'high', detection: 'PW-DEPROV-OVERDUE' }, night)).toEqual([
      { channel: 'pd', suppressed: false },
      { channel: 'slack', suppressed: false },
    ]);
    expect(routeFinding(settings, { plane: 'application', severity: 'high', detection: 'PW-DEPROV-OVERDUE' }, night)).toEqual([
      { channel: 'slack', suppressed: true },
    ]);
    expect(routeFinding(settings, { plane: 'application', severity: 'high', detection: 'PW-DEPROV-OVERDUE' }, noon)).toEqual([
      { channel: 'slack', suppressed: false },
    ]);
    expect(routeFinding(settings, { plane: 'application', severity: 'low', detection: 'PW-STALE-CREDENTIAL' }, noon)).toEqual([
      { channel: 'log', suppressed: false },
    ]);
  });
  it('quiet hours across midnight', () => {
    const q = { start: '22:00', end: '07:00', min_severity: 'critical' as const };
    expect([21, 22, 3, 7].map((h) => inQuietHours(q, Date.UTC(2026, 0, 2, h, 0)))).toEqual([false, true, true, false]);
  });
});

describe('retry policy', () => {
  it('retries 5xx, 429 and network errors, not other 4xx', () => {
    expect(isRetryable({ kind: 'http', status: 500, retryAfter: null })).toBe(true);
    expect(isRetryable({ kind: 'http', status: 503, retryAfter: null })).toBe(true);
    expect(isRetryable({ kind: 'http', status: 429, retryAfter: '3' })).toBe(true);
    expect(isRetryable({ kind: 'network', error: 'timeout after 10ms' })).toBe(true);
    expect(isRetryable({ kind: 'http', status: 400, retryAfter: null })).toBe(false);
    expect(isRetryable({ kind: 'http', status: 404, retryAfter: null })).toBe(false);
    expect(isRetryable({ kind: 'ok', status: 200 })).toBe(false);
  });
  it('exponential backoff with jitter, capped; Retry-After wins', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 1000, 5000, () => 0))).toEqual([500, 1000, 2000, 2500, 2500]);
    expect([1, 2, 3, 4, 10].map((a) => backoffMs(a, 1000, 5000, () => 1, null))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(backoffMs(1, 1000, 5000, () => 0.5, 3000)).toBe(3000);
    expect(backoffMs(1, 1000, 5000, () => 0.5, 60_000)).toBe(5000);
    expect(retryAfterMs('7', 0)).toBe(7000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.UTC(2026, 0, 1))).toBe(10_000);
    expect(retryAfterMs('soon', 0)).toBe(null);
  });
});

describe('transition identity and escalations', () => {
  it('keys: same transition same key, reopen a new key, per channel ids', () => {
    expect(transitionKey('resolve', { ...finding, resolved_at: '2026-01-03T00:00:00.000Z' })).toBe(
      '0123456789abcdef0123456789abcdef:resolve:2026-01-03T00:00:00.000Z',
    );
    expect(transitionKey('open', { ...finding, opened_at: '2026-01-04T00:00:00.000Z' })).toBe(
      '0123456789abcdef0123456789abcdef:open:2026-01-04T00:00:00.000Z',
    );
    expect(notificationId('k', 'slack')).not.toBe(notificationId('k', 'pd'));
    expect(notificationId('k', 'slack')).toMatch(/^ntf_[0-9a-f]{32}$/);
    expect(transitionKey('acknowledge', { ...finding, acknowledged_at: '2026-01-02T06:00:00.000Z' })).toBe(
      '0123456789abcdef0123456789abcdef:acknowledge:2026-01-02T06:00:00.000Z',
    );
    expect(['opened', 'reopened', 'resolved', 'acknowledged', 'updated'].map((t) => notificationKindOf(t as never))).toEqual([
      'open',
      'open',
      'resolve',
      'acknowledge',
      null,
    ]);
  });
  it('the detector message parses; a bad one names the field', () => {
    expect(
      FindingTransitionSchema.safeParse({ schema: 'planewatch.finding-transition.v1', transition: 'opened', evaluation_id: 'e', finding })
        .success,
    ).toBe(true);
    const bad = FindingTransitionSchema.safeParse({
      schema: 'planewatch.finding-transition.v1',
      transition: 'exploded',
      evaluation_id: 'e',
      finding,
    });
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'transition: expected opened, updated, resolved, reopened or acknowledged',
    ]);
  });
  it('2x SLA: signal_at + 2 x sla_ms', () => {
    const signal = Date.UTC(2026, 0, 1);
    expect(dueEscalations([finding], signal + 2 * 86_400_000 - 1)).toEqual([]);
    expect(dueEscalations([finding], signal + 2 * 86_400_000)).toEqual([finding]);
    expect(dueEscalations([{ ...finding, status: 'resolved' }], signal + 3 * 86_400_000)).toEqual([]);
    expect(dueEscalations([{ ...finding, detection: 'PW-ORPHANED-ACCOUNT' }], signal + 3 * 86_400_000)).toEqual([]);
  });
});
