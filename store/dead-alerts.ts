// Dead alerts for `planewatch status` (and GET /api/v1/status): notifications whose delivery ended
// `dead` (the last attempt failed, or a non-retryable answer) in pw_alert_notifications, counted per
// channel, plus the most recent ones. A dead notification stays dead: the alerter never sends a
// finished notification again, so these counts only grow (docs/ALERTS.md "Delivery").
import type { ClickHouseClient } from '@clickhouse/client';
import { fromDateTime64 } from '../core/clickhouse/rows.ts';

const iso = (s: string) => new Date(fromDateTime64(s)).toISOString();

export interface DeadAlertChannel {
  channel: string;
  channel_type: string;
  dead: number;
  last_dead_at: string;
}

export interface DeadAlert {
  finished_at: string;
  channel: string;
  channel_type: string;
  kind: string;
  detection: string;
  fingerprint: string;
  subject_id: string;
  attempts: number;
  http_status: number;
  last_error: string;
}

export interface DeadAlerts {
  total: number;
  by_channel: DeadAlertChannel[];
  recent: DeadAlert[];
}

/** Dead notifications per channel and the `recent` newest ones (times as ISO 8601 UTC). */
export async function deadAlerts(client: ClickHouseClient, opts: { recent?: number } = {}): Promise<DeadAlerts> {
  const recent = opts.recent ?? 5;
  const [byChannel, latest] = await Promise.all([
    client.query({
      query: `SELECT channel, channel_type, count() AS dead, toString(max(finished_at)) AS last_dead_at
              FROM pw_alert_notifications FINAL WHERE state = 'dead'
              GROUP BY channel, channel_type ORDER BY channel`,
      format: 'JSONEachRow',
    }),
    client.query({
      query: `SELECT toString(finished_at) AS finished_at, channel, channel_type, kind, detection, fingerprint,
                     subject_id, attempts, http_status, last_error
              FROM pw_alert_notifications FINAL WHERE state = 'dead'
              ORDER BY finished_at DESC, notification_id LIMIT {recent:UInt32}`,
      query_params: { recent },
      format: 'JSONEachRow',
    }),
  ]);
  const channels = (await byChannel.json<DeadAlertChannel>()).map((r) => ({
    ...r,
    dead: Number(r.dead),
    last_dead_at: iso(r.last_dead_at),
  }));
  return {
    total: channels.reduce((n, c) => n + c.dead, 0),
    by_channel: channels,
    recent: (await latest.json<DeadAlert>()).map((r) => ({
      ...r,
      finished_at: iso(r.finished_at),
      attempts: Number(r.attempts),
      http_status: Number(r.http_status),
    })),
  };
}

/** The human block under `planewatch status`. */
export function renderDeadAlerts(d: DeadAlerts): string {
  const out = ['alerts  (notifications that exhausted their retries or were refused: `planewatch alerts list --state dead`)'];
  if (d.total === 0) {
    out.push(`  ${'dead alerts'.padEnd(15)}none`, '');
    return out.join('\n');
  }
  out.push(`  ${'dead alerts'.padEnd(15)}${d.total}`);
  for (const c of d.by_channel) out.push(`    ${`${c.channel} (${c.channel_type})`.padEnd(30)}${c.dead} dead, last at ${c.last_dead_at}`);
  out.push(`  ${'most recent'.padEnd(15)}`);
  for (const r of d.recent) {
    out.push(`    ${r.finished_at}  ${r.channel}  ${r.kind} ${r.detection} finding ${r.fingerprint} (${r.subject_id})`);
    out.push(`      last error: ${r.last_error || '-'}`);
  }
  out.push('');
  return out.join('\n');
}
