// zod schemas of what GitHub sends and returns for secret scanning (GitHub REST API docs,
// "secret_scanning_alert" webhook event and "Secret scanning alerts" endpoints). Objects are
// non-strict: GitHub adds fields. The alert's `secret` is declared only in RestAlertSchema, read
// once in memory by fingerprint.ts and never carried further.
import { z } from 'zod';

const optStr = z.string().nullish();

/** Fields of a secret scanning alert common to the webhook's `alert` and the REST alert. */
const AlertFields = {
  number: z.number().int().positive(),
  created_at: z.string().min(1),
  updated_at: optStr,
  url: optStr,
  html_url: optStr,
  locations_url: optStr,
  resolution: optStr,
  resolved_at: optStr,
  resolved_by: z.looseObject({ login: optStr }).nullish(),
  secret_type: z.string().min(1),
  secret_type_display_name: optStr,
  validity: optStr,
  publicly_leaked: z.boolean().nullish(),
  multi_repo: z.boolean().nullish(),
  push_protection_bypassed: z.boolean().nullish(),
};

const RepositorySchema = z.looseObject({ full_name: z.string().min(1), html_url: optStr, private: z.boolean().nullish() });

/** The alert a `secret_scanning_alert` delivery carries: no state and no secret. */
export const WebhookAlertSchema = z.looseObject(AlertFields);

/** A REST alert (`GET /repos/{owner}/{repo}/secret-scanning/alerts/{number}`, or an item of the org listing, which adds `repository`). */
export const RestAlertSchema = z.looseObject({
  ...AlertFields,
  state: z.enum(['open', 'resolved']),
  secret: z.string().nullish(),
  repository: RepositorySchema.nullish(),
});
export type RestAlert = z.infer<typeof RestAlertSchema>;

/** The secret-free part of an alert that planewatch keeps (fingerprint.ts builds it). */
export const StoredAlertSchema = z.looseObject({
  ...AlertFields,
  state: z.enum(['open', 'resolved']).nullish(),
  repository: RepositorySchema.nullish(),
  /** What identifies the exposed credential without being it (fingerprint.ts). */
  planewatch_fingerprint: z.record(z.string(), z.string()).nullish(),
});
export type StoredAlert = z.infer<typeof StoredAlertSchema>;

/** A `secret_scanning_alert` delivery. */
export const WebhookEnvelopeSchema = z.looseObject({
  action: z.string().min(1),
  alert: StoredAlertSchema,
  repository: RepositorySchema,
  organization: z.looseObject({ login: optStr }).nullish(),
  sender: z.looseObject({ login: optStr, type: optStr }).nullish(),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelopeSchema>;

export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Parses one REST alert; the error message never quotes the body (it holds the secret). */
export function parseRestAlert(json: unknown, where: string): RestAlert {
  const r = RestAlertSchema.safeParse(json);
  if (!r.success) throw new Error(`${where}: not a secret scanning alert: ${formatIssues(r.error)}`);
  return r.data;
}
