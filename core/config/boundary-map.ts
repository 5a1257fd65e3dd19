// The boundary map: planes, connections (sources) and cross-plane links, validated with zod.
// Unknown keys are errors (strict objects) so a typo never silently turns a control off.
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { PLANES } from '../events/identity-event.ts';
import { DEFAULT_RATE_LIMIT } from '../http/rate-limit.ts';
import { AlertsSettingsSchema } from './alerts.ts';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like "90d", "24h", "5m" or "30s", got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

const plane = z.enum(PLANES, { error: () => `expected "platform" or "application"` });
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'expected the NAME of an environment variable (A-Z, 0-9, _), not the secret itself');
const email = z.string().regex(/^[^@\s]+@[^@\s]+$/, 'expected an email address');

export const PlaneSettingsSchema = z.strictObject({
  owner: email.optional(),
  deprovision_sla: duration('24h'),
  /** Exposure lag: an exposed credential (secret scanning alert) should be revoked within this. */
  exposure_sla: duration('24h'),
  grace: duration('1h'),
  stale_after: duration('90d'),
  pre_departure_window: duration('7d'),
  /** PW-SOURCE-SILENT: a push source (webhook, scim) of this plane is silent after this long without a delivery. */
  silent_after: duration('24h'),
  /** PW-SOURCE-SILENT: a polled source (poll, inventory) of this plane is silent after this many poll intervals without a delivery. */
  silent_poll_factor: z
    .number({ error: 'expected a number of poll intervals, e.g. 3' })
    .positive('expected a number of poll intervals above 0')
    .default(3),
});
export type PlaneSettings = z.infer<typeof PlaneSettingsSchema>;

export const PlaneRuleSchema = z
  .strictObject({
    organization_id: z.string().min(1).optional(),
    directory_id: z.string().min(1).optional(),
    plane,
    authoritative_for: z.string().min(1).optional(),
  })
  .refine((r) => r.organization_id !== undefined || r.directory_id !== undefined, {
    message: 'a plane rule needs organization_id or directory_id to match on',
  });
export type PlaneRule = z.infer<typeof PlaneRuleSchema>;

export const TRANSPORTS = ['webhook', 'poll', 'scim', 'inventory'] as const;

export const ConnectionSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'expected lower-case letters, digits, "-" or "_" (it appears in URLs)'),
    vendor: z.string().min(1),
    transport: z.enum(TRANSPORTS, { error: () => `expected one of ${TRANSPORTS.join(', ')}` }),
    enabled: z.boolean().default(true),
    secret_env: envName.optional(),
    api_key_env: envName.optional(),
    /** The vendor organisation an API poller reads (GitHub: the organisation login of `GET /orgs/{org}/secret-scanning/alerts`). */
    organization: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected an organisation login such as "acme"')
      .optional(),
    base_url: z.url({ error: 'expected an absolute URL such as https://api.openai.com/v1' }).optional(),
    poll_interval: duration('5m'),
    /** How often a poll/inventory connection takes a complete inventory snapshot (vendors with inventories). */
    inventory_interval: duration('1h'),
    /** Allowed clock difference for signed webhooks, both directions. */
    signature_tolerance: duration('3m'),
    plane: plane.optional(),
    authoritative_for: z.string().min(1).optional(),
    plane_rules: z.array(PlaneRuleSchema).default([]),
    /** Whether the vendor reports when a credential was last used (PW-STALE-CREDENTIAL); not_reported (e.g. the Anthropic Admin API): its keys are judged by age only. */
    credential_last_use: z.enum(['reported', 'not_reported'], { error: () => 'expected "reported" or "not_reported"' }).default('reported'),
    /** Per-connection token bucket of the collector / SCIM endpoints (core/http/rate-limit.ts); 429 + Retry-After beyond it. */
    rate_limit: z
      .strictObject({
        per_second: z.number({ error: 'expected requests per second, e.g. 10000' }).positive('expected requests per second above 0'),
        burst: z
          .number({ error: 'expected a whole number of requests, e.g. 20000' })
          .int('expected a whole number of requests')
          .positive('expected a burst of at least 1'),
      })
      .default({ ...DEFAULT_RATE_LIMIT }),
  })
  .superRefine((c, ctx) => {
    if (c.transport === 'webhook' && !c.secret_env) {
      ctx.addIssue({
        code: 'custom',
        path: ['secret_env'],
        message: 'a webhook connection needs secret_env: the name of the environment variable holding its signing secret',
      });
    }
  });
export type Connection = z.infer<typeof ConnectionSchema>;

export const LinkSchema = z.strictObject({
  email,
  accounts: z.array(z.string().regex(/^[a-z0-9_-]+:.+$/, 'expected "<connection or source>:<account id>"')).min(1),
});

