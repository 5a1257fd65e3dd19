// The delivery record and log in ClickHouse (migrations/0007_alerts.sql).
import type { ClickHouseClient } from '@clickhouse/client';
import { toDateTime64 } from '../../core/clickhouse/rows.ts';

export type FinalState = 'delivered' | 'dead' | 'suppressed';

export interface NotificationRow {
  notification_id: string;
  transition_key: string;
  fingerprint: string;
  kind: string;
  transition: string;
  evaluation_id: string;
  detection: string;
  severity: string;
  plane: string;
  subject_id: string;
  subject_email: string;
  channel: string;
  channel_type: string;
  state: FinalState;
  attempts: number;
  http_status: number;
  last_error: string;
  created_at: number;
  finished_at: number;
}

export interface AttemptRow {
  notification_id: string;
  fingerprint: string;
  kind: string;
  channel: string;
  attempt: number;
  outcome: 'ok' | 'retry' | 'failed';
  http_status: number;
  error: string;
  latency_ms: number;
  attempted_at: number;
}

export interface DeliveryStore {
  /** The final state recorded for this notification, or null when it was never finished. */
  finalState(notificationId: string): Promise<FinalState | null>;
  recordAttempt(row: AttemptRow): Promise<void>;
  recordFinal(row: NotificationRow): Promise<void>;
}

export function clickhouseDeliveryStore(client: ClickHouseClient): DeliveryStore {
  return {
    async finalState(id) {
      const rs = await client.query({
        query:
          'SELECT argMax(state, finished_at) AS state FROM pw_alert_notifications WHERE notification_id = {id:String} GROUP BY notification_id',
        query_params: { id },
        format: 'JSONEachRow',
      });
      const [r] = await rs.json<{ state: FinalState }>();
      return r?.state ?? null;
    },
    async recordAttempt(row) {
      await client.insert({
        table: 'pw_alert_attempts',
        format: 'JSONEachRow',
        values: [{ ...row, attempted_at: toDateTime64(row.attempted_at) }],
      });
    },
    async recordFinal(row) {
      await client.insert({
        table: 'pw_alert_notifications',
        format: 'JSONEachRow',
        values: [{ ...row, created_at: toDateTime64(row.created_at), finished_at: toDateTime64(row.finished_at) }],
      });
    },
  };
}
