// The `alerts` block of the boundary map (docs/ALERTS.md): channels, routes, quiet hours, delivery.
// Channel URLs and keys are NAMES of environment variables, never the values: they are read when
// the alerter starts and never logged.
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { PLANES } from '../events/identity-event.ts';

const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the NAME of an environment variable (A-Z, 0-9, _), not the secret itself');
const channelName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'expected a channel name of lower-case letters, digits, "-" or "_"');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a UTC time "HH:MM" (00:00-23:59)');
const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "24h", "5m" or "30s", got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

export const ALERT_CHANNEL_TYPES = ['webhook', 'slack', 'pagerduty', 'log'] as const;

export const AlertChannelSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      name: channelName,
      type: z.literal('webhook'),
      /** Env var holding the receiver URL. */
      url_env: envName,
      /** Env var holding the HMAC-SHA256 signing secret (docs/ALERTS.md "Verifying the signature"). */
      secret_env: envName,
    }),
    z.strictObject({ name: channelName, type: z.literal('slack'), url_env: envName }),
    z.strictObject({
      name: channelName,
      type: z.literal('pagerduty'),
      routing_key_env: envName,
      /** Env var holding the Events API v2 endpoint; default https://events.pagerduty.com/v2/enqueue. */
      url_env: envName.optional(),
    }),
    z.strictObject({ name: channelName, type: z.literal('log') }),
  ],
  { error: () => 'expected a channel with type webhook, slack, pagerduty or log' },
);
export type AlertChannel = z.infer<typeof AlertChannelSchema>;

export const QuietHoursSchema = z.strictObject({
  /** UTC start/end; an end earlier than the start spans midnight. */
  start: hhmm,
  end: hhmm,
  /** Notifications at or above this severity are still sent during quiet hours. */
  min_severity: z.enum(SEVERITIES, { error: () => 'expected info, low, medium, high or critical' }).default('critical'),
});
export type QuietHours = z.infer<typeof QuietHoursSchema>;

export const AlertRouteSchema = z.strictObject({
  /** Empty / absent = any. */
  planes: z.array(z.enum(PLANES, { error: () => 'expected "platform" or "application"' })).default([]),
  severities: z.array(z.enum(SEVERITIES, { error: () => 'expected info, low, medium, high or critical' })).default([]),
  detections: z.array(z.string().regex(/^[A-Z0-9-]+$/, 'expected a detection id like PW-DEPROV-OVERDUE')).default([]),
  channels: z.array(channelName).min(1, 'expected at least one channel name'),
  quiet_hours: QuietHoursSchema.optional(),
});
export type AlertRoute = z.infer<typeof AlertRouteSchema>;

export const AlertDeliverySchema = z.strictObject({
  max_attempts: z.number({ error: 'expected a number of attempts, e.g. 6' }).int().min(1).max(20).default(6),
  initial_backoff: duration('1s'),
  max_backoff: duration('5m'),
  timeout: duration('10s'),
});

export const AlertsSettingsSchema = z
  .strictObject({
    channels: z.array(AlertChannelSchema).default([]),
    routes: z.array(AlertRouteSchema).default([]),
    /** Findings no route matches go to these channels (none = not notified). */
    default_route: z
      .strictObject({ channels: z.array(channelName).default([]), quiet_hours: QuietHoursSchema.optional() })
      .default({ channels: [] }),
    /** Also escalate PW-DEPROV-OVERDUE findings still open at twice their plane's SLA. */
    escalate_at_twice_sla: z.boolean().default(true),
    /** How often the alerter looks for findings that crossed 2x SLA. */
    escalation_check_every: duration('1m'),
    /** Link to a finding, `{fingerprint}` replaced (Slack "evidence" link, webhook `links.finding`). */
    finding_url: z.string().url('expected an absolute URL, e.g. https://planewatch.example.com/findings/{fingerprint}').optional(),
    delivery: AlertDeliverySchema.default(AlertDeliverySchema.parse({})),
  })
  .superRefine((a, ctx) => {
    const names = new Map<string, number>();
    a.channels.forEach((c, i) => {
      const first = names.get(c.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'name'],
          message: `duplicate channel name "${c.name}" (also channels[${first}])`,
        });
      else names.set(c.name, i);
    });
    const check = (list: readonly string[], path: (string | number)[]) =>
      list.forEach((n, j) => {
        if (!names.has(n))
          ctx.addIssue({
            code: 'custom',
            path: [...path, j],
            message: `unknown channel "${n}"; expected one of: ${[...names.keys()].join(', ') || '(no channels defined)'}`,
          });
      });
    a.routes.forEach((r, i) => check(r.channels, ['routes', i, 'channels']));
    check(a.default_route.channels, ['default_route', 'channels']);
  });
export type AlertsSettings = z.infer<typeof AlertsSettingsSchema>;
