// Credentials with owner and last use (the `credentials` CLI command and GET /api/v1/credentials).
// Which ones are stale or orphaned is what the detections say: a credential is "stale" / "orphaned"
// while a PW-STALE-CREDENTIAL / PW-ORPHANED-CREDENTIAL finding about it is open.
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';
import { PLANES } from '../../core/events/identity-event.ts';
import { readCurrentFindings } from '../findings/findings-store.ts';

export const CredentialsQuery = z.object({
  which: z.enum(['all', 'stale', 'orphaned'], { error: () => 'expected all, stale or orphaned' }).default('all'),
  plane: z.enum(PLANES, { error: () => 'expected "platform" or "application"' }).optional(),
  source: z
    .string()
    .regex(/^[a-z0-9_-]+$/, 'expected a source id like openai')
    .optional(),
  tenant: z.string().min(1).max(256).optional(),
  status: z.enum(['active', 'revoked'], { error: () => 'expected active or revoked' }).optional(),
});
export type CredentialsQuery = z.infer<typeof CredentialsQuery>;

export interface CredentialRow {
  plane: string;
  source: string;
  tenant: string | null;
  credential_id: string;
  kind: string;
  name: string | null;
  status: string;
  owner_kind: string | null;
  owner_id: string | null;
  owner_email: string | null;
  created_at: string | null;
  last_used_at: string | null;
  removed_at: string | null;
  stale: boolean;
  orphaned: boolean;
  findings: string[];
}

const isoOrNull = (ms: unknown) => (Number(ms) > 0 ? new Date(Number(ms)).toISOString() : null);

export async function listCredentials(client: ClickHouseClient, q: CredentialsQuery): Promise<CredentialRow[]> {
  const where = ['1'];
  if (q.plane) where.push('c.plane = {plane:String}');
  if (q.source) where.push('c.source = {source:String}');
  if (q.tenant !== undefined) where.push('c.tenant = {tenant:String}');
  if (q.status) where.push('c.status = {status:String}');
  const rs = await client.query({
    query: `
      SELECT c.plane AS plane, c.source AS source, c.tenant AS tenant, c.credential_id AS credential_id, c.kind AS kind, c.name AS name,
             c.status AS status, c.owner_kind AS owner_kind, c.owner_id AS owner_id, ifNull(o.email, '') AS owner_email,
             c.created_ms AS created_ms, c.last_used_ms AS last_used_ms, c.removed_ms AS removed_ms
      FROM pw_credentials AS c
      LEFT JOIN (SELECT source, subject_id, anyIf(email, email != '') AS email FROM pw_accounts GROUP BY source, subject_id) AS o
        ON o.source = c.source AND o.subject_id = c.owner_id
      WHERE ${where.join(' AND ')}
      ORDER BY c.plane, c.source, c.tenant, c.credential_id`,
    query_params: { plane: q.plane, source: q.source, tenant: q.tenant, status: q.status },
    format: 'JSONEachRow',
    clickhouse_settings: { join_use_nulls: 1 },
  });
  const findings = [...(await readCurrentFindings(client, { detectionContains: 'CREDENTIAL', unresolved: true })).values()];
  const byCred = new Map<string, string[]>();
  for (const f of findings) {
    const k = `${f.source}|${f.subject_id}`;
    byCred.set(k, [...(byCred.get(k) ?? []), f.detection].sort());
  }
  const rows = (await rs.json<Record<string, unknown>>()).map((r): CredentialRow => {
    const ds = byCred.get(`${String(r.source)}|${String(r.credential_id)}`) ?? [];
    const s = (v: unknown) => (v === null || v === undefined || v === '' ? null : String(v));
    return {
      plane: String(r.plane),
      source: String(r.source),
      tenant: s(r.tenant),
      credential_id: String(r.credential_id),
      kind: String(r.kind),
      name: s(r.name),
      status: String(r.status),
      owner_kind: s(r.owner_kind),
      owner_id: s(r.owner_id),
      owner_email: s(r.owner_email),
      created_at: isoOrNull(r.created_ms),
      last_used_at: isoOrNull(r.last_used_ms),
      removed_at: isoOrNull(r.removed_ms),
      stale: ds.includes('PW-STALE-CREDENTIAL'),
      orphaned: ds.includes('PW-ORPHANED-CREDENTIAL'),
      findings: ds,
    };
  });
  return rows.filter((r) => q.which === 'all' || (q.which === 'stale' ? r.stale : r.orphaned));
}
