// zod schemas of what the OpenAI Admin API returns (shapes from docs/vendors/openai.md
// and the `openai` SDK 6.x type declarations of admin/organization/*). Objects are non-strict: the
// API adds fields over time. Key material (`value`) is never declared, so parsing drops it before
// anything is mapped. A key's `redacted_value` (e.g. "sk-abc...wxyz") is declared: it is what
// OpenAI itself shows of a key, and the only thing a secret scanning alert can be matched on.
import { z } from 'zod';

const str = z.string();
const optStr = z.string().nullish();
const unixSeconds = z.number().int().nonnegative();
const optUnix = unixSeconds.nullish();

// ---- audit log --------------------------------------------------------------------------------

export const SessionActorSchema = z.object({
  type: z.literal('session'),
  session: z
    .object({
      user: z.object({ id: optStr, email: optStr }).nullish(),
      ip_address: optStr,
      user_agent: optStr,
      ja3: optStr,
      ja4: optStr,
      ip_address_details: z
        .object({ country: optStr, region_code: optStr, city: optStr, asn: z.union([z.string(), z.number()]).nullish() })
        .nullish(),
    })
    .nullish(),
});

export const ApiKeyActorSchema = z.object({
  type: z.literal('api_key'),
  api_key: z
    .object({
      id: optStr,
      type: z.string().nullish(),
      user: z.object({ id: optStr, email: optStr }).nullish(),
      service_account: z.object({ id: optStr }).nullish(),
    })
    .nullish(),
});

export const AuditActorSchema = z.union([SessionActorSchema, ApiKeyActorSchema, z.object({ type: z.string() })]);
export type AuditActor = z.infer<typeof AuditActorSchema>;

/** One audit log event; the type's payload sits under a key named after the type. */
export const AuditLogEventSchema = z.looseObject({
  id: str.min(1),
  type: str.min(1),
  effective_at: unixSeconds,
  project: z.object({ id: optStr, name: optStr }).nullish(),
  actor: AuditActorSchema.nullish(),
});
export type AuditLogEvent = z.infer<typeof AuditLogEventSchema> & Record<string, unknown>;

export const ListPageSchema = z.object({
  object: z.literal('list').optional(),
  data: z.array(z.unknown()),
  first_id: z.string().nullish(),
  last_id: z.string().nullish(),
  has_more: z.boolean().optional(),
});
export type ListPage = z.infer<typeof ListPageSchema>;

/** Minimum every audit item must have for the checkpoint (id + effective_at). */
export const AuditItemKeySchema = z.object({ id: str.min(1), effective_at: unixSeconds });

// payloads under ev[ev.type]
export const IdPayload = z.object({ id: optStr });
export const ApiKeyCreatedPayload = z.object({ id: optStr, data: z.object({ scopes: z.array(z.string()).nullish() }).nullish() });
export const ApiKeyUpdatedPayload = z.object({
  id: optStr,
  changes_requested: z.object({ scopes: z.array(z.string()).nullish() }).nullish(),
});
export const RolePayload = z.object({
  id: optStr,
  data: z.object({ role: optStr, email: optStr }).nullish(),
  changes_requested: z.object({ role: optStr }).nullish(),
});
export const InviteSentPayload = z.object({ id: optStr, data: z.object({ email: optStr, role: optStr }).nullish() });
export const LoginFailedPayload = z.object({ error_code: optStr, error_message: optStr });
export const ProjectPayload = z.object({
  id: optStr,
  data: z.object({ name: optStr, title: optStr }).nullish(),
  changes_requested: z.object({ title: optStr, name: optStr }).nullish(),
});
export const RoleDefinitionPayload = z.object({
  id: optStr,
  role_name: optStr,
  permissions: z.array(z.string()).nullish(),
  resource_id: optStr,
  resource_type: optStr,
  changes_requested: z
    .object({
      role_name: optStr,
      permissions_added: z.array(z.string()).nullish(),
      permissions_removed: z.array(z.string()).nullish(),
      resource_id: optStr,
      resource_type: optStr,
    })
    .nullish(),
});
export const RoleAssignmentPayload = z.object({
  id: optStr,
  principal_id: optStr,
  principal_type: optStr,
  resource_id: optStr,
  resource_type: optStr,
});
export const RoleBindingPayload = z.object({
  id: optStr,
  role_id: optStr,
  resource_id: optStr,
  resource_type: optStr,
  workspace_id: optStr,
  enabled: z.boolean().nullish(),
});
export const GroupPayload = z.object({
  id: optStr,
  data: z.object({ group_name: optStr }).nullish(),
  changes_requested: z.object({ group_name: optStr }).nullish(),
});
export const NamedPayload = z.object({ id: optStr, name: optStr });
export const ConfigListPayload = z.object({
  configs: z.array(z.object({ id: optStr, name: optStr })).nullish(),
  certificates: z.array(z.object({ id: optStr, name: optStr })).nullish(),
});

// ---- inventories ------------------------------------------------------------------------------

export const OrgUserSchema = z.object({
  id: str.min(1),
  name: optStr,
  email: optStr,
  role: optStr,
  added_at: optUnix,
  is_scim_managed: z.boolean().nullish(),
  is_service_account: z.boolean().nullish(),
  api_key_last_used_at: optUnix,
  user: z.object({ enabled: z.boolean().nullish(), banned: z.boolean().nullish(), banned_at: optUnix }).nullish(),
});

export const ProjectSchema = z.object({
  id: str.min(1),
  name: optStr,
  created_at: optUnix,
  archived_at: optUnix,
  status: optStr,
});

export const ProjectUserSchema = z.object({ id: str.min(1), name: optStr, email: optStr, role: optStr, added_at: optUnix });

export const ServiceAccountSchema = z.object({ id: str.min(1), name: optStr, role: optStr, created_at: optUnix });

const KeyOwnerSchema = z.object({
  type: optStr,
  id: optStr,
  name: optStr,
  role: optStr,
  user: z.object({ id: optStr, email: optStr, name: optStr, role: optStr }).nullish(),
  service_account: z.object({ id: optStr, name: optStr, role: optStr }).nullish(),
});

export const ProjectApiKeySchema = z.object({
  id: str.min(1),
  name: optStr,
  created_at: optUnix,
  last_used_at: optUnix,
  owner_project_access: optStr,
  redacted_value: optStr,
  owner: KeyOwnerSchema.nullish(),
});

export const AdminApiKeySchema = z.object({
  id: str.min(1),
  name: optStr,
  created_at: optUnix,
  last_used_at: optUnix,
  expires_at: optUnix,
  redacted_value: optStr,
  owner: KeyOwnerSchema.nullish(),
});

/** `path: message` per zod issue, dotted path (source-kit/issues.ts). */
export { formatIssuesDotted as formatIssues } from '../../source-kit/issues.ts';
