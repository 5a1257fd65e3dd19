// zod schemas for WorkOS webhook / Events API bodies and the `data` shapes the mapping reads.
// Shapes: docs/vendors/workos.md and the Node SDK's `*Response` interfaces.
//
// Policy: liberal in what is accepted, strict on what the mapping needs.
// - Objects are loose (unknown fields pass through; WorkOS adds fields often).
// - Ids the mapping keys on are required non-empty strings: a missing one rejects the item.
// - Every other field is `lenient`: a wrong type reads as null instead of rejecting the event,
//   because a display name of the wrong type must not hide a deprovisioning.
import { z } from 'zod';
import { lenient } from '../../source-kit/lenient.ts';
import { describeValue, formatIssues as formatCoreIssues } from '../../source-kit/issues.ts';

const id = z.string().min(1);
const str = lenient(z.string());
const bool = lenient(z.boolean());
const num = lenient(z.number());
const obj = lenient(z.record(z.string(), z.unknown()));
const RoleRef = z.looseObject({ slug: str });

export const WorkosEnvelopeSchema = z.looseObject({
  object: str,
  id,
  event: id,
  data: z.record(z.string(), z.unknown()),
  created_at: str,
  context: obj,
});
export type WorkosEnvelope = z.infer<typeof WorkosEnvelopeSchema>;

/** Events API page: `{object:"list", data:[event…], list_metadata}`. */
export const WorkosEventListSchema = z.looseObject({
  object: z.literal('list'),
  data: z.array(z.unknown()),
});

export const ContextActorSchema = z.looseObject({ id: str, source: str, name: str });

export const DirectoryUserSchema = z.looseObject({
  object: str,
  id,
  directory_id: id,
  organization_id: str,
  idp_id: str,
  email: str,
  /** `[{primary, type, value}]`; read defensively (see pickDirectoryUserEmail). */
  emails: lenient(z.array(z.unknown())),
  username: str,
  first_name: str,
  last_name: str,
  state: str,
  role: lenient(RoleRef),
  roles: lenient(z.array(RoleRef)),
  created_at: str,
  updated_at: str,
  previous_attributes: obj,
});
export type DirectoryUser = z.infer<typeof DirectoryUserSchema>;

/** The user nested in a group-membership event: its own directory_id may be absent. */
export const NestedDirectoryUserSchema = DirectoryUserSchema.extend({ directory_id: str });

export const DirectorySchema = z.looseObject({
  object: str,
  id,
  organization_id: str,
  type: str,
  state: str,
  name: str,
  created_at: str,
  updated_at: str,
});

export const DirectoryGroupSchema = z.looseObject({
  object: str,
  id,
  idp_id: str,
  directory_id: id,
  organization_id: str,
  name: str,
  created_at: str,
  updated_at: str,
});
export const NestedDirectoryGroupSchema = DirectoryGroupSchema.extend({ directory_id: str });

export const DirectoryGroupMembershipSchema = z.looseObject({
  directory_id: id,
  user: NestedDirectoryUserSchema,
  group: NestedDirectoryGroupSchema,
});

export const DirectoryTokenSchema = z.looseObject({
  object: str,
  id,
  directory_id: id,
  organization_id: str,
  // token_suffix exists but is deliberately not read: key material stays out of events.
  created_at: str,
});

export const ConnectionSchema = z.looseObject({
  object: str,
  id,
  organization_id: str,
  connection_type: str,
  name: str,
  state: str,
  status: str,
  created_at: str,
  updated_at: str,
});

export const SamlCertificateEventSchema = z.looseObject({
  connection: z.looseObject({ id, organization_id: str }),
  certificate: lenient(z.looseObject({ certificate_type: str, expiry_date: str, is_expired: bool })),
  days_until_expiry: num,
  renewed_at: str,
});

export const AuthenticationEventSchema = z.looseObject({
  type: str,
  status: str,
  ip_address: str,
  user_agent: str,
  user_id: str,
  email: str,
  organization_id: str,
  sso: lenient(z.looseObject({ organization_id: str, connection_id: str, session_id: str })),
  error: lenient(z.looseObject({ code: str, message: str })),
});

export const RadarRiskEventSchema = z.looseObject({
  auth_method: str,
  action: str,
  control: str,
  blocklist_type: str,
  ip_address: str,
  user_agent: str,
  user_id: str,
  email: str,
  organization_id: str,
});

export const UserSchema = z.looseObject({
  object: str,
  id,
  email: str,
  email_verified: bool,
  first_name: str,
  last_name: str,
  external_id: str,
  last_sign_in_at: str,
  created_at: str,
  updated_at: str,
});

export const OrganizationMembershipSchema = z.looseObject({
  object: str,
  id,
  user_id: id,
  organization_id: id,
  organization_name: str,
  status: str,
  role: lenient(RoleRef),
  roles: lenient(z.array(RoleRef)),
  directory_managed: bool,
  created_at: str,
  updated_at: str,
  previous_attributes: obj,
});

export const SessionSchema = z.looseObject({
  object: str,
  id,
  user_id: id,
  organization_id: str,
  ip_address: str,
  user_agent: str,
  auth_method: str,
  status: str,
  impersonator: lenient(z.looseObject({ email: str, reason: str })),
  expires_at: str,
  ended_at: str,
  created_at: str,
  updated_at: str,
});

export const InvitationSchema = z.looseObject({
  object: str,
  id,
  email: str,
  state: str,
  organization_id: str,
  inviter_user_id: str,
  accepted_user_id: str,
  // token / accept_invitation_url (REST shape only) are deliberately not read.
  expires_at: str,
  created_at: str,
  updated_at: str,
});

export const ApiKeySchema = z.looseObject({
  object: str,
  id,
  owner: lenient(z.looseObject({ type: str, id: str, organization_id: str })),
  organization_id: str,
  name: str,
  // obfuscated_value is deliberately not read.
  permissions: lenient(z.array(z.string())),
  last_used_at: str,
  expires_at: str,
  created_at: str,
  updated_at: str,
  previous_attributes: obj,
});

export { describeValue };

/**
 * Issues joined by '; ', each `path: expected X, received Y`, e.g. `data.id: expected string, received undefined`;
 * an enum or literal mismatch reads `event: expected "event"` (no "Invalid option:" lead-in).
 */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return formatCoreIssues(error, prefix, { bareInvalidValue: true });
}
