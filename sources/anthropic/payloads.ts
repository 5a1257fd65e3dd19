// zod schemas of what the Anthropic Admin API returns (docs/vendors/anthropic.md and the
// `@anthropic-ai/sdk` 1.14.0 type declarations of beta/organization/*). Objects are non-strict: the
// API adds fields over time. `partial_key_hint` is what Anthropic displays of a key (e.g.
// "sk-ant-api03-R2D...igAA"): read only when it has that displayed shape (source-kit/redact.ts
// KEY_HINT_SHAPE, the same test that lets it through redaction); anything else reads as null.
//
// Policy: ids the diff keys on are required non-empty strings (a missing one makes the page
// malformed: an object we cannot identify would make the inventory diff lie); every other field is
// lenient (a value of the wrong type reads as null rather than hiding an account or a key).
import { z } from 'zod';
import { lenient } from '../../source-kit/lenient.ts';
import { isDisplayedKeyHint } from '../../source-kit/redact.ts';

const id = z.string().min(1);
const str = lenient(z.string());

/** Page envelope: `{data, has_more, first_id, last_id}`; service accounts page with `next_page`. */
export const ListPageSchema = z.object({
  data: z.array(z.unknown()),
  has_more: z.boolean().nullish(),
  first_id: z.string().nullish(),
  last_id: z.string().nullish(),
  next_page: z.string().nullish(),
});
export type ListPage = z.infer<typeof ListPageSchema>;

export const UserSchema = z.object({
  id,
  type: str,
  email: str,
  name: str,
  role: str,
  added_at: str,
});

export const InviteSchema = z.object({
  id,
  type: str,
  email: str,
  role: str,
  status: str,
  invited_at: str,
  expires_at: str,
  accepted_at: str,
  rbac_group_ids: lenient(z.array(z.string())),
});

export const ApiKeySchema = z.object({
  id,
  type: str,
  name: str,
  status: str,
  created_at: str,
  expires_at: str,
  created_by: lenient(z.object({ type: str, id: str })),
  principal: lenient(z.object({ type: str, user_id: str, service_account_id: str })),
  scope: lenient(z.object({ type: str, workspace_id: str })),
  /** Deprecated top-level workspace id (older API versions). */
  workspace_id: str,
  /** "Partially redacted hint for the API key"; kept only in the displayed shape (see the header). */
  partial_key_hint: z
    .unknown()
    .optional()
    .transform((v) => (isDisplayedKeyHint(v) ? v : null)),
});
export type ApiKey = z.infer<typeof ApiKeySchema>;

export const WorkspaceSchema = z.object({
  id,
  type: str,
  name: str,
  created_at: str,
  archived_at: str,
});

export const WorkspaceMemberSchema = z.object({
  user_id: id,
  type: str,
  workspace_id: str,
  workspace_role: str,
});

export const ServiceAccountSchema = z.object({
  id,
  type: str,
  name: str,
  organization_role: str,
  created_at: str,
  created_by_actor_id: str,
  updated_at: str,
  archived_at: str,
  archived_by_actor_id: str,
});

/** `path: message` per zod issue, dotted path (source-kit/issues.ts). */
export { formatIssuesDotted as formatIssues } from '../../source-kit/issues.ts';