/** Detection engine settings (docs/DETECTIONS.md). */
export const DetectionSettingsSchema = z
  .strictObject({
    /** A folder of the user's own detections (same format as detections/): <id>/detection.yaml + detection.sql. */
    custom_dir: z.string().min(1).optional(),
    /** How often the detector evaluates on its own (it also evaluates shortly after new events arrive). */
    evaluate_every: duration('5m'),
    /** Quiet time after new events before the detector evaluates (several sink batches make one evaluation). */
    debounce: duration('1s'),
    /**
     * Longest wait from the first new events to their evaluation while batches keep coming (bounds the
     * debounce; at least the debounce). Default: 2s, or the debounce when that is longer.
     */
    max_wait: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return undefined;
        const ms = parseDuration(text);
        if (ms === null) {
          ctx.addIssue({ code: 'custom', message: `expected a duration like "90d", "24h", "5m" or "30s", got "${text}"` });
          return z.NEVER;
        }
        return ms;
      }),
    /** Vendors whose every human account is a directory account when the connection is authoritative (besides events carrying attributes.directory_id). */
    directory_sources: z.array(z.string().min(1)).default(['okta', 'scim']),
    /** Planes on which PW-NHI-HUMAN-ACTION applies (the application plane's own backend acts through API keys by design). */
    nhi_planes: z.array(plane).default(['platform']),
    /** Credential kinds whose vendor never reports use: never judged stale (never-used cannot be told from unreported). */
    unobservable_credential_kinds: z.array(z.string().min(1)).default(['saml_certificate', 'scim_token']),
    /** Built-in or custom detections to skip, by id. */
    disabled: z.array(z.string().regex(/^[A-Z0-9-]+$/, 'expected a detection id like PW-STALE-CREDENTIAL')).default([]),
  })
  .superRefine((d, ctx) => {
    if (d.max_wait !== undefined && d.max_wait < d.debounce) {
      ctx.addIssue({
        code: 'custom',
        path: ['max_wait'],
        message: `expected a duration at least detections.debounce (${d.debounce} ms), got ${d.max_wait} ms`,
      });
    }
  })
  .transform((d) => ({ ...d, max_wait: d.max_wait ?? Math.max(2000, d.debounce) }));
export type DetectionSettings = z.infer<typeof DetectionSettingsSchema>;

/** Scopes of API tokens (services/api/auth.ts): one per read surface. */
export const API_SCOPES = ['findings', 'lag', 'people', 'credentials', 'evidence', 'export', 'events', 'status', 'boundaries'] as const;

/** A read-API bearer token: its value comes only from the named environment variable. */
export const ApiTokenSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_-]+$/, 'expected a token name of a-z, 0-9, _ and -'),
  token_env: envName,
  scopes: z.array(z.enum(API_SCOPES, { error: () => `expected one of ${API_SCOPES.join(', ')}` })).min(1),
  /** Limits the token to this tenant's application-plane data (findings, people, credentials, evidence). */
  tenant: z.string().min(1).optional(),
});
export type ApiTokenConfig = z.infer<typeof ApiTokenSchema>;

export const BoundaryMapSchema = z
  .strictObject({
    planes: z
      .strictObject({
        platform: PlaneSettingsSchema.default(PlaneSettingsSchema.parse({})),
        application: PlaneSettingsSchema.default(PlaneSettingsSchema.parse({})),
      })
      .default({ platform: PlaneSettingsSchema.parse({}), application: PlaneSettingsSchema.parse({}) }),
    domains: z
      .strictObject({
        corporate: z.array(z.string().min(1)).default([]),
        customer: z.array(z.string().min(1)).default([]),
      })
      .default({ corporate: [], customer: [] }),
    connections: z.array(ConnectionSchema).default([]),
    links: z.array(LinkSchema).default([]),
    detections: DetectionSettingsSchema.default(DetectionSettingsSchema.parse({})),
    /** Alerting: channels, routes, quiet hours, delivery (docs/ALERTS.md). */
    alerts: AlertsSettingsSchema.default(AlertsSettingsSchema.parse({})),
    api: z.strictObject({ tokens: z.array(ApiTokenSchema).default([]) }).default({ tokens: [] }),
  })
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    m.connections.forEach((c, i) => {
      const first = seen.get(c.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['connections', i, 'id'],
          message: `duplicate connection id "${c.id}" (also connections[${first}])`,
        });
      } else seen.set(c.id, i);
    });
  });

export type BoundaryMap = z.infer<typeof BoundaryMapSchema>;
export type BoundaryMapInput = z.input<typeof BoundaryMapSchema>;
