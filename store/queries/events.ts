// Read queries over identity_events shared by the CLI and the API, so both show the same thing.
import type { ClickHouseClient } from '@clickhouse/client';
import { z } from 'zod';

export const RecentEventsQuery = z.object({
  last: z.coerce.number().int().min(1).max(10_000).default(10),
  source: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .optional(),
  plane: z.enum(['platform', 'application']).optional(),
  connection: z
    .string()
    .regex(/^[a-z0-9_-]+$/)
    .optional(),
});
export type RecentEventsQuery = z.infer<typeof RecentEventsQuery>;

export interface EventRow {
  event_id: string;
  occurred_at: string;
  received_at: string;
  source: string;
  connection_id: string;
  plane: string;
  tenant_id: string | null;
  category: string;
  action: string;
  outcome: string | null;
  subject_kind: string;
  subject_id: string;
  subject_email: string | null;
  actor_id: string | null;
  actor_email: string | null;
  vendor_type: string;
  raw_id: string;
}

export async function recentEvents(client: ClickHouseClient, q: RecentEventsQuery): Promise<EventRow[]> {
  const where: string[] = [];
  if (q.source) where.push('source = {source:String}');
  if (q.plane) where.push('plane = {plane:String}');
  if (q.connection) where.push('connection_id = {connection:String}');
  const rs = await client.query({
    query: `
      SELECT event_id, toString(occurred_at) AS occurred_at, toString(received_at) AS received_at, source, connection_id,
             plane, tenant_id, category, action, outcome, subject_kind, subject_id, subject_email, actor_id, actor_email,
             vendor_type, raw_id
      FROM identity_events FINAL
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY occurred_at DESC, event_id
      LIMIT {last:UInt32}`,
    query_params: { ...q },
    format: 'JSONEachRow',
  });
  return rs.json<EventRow>();
}
