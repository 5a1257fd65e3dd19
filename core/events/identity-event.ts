// The normalized identity event: the contract between normalizers, the sink and the detections.
// Mirrors schemas/identity-event.v1.avsc; the zod schema checks what a mapper produced before it
// leaves the normalizer, so a mapping bug becomes a DLQ entry with a reason, not a bad row.
import { z } from 'zod';

export const PLANES = ['platform', 'application'] as const;
export type Plane = (typeof PLANES)[number];

export const CATEGORIES = [
  'account',
  'credential',
  'authentication',
  'session',
  'membership',
  'role',
  'connection',
  'inventory',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const ACTIONS = [
  'created',
  'updated',
  'suspended',
  'reactivated',
  'deleted',
  'used',
  'succeeded',
  'failed',
  'revoked',
  'added',
  'removed',
  'observed',
  'activated',
  'deactivated',
  'ended',
  'invited',
  'other',
  // A credential's secret was found where it should not be (GitHub secret scanning), and that
  // finding was closed. Not a lifecycle fact of the credential itself: the subject is the alert.
  'exposed',
  'exposure_resolved',
] as const;
export type Action = (typeof ACTIONS)[number];

export const SUBJECT_KINDS = [
  'human',
  'service_account',
  'api_key',
  'admin_key',
  'group',
  'connection',
  'directory',
  'organization',
  'role',
  'session',
  'project',
  'invite',
  'other',
] as const;

const nullableString = z.string().min(1).nullable();
const epochMs = z.number().int().nonnegative();

export const SubjectSchema = z.object({
  kind: z.enum(SUBJECT_KINDS),
  id: z.string().min(1),
  email: nullableString,
  name: nullableString,
});

export const ActorSchema = z.object({
  kind: z.string().min(1),
  id: nullableString,
  email: nullableString,
  ip: nullableString,
  user_agent: nullableString,
  credential_id: nullableString,
});

export const CredentialSchema = z.object({
  id: z.string().min(1),
  kind: z.string().min(1),
  owner_id: nullableString,
  owner_kind: nullableString,
  scopes: z.array(z.string()),
  created_at: epochMs.nullable(),
  last_used_at: epochMs.nullable(),
});

export const IdentityEventSchema = z.object({
  event_id: z.string().min(1),
  source: z.string().min(1),
  connection_id: z.string().min(1),
  plane: z.enum(PLANES),
  tenant_id: nullableString,
  authoritative_for: nullableString,
  category: z.enum(CATEGORIES),
  action: z.enum(ACTIONS),
  outcome: z.enum(['success', 'failure']).nullable(),
  subject: SubjectSchema,
  actor: ActorSchema.nullable(),
  credential: CredentialSchema.nullable(),
  occurred_at: epochMs,
  received_at: epochMs,
  raw_id: z.string().min(1),
  vendor_type: z.string().min(1),
  ocsf_class_uid: z.number().int().nullable(),
  ocsf_activity_id: z.number().int().nullable(),
  attributes: z.record(z.string(), z.string()),
});

export type IdentityEvent = z.infer<typeof IdentityEventSchema>;
export type Subject = z.infer<typeof SubjectSchema>;
export type Actor = z.infer<typeof ActorSchema>;
export type Credential = z.infer<typeof CredentialSchema>;

/**
 * What a source mapper returns for one vendor event: everything except the fields the normalizer
 * fills from the envelope and the boundary map (plane, connection, raw id, received time).
 */
export type MappedEvent = Omit<IdentityEvent, 'plane' | 'connection_id' | 'raw_id' | 'received_at' | 'authoritative_for' | 'source'> & {
  /** Organisation / directory the boundary map's plane rules match on (e.g. WorkOS organization_id). */
  plane_keys?: { organization_id?: string | null; directory_id?: string | null; connection_ref?: string | null };
};

export function emptyActor(kind: string): Actor {
  return { kind, id: null, email: null, ip: null, user_agent: null, credential_id: null };
}

/** Lower-case, trimmed email: the cross-plane join key defined in DESIGN.md. */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (typeof email !== 'string') return null;
  const e = email.trim().toLowerCase();
  return e.length > 0 ? e : null;
}
