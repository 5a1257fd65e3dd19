// The two envelope bodies of source 'scim', as zod schemas.
//
// 1. ScimOperationRecord (transport 'scim'): written by planewatch's own SCIM service provider
//    (services/scim) for every change it makes. It carries what the mapping needs and nothing
//    secret: the request (password stripped), the resulting resource, a summary of the previous
//    state, and the exact changes (attribute names; members added/removed with what is known of
//    each member). For Groups, `result` omits `members` (replaced by `members_count`) so an
//    envelope stays proportional to the request, not to the size of the group; the membership
//    facts are in `changes`.
// 2. ScimCopy (transport 'webhook'): the signed copy of one SCIM operation that a product running
//    its own SCIM endpoint posts to /webhooks/scim/<connection>: {method, path, status, request,
//    response} plus the optional `tenant` (which of the product's customers' directories this is)
//    and `occurred_at` (ISO 8601 or epoch ms; default: when planewatch received it).
import { z } from 'zod';
import { parseJsonBody } from '../../source-kit/json-body.ts';

export const SCIM_RECORD_KIND = 'planewatch.scim.operation';

const nstr = z.string().nullable();
const jsonObject = z.record(z.string(), z.unknown());

export const MemberSummarySchema = z.object({
  id: z.string().min(1),
  /** 'User' / 'Group' when known (from the member's `type` or the stored resource). */
  type: z.enum(['User', 'Group']).nullable(),
  user_name: nstr,
  email: nstr,
  external_id: nstr,
  display: nstr,
  /** Whether the id refers to a resource this service provider holds (live or deleted). */
  known: z.boolean(),
});
export type MemberSummary = z.infer<typeof MemberSummarySchema>;

export const PreviousSummarySchema = z.object({
  version: z.number().int().positive(),
  active: z.boolean().nullable(),
  user_name: nstr,
  external_id: nstr,
  display_name: nstr,
  /** Primary (else first) email, lower-cased. */
  email: nstr,
  members_count: z.number().int().nonnegative().nullable(),
});
export type PreviousSummary = z.infer<typeof PreviousSummarySchema>;

export const ScimOperationRecordSchema = z.object({
  kind: z.literal(SCIM_RECORD_KIND),
  v: z.literal(1),
  connection: z.string().min(1),
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']),
  /** Request path below the connection's base, e.g. "/Users/2819c223-…". */
  path: z.string().min(1),
  resource_type: z.enum(['User', 'Group']),
  resource_id: z.string().min(1),
  status: z.number().int(),
  /** The resource's version after the change (the tombstone's for a DELETE). */
  version: z.number().int().positive(),
  /** When the service provider received the request (epoch ms). */
  at: z.number().int().nonnegative(),
  /** The request body with every password removed; null for DELETE. */
  request: z.unknown().transform((v) => v ?? null),
  password_supplied: z.boolean(),
  /**
   * Set when the provider made this change itself because of another request, e.g. a user's
   * removal from a group implied by "DELETE /Users/<id>" (services/scim/cascade.ts).
   */
  implied_by: z.string().min(1).optional(),
  /** The resource after the change; null after DELETE. */
  result: jsonObject.nullable(),
  previous: PreviousSummarySchema.nullable(),
  changes: z.object({
    /** Canonical names of the top-level attributes whose value changed (members excluded). */
    attributes: z.array(z.string()),
    members_added: z.array(MemberSummarySchema),
    members_removed: z.array(MemberSummarySchema),
  }),
  client: z.object({ user_agent: nstr, ip: nstr }),
});
export type ScimOperationRecord = z.infer<typeof ScimOperationRecordSchema>;

export const SCIM_COPY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const ScimCopySchema = z.looseObject({
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(SCIM_COPY_METHODS, { error: () => `expected one of ${SCIM_COPY_METHODS.join(', ')}` })),
  path: z.string().min(1, 'expected the request path, e.g. "/scim/v2/Users/<id>"'),
  status: z.number({ error: 'expected the HTTP status the product answered (a number)' }).int().min(100).max(599),
  request: jsonObject.nullish().transform((v) => v ?? null),
  response: jsonObject.nullish().transform((v) => v ?? null),
  tenant: z
    .string()
    .min(1)
    .nullish()
    .transform((v) => v ?? null),
  occurred_at: z
    .union([z.string().min(1), z.number().int().nonnegative()])
    .nullish()
    .transform((v) => v ?? null),
});
export type ScimCopy = z.infer<typeof ScimCopySchema>;

export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map(
      (i) =>
        `${
          i.path.length
            ? i.path
                .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
                .join('.')
                .replace(/\.\[/g, '[')
            : 'body'
        }: ${i.message}`,
    )
    .join('; ');
}

/** The parsed body; a parse error carries no message: the parser's quotes the input, which may hold a secret. */
export function parseScimJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  const parsed = parseJsonBody(body);
  return parsed.ok ? parsed : { ok: false };
}

/** The JSON type of a parsed value, for an error message that never quotes the value. */
export function describeJsonType(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
