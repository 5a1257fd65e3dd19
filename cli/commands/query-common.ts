// Shared by the query commands (lag, person, credentials, evidence, export, findings): read through
// the running planewatch's API when it runs (it holds the embedded store), else from ClickHouse
// directly; period and time options; usage errors exit 2.
import type { ClickHouseClient } from '@clickhouse/client';
import { readRunInfo } from '../../core/run-file.ts';
import { VENDOR_DEFAULT_PLANES } from '../../sources/vendors.ts';
import type { DefaultPlaneOf } from '../../store/detections/params.ts';
import { withClickHouse, type StoreContext } from '../store-context.ts';

export const defaultPlaneOf: DefaultPlaneOf = (vendor) => VENDOR_DEFAULT_PLANES[vendor] ?? 'application';

export function usageError(command: string, message: string): never {
  process.stderr.write(`planewatch ${command}: ${message}\n`);
  process.exit(2);
}

async function apiGet(url: string, token: string): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { error?: { message: string } };
  if (!res.ok) throw new Error(`planewatch API answered ${res.status}: ${body.error?.message ?? 'unknown error'}`);
  return body;
}

/**
 * The running process's answer for `path` (every page of a paginated list is fetched), or — when
 * no planewatch runs on the data dir — `direct` run against ClickHouse.
 */
export async function apiOrStore<T>(
  ctx: StoreContext,
  path: string,
  query: Record<string, string | undefined>,
  direct: (client: ClickHouseClient) => Promise<T>,
  paged = false,
): Promise<T> {
  const run = readRunInfo(ctx.dataDir);
  if (!run) return withClickHouse(ctx, direct);
  const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
  if (!paged) return ((await apiGet(`${run.url}${path}?${qs}`, run.token)) as { data: T }).data;
  const all: unknown[] = [];
  qs.set('limit', '1000');
  for (;;) {
    const page = (await apiGet(`${run.url}${path}?${qs}`, run.token)) as { data: unknown[]; next_cursor: string | null };
    all.push(...page.data);
    if (!page.next_cursor) return all as T;
    qs.set('cursor', page.next_cursor);
  }
}

const DAY = 86_400_000;

/** ISO date/time → epoch ms, or a usage error naming the option. */
export function parseTime(command: string, option: string, text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms))
    usageError(command, `--${option}: expected an ISO 8601 date or time such as 2026-04-01 or 2026-04-01T00:00:00Z, got "${text}"`);
  return ms;
}

export interface PeriodOptions {
  from?: string;
  to?: string;
  quarter?: string;
  now?: string;
}

/** [from, to) from --quarter YYYYQn or --from/--to (default: the last `defaultDays` days up to now). */
export function parsePeriod(command: string, o: PeriodOptions, defaultDays: number): { from: number; to: number; now: number } {
  const now = o.now ? parseTime(command, 'now', o.now) : Date.now();
  if (o.quarter !== undefined) {
    if (o.from || o.to) usageError(command, '--quarter cannot be combined with --from/--to');
    const m = /^(\d{4})-?Q([1-4])$/i.exec(o.quarter);
    if (!m) usageError(command, `--quarter: expected a quarter like 2026Q2, got "${o.quarter}"`);
    const y = Number(m[1]);
    const q = Number(m[2]);
    return { from: Date.UTC(y, (q - 1) * 3, 1), to: Date.UTC(y, q * 3, 1), now };
  }
  const to = o.to ? parseTime(command, 'to', o.to) : now;
  const from = o.from ? parseTime(command, 'from', o.from) : to - defaultDays * DAY;
  if (to <= from) usageError(command, '--to: expected a time later than --from');
  return { from, to, now };
}

export const iso = (ms: number) => new Date(ms).toISOString();

export function formatDuration(ms: number | null): string | null {
  if (ms === null) return null;
  const h = ms / 3_600_000;
  return h >= 48 ? `${(h / 24).toFixed(1)}d` : `${h.toFixed(1)}h`;
}
