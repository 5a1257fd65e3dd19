// The evidence behind a finding: its identity events and the raw deliveries they came from
// (`planewatch evidence <fingerprint>` and GET /api/v1/evidence/{fingerprint}).
import type { ClickHouseClient } from '@clickhouse/client';
import { readCurrentFindings } from '../findings/findings-store.ts';
import { findingJson, latestEvaluationTime, type FindingJson } from '../findings/findings.ts';

export const FINGERPRINT = /^[0-9a-f]{32}$/;

export interface EvidenceEvent {
  event_id: string;
  occurred_at: string;
  source: string;
  connection_id: string;
  plane: string;
  tenant_id: string | null;
  category: string;
  action: string;
  subject_kind: string;
  subject_id: string;
  subject_email: string | null;
  actor_id: string | null;
  vendor_type: string;
  raw_id: string;
}
export interface EvidenceRaw {
  id: string;
  source: string;
  connection_id: string;
  received_at: string;
  transport: string;
  content_type: string | null;
  verification_scheme: string;
  verified: boolean;
  body: string;
  body_encoding: string;
}
export interface Evidence {
  finding: FindingJson;
  events: EvidenceEvent[];
  raw_deliveries: EvidenceRaw[];
}

/** null when no finding has this fingerprint. */
export async function findingEvidence(client: ClickHouseClient, fingerprint: string): Promise<Evidence | null> {
  const [current, latest] = await Promise.all([readCurrentFindings(client, { fingerprint }), latestEvaluationTime(client)]);
  const f = current.get(fingerprint);
  if (!f) return null;
  const finding = findingJson(f, latest);
  const ev = await client.query({
    query: `SELECT event_id, toString(occurred_at) AS occurred_at, source, connection_id, plane, tenant_id, category, action, subject_kind,
                   subject_id, subject_email, actor_id, vendor_type, raw_id
            FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} ORDER BY occurred_at, event_id`,
    query_params: { ids: finding.evidence.event_ids },
    format: 'JSONEachRow',
  });
  const events = await ev.json<EvidenceEvent>();
  const rawIds = [...new Set([...finding.evidence.raw_ids, ...events.map((e) => e.raw_id)])];
  const raw = await client.query({
    query: `SELECT id, source, connection_id, toString(received_at) AS received_at, transport, content_type, verification_scheme, verified, body, body_encoding
            FROM raw_envelopes FINAL WHERE id IN {ids:Array(String)} ORDER BY received_at, id`,
    query_params: { ids: rawIds },
    format: 'JSONEachRow',
  });
  const raws = (await raw.json<Record<string, unknown>>()).map((r) => ({
    ...(r as unknown as EvidenceRaw),
    verified: Number(r.verified) === 1,
  }));
  return { finding, events, raw_deliveries: raws };
}
