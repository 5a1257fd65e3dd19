// The boundary map: planes, connections (sources) and cross-plane links, validated with zod.
// Unknown keys are errors (strict objects) so a typo never silently turns a control off.
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { PLANES } from '../events/identity-event.ts';

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
  grace: duration('1h'),
  stale_after: duration('90d'),
  pre_departure_window: duration('7d'),
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
    base_url: z.url({ error: 'expected an absolute URL such as https://api.openai.com/v1' }).optional(),
    poll_interval: duration('5m'),
    /** Allowed clock difference for signed webhooks, both directions. */
    signature_tolerance: duration('3m'),
    plane: plane.optional(),
    authoritative_for: z.string().min(1).optional(),
    plane_rules: z.array(PlaneRuleSchema).default([]),
  })
  .superRefine((c, ctx) => {
    if (c.transport === 'webhook' && !c.secret_env) {
      ctx.addIssue({ code: 'custom', path: ['secret_env'], message: 'a webhook connection needs secret_env: the name of the environment variable holding its signing secret' });
    }
  });
export type Connection = z.infer<typeof ConnectionSchema>;

export const LinkSchema = z.strictObject({
  email,
  accounts: z.array(z.string().regex(/^[a-z0-9_-]+:.+$/, 'expected "<connection or source>:<account id>"')).min(1),
});

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
  })
  .superRefine((m, ctx) => {
    const seen = new Map<string, number>();
    m.connections.forEach((c, i) => {
      const first = seen.get(c.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['connections', i, 'id'], message: `duplicate connection id "${c.id}" (also connections[${first}])` });
      } else seen.set(c.id, i);
    });
  });

export type BoundaryMap = z.infer<typeof BoundaryMapSchema>;
export type BoundaryMapInput = z.input<typeof BoundaryMapSchema>;
