// SCIM 2.0 (RFC 7643/7644) — application plane by default (inbound provisioning from a customer's
// or the company's IdP). Two ways in, one normalize path:
//
// 1. planewatch's own SCIM service provider (services/scim, `/scim/v2/<connection>/`, connections
//    with `vendor: scim, transport: scim`) writes one ScimOperationRecord envelope per change
//    (transport 'scim'); see payloads.ts.
// 2. A product that runs its own SCIM endpoint posts a signed copy of each operation to
//    `POST /webhooks/scim/<connection>` (connections with `vendor: scim, transport: webhook`):
//
//      X-Planewatch-Signature: t=<unix ms>,v1=<hex HMAC-SHA256(secret, t + "." + rawBody)>
//      {"method":"PATCH","path":"/scim/v2/Users/2819c223","status":200,
//       "request":{…the SCIM request body…},"response":{…the SCIM response body, or null…},
//       "tenant":"customer-42"            (optional: which customer's directory)
//       "occurred_at":"2026-11-29T10:00:00Z"}   (optional: default = when received)
//
//    The signing recipe is in webhook.ts. The signature is checked over the bytes as received;
//    then the collector removes every password and other secret (source-kit/redact.ts) BEFORE
//    it builds the raw envelope, so the stored evidence never holds one (a body without a secret
//    is kept byte for byte; one with a secret is re-serialized without it).
//
// Mapping: map.ts (pure). Secrets: the SCIM bearer token (service provider) and the HMAC secret
// (copies) come from the connection's secret_env and never enter an envelope, an event or a log.
import type { NormalizeInput, NormalizeOutcome, SourceModule } from '../../source-kit/source-module.ts';
import { mapOperationRecord, mapScimCopy } from './map.ts';
import { formatIssues, parseScimJson, ScimCopySchema, ScimOperationRecordSchema } from './payloads.ts';
import { scimWebhook } from './webhook.ts';
import { webhookSamples } from './samples.ts';

export function normalizeScim(input: NormalizeInput): NormalizeOutcome {
  const parsed = parseScimJson(input.body);
  if (!parsed.ok) throw new Error('SCIM body is not valid JSON');
  if (input.transport === 'scim') {
    const record = ScimOperationRecordSchema.safeParse(parsed.value);
    if (!record.success) throw new Error(`SCIM operation record is invalid: ${formatIssues(record.error)}`);
    return { events: mapOperationRecord(record.data), rejected: [] };
  }
  const copy = ScimCopySchema.safeParse(parsed.value);
  if (!copy.success) throw new Error(`SCIM copy is invalid: ${formatIssues(copy.error)}`);
  const result = mapScimCopy(copy.data, { rawId: input.rawId, receivedAt: input.receivedAt });
  if (result.ok) return { events: result.events, rejected: [] };
  return { events: [], rejected: [{ reason: result.reason, item: parsed.value }] };
}

export const scim: SourceModule = {
  name: 'scim',
  defaultPlane: 'application',
  webhook: scimWebhook,
  samples: webhookSamples,
  normalize: normalizeScim,
};

export { signScimCopy, verifyScimCopySignature, SCIM_SIGNATURE_SCHEME } from './webhook.ts';
export { suppliesPassword, isPasswordAttribute } from './password.ts';
export { mapOperationRecord, mapScimCopy, scimEventIdBase, subjectEmail, scimBool } from './map.ts';
export {
  SCIM_RECORD_KIND,
  ScimOperationRecordSchema,
  type ScimOperationRecord,
  type MemberSummary,
  type PreviousSummary,
} from './payloads.ts';
