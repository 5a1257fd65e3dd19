// Pure routing and retry policy.
import type { AlertsSettings, QuietHours } from '../../core/config/alerts.ts';
import type { AlertFinding } from './message.ts';

const RANK = ['info', 'low', 'medium', 'high', 'critical'];

export function inQuietHours(q: QuietHours, nowMs: number): boolean {
  const d = new Date(nowMs);
  const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
  const toMin = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));
  const start = toMin(q.start);
  const end = toMin(q.end);
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

export interface RouteDecision {
  channel: string;
  /** Held back by quiet hours (recorded as 'suppressed', not sent). */
  suppressed: boolean;
}

/**
 * Every route whose planes/severities/detections all match (an empty list matches anything)
 * contributes its channels; with no matching route, the default route applies. A channel reached
 * by several routes is notified once, suppressed only if every route reaching it is in quiet hours.
 */
export function routeFinding(
  settings: AlertsSettings,
  f: Pick<AlertFinding, 'plane' | 'severity' | 'detection'>,
  nowMs: number,
): RouteDecision[] {
  const matches = settings.routes.filter(
    (r) =>
      (r.planes.length === 0 || (r.planes as string[]).includes(f.plane)) &&
      (r.severities.length === 0 || (r.severities as string[]).includes(f.severity)) &&
      (r.detections.length === 0 || r.detections.includes(f.detection)),
  );
  const routes = matches.length ? matches : [settings.default_route];
  const out = new Map<string, boolean>();
  for (const r of routes) {
    const quiet =
      r.quiet_hours !== undefined &&
      inQuietHours(r.quiet_hours, nowMs) &&
      RANK.indexOf(f.severity) < RANK.indexOf(r.quiet_hours.min_severity);
    for (const c of r.channels) out.set(c, (out.get(c) ?? true) && quiet);
  }
  return [...out].map(([channel, suppressed]) => ({ channel, suppressed }));
}

export type AttemptOutcome =
  { kind: 'ok'; status: number } | { kind: 'http'; status: number; retryAfter: string | null } | { kind: 'network'; error: string };

/** Retry on 5xx, 429, timeouts and network errors; never on other 4xx (or 3xx). */
export function isRetryable(o: AttemptOutcome): boolean {
  if (o.kind === 'ok') return false;
  if (o.kind === 'network') return true;
  return o.status === 429 || o.status >= 500;
}

/** Retry-After as ms (delta-seconds or HTTP date), or null. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * Wait before attempt `attempt + 1` (attempt counts from 1): full jitter over an exponential cap,
 * `random() * min(max, initial * 2^(attempt-1))`, at least 1/2 of the cap's floor so waits grow;
 * a Retry-After wins (capped at max).
 */
export function backoffMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number,
  retryAfter: number | null = null,
): number {
  if (retryAfter !== null) return Math.min(retryAfter, maxMs);
  const cap = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}
