// Recent alert notifications and their delivery state, as `planewatch alerts list` shows them (the
// alerter writes them: services/alerter/store.ts, migrations/0007_alerts.sql).
import type { ClickHouseClient } from '@clickhouse/client';

export interface NotificationListRow {
  finished_at: string;
  state: string;
  kind: string;
  channel: string;
  channel_type: string;
  detection: string;
  severity: string;
  plane: string;
  subject_id: string;
  subject_email: string;
  attempts: number;
  http_status: number;
  last_error: string;
  fingerprint: string;
}

/** Recent notifications, newest first, optionally one state. */
export async function listNotifications(client: ClickHouseClient, opts: { limit: number; state?: string }): Promise<NotificationListRow[]> {
  const rs = await client.query({
    query: `SELECT toString(finished_at) AS finished_at, state, kind, channel, channel_type, detection, severity, plane, subject_id, subject_email,
                   attempts, http_status, last_error, fingerprint
            FROM pw_alert_notifications FINAL
            ${opts.state ? 'WHERE state = {state:String}' : ''}
            ORDER BY finished_at DESC, notification_id LIMIT {limit:UInt32}`,
    query_params: { limit: opts.limit, state: opts.state ?? '' },
    format: 'JSONEachRow',
  });
  return (await rs.json<NotificationListRow>()).map((r) => ({ ...r, attempts: Number(r.attempts), http_status: Number(r.http_status) }));
}
