// The Okta System Log checkpoint: Okta's own `rel="next"` URL of the last page Kafka acknowledged.
// Pure functions, so restart behaviour is unit-tested.
//
// Polling mode (docs/vendors/okta.md, Okta's "System Log query" guide): the first
// request names `since` (ISO) and no `until`; the list is then ordered by the time Okta STORED each
// event (so `published` may go slightly backwards between items), it never ends, and every page —
// an empty one included — carries a `Link: <…>; rel="next"` URL. That URL is the durable cursor:
// - after a non-empty page, the next request is its next link;
// - an empty page means "caught up for now": its next link is kept and asked again next cycle;
// - a restart resumes at the stored link, so at most the page in flight at the crash is fetched
//   again; its events keep their `uuid` as event_id and collapse downstream (as does an event that
//   also arrived through an event hook).
// Besides the link, the checkpoint keeps the highest `published` delivered so far: should Okta ever
// refuse the stored link (or the connection's org URL change), the walk restarts with `since` =
// that time. Nothing is lost by it: an event not yet delivered was stored after the last delivered
// one, and an event is stored no earlier than its `published`, so its storage time is above every
// delivered `published`. What comes twice collapses on uuid.
import { z } from 'zod';
import { clampToRetention as sharedClampToRetention, retentionFloor as sharedRetentionFloor } from '../../source-kit/retention.ts';

/** Okta keeps the System Log for 90 days. */
export const RETENTION_MS = 90 * 24 * 3_600_000;
/** A start this close to the retention edge is moved forward by this much, so the request does not race the edge. */
export const RETENTION_MARGIN_MS = 5 * 60_000;

export const SystemLogCheckpointSchema = z.object({
  v: z.literal(1),
  /** Okta's `rel="next"` URL of the last acknowledged page; null until the first page. */
  next: z.url().nullable(),
  /** `since` (ISO) of the first request, used while `next` is null. */
  since: z.string().min(1),
  /** Highest `published` (ISO, as Okta sent it) among the events delivered so far. */
  high_published: z.string().nullable(),
  /** uuid of the last event delivered (shown by `planewatch status`). */
  last_uuid: z.string().nullable(),
});
export type SystemLogCheckpoint = z.infer<typeof SystemLogCheckpointSchema>;

const WINDOW = { retentionMs: RETENTION_MS, marginMs: RETENTION_MARGIN_MS };

/** The earliest start Okta still has events for (with the margin). */
export const retentionFloor = (nowMs: number): number => sharedRetentionFloor(nowMs, WINDOW);

/** Clamps a start (ms) into the retention window; says so when it moved. */
export const clampToRetention = (startMs: number, nowMs: number): { startMs: number; clamped: boolean } =>
  sharedClampToRetention(startMs, nowMs, WINDOW);

export function initialSystemLogCheckpoint(sinceMs: number | null, nowMs: number): SystemLogCheckpoint {
  const { startMs } = clampToRetention(sinceMs ?? 0, nowMs);
  return { v: 1, next: null, since: new Date(startMs).toISOString(), high_published: null, last_uuid: null };
}

/** The stored checkpoint, or a fresh one from `since` when there is none (or it is unreadable). */
export function resumeSystemLogCheckpoint(
  stored: unknown,
  sinceMs: number | null,
  nowMs: number,
): { checkpoint: SystemLogCheckpoint; problem: string | null } {
  if (stored === null || stored === undefined) {
    const clamped = sinceMs !== null && clampToRetention(sinceMs, nowMs).clamped;
    return {
      checkpoint: initialSystemLogCheckpoint(sinceMs, nowMs),
      problem: clamped
        ? `start ${new Date(sinceMs).toISOString()} is beyond Okta's 90-day System Log retention; starting at the oldest events Okta keeps`
        : null,
    };
  }
  const parsed = SystemLogCheckpointSchema.safeParse(stored);
  if (parsed.success) return { checkpoint: parsed.data, problem: null };
  const issue = parsed.error.issues[0];
  return {
    checkpoint: initialSystemLogCheckpoint(sinceMs, nowMs),
    problem: `stored checkpoint unreadable (${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}); starting from since`,
  };
}

export interface LogEventKey {
  uuid: string;
  /** `published` as Okta sent it; null when missing or unreadable. */
  published: string | null;
}

function laterIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  const ma = Date.parse(a);
  const mb = Date.parse(b);
  if (Number.isNaN(mb)) return a;
  if (Number.isNaN(ma)) return b;
  return mb > ma ? b : a;
}

/**
 * The checkpoint after a page was acknowledged: the cursor becomes the page's next link (unchanged
 * when Okta sent none), high_published the latest `published` seen, last_uuid the page's last event.
 */
export function advanceSystemLogCheckpoint(
  cp: SystemLogCheckpoint,
  items: readonly LogEventKey[],
  nextLink: string | null,
): SystemLogCheckpoint {
  let high = cp.high_published;
  for (const e of items) high = laterIso(high, e.published);
  const last = items[items.length - 1];
  return { v: 1, next: nextLink ?? cp.next, since: cp.since, high_published: high, last_uuid: last ? last.uuid : cp.last_uuid };
}

/**
 * Where to start again without a cursor (Okta refused the stored link, or it belongs to another
 * org URL): `since` = the highest published delivered (else the original since), clamped into
 * retention. See the header for why this loses nothing.
 */
export function restartWithoutCursor(cp: SystemLogCheckpoint, nowMs: number): SystemLogCheckpoint {
  const highMs = cp.high_published ? Date.parse(cp.high_published) : NaN;
  const fromMs = Number.isFinite(highMs) ? highMs : Date.parse(cp.since);
  const { startMs } = clampToRetention(Number.isFinite(fromMs) ? fromMs : 0, nowMs);
  return { v: 1, next: null, since: new Date(startMs).toISOString(), high_published: cp.high_published, last_uuid: cp.last_uuid };
}

/** The `after` value of a next link, for humans (the link itself is opaque to us). */
function afterOf(link: string): string | null {
  try {
    return new URL(link).searchParams.get('after');
  } catch {
    return null;
  }
}

export function describeSystemLogCheckpoint(checkpoint: unknown): string {
  const parsed = SystemLogCheckpointSchema.safeParse(checkpoint);
  if (!parsed.success) return JSON.stringify(checkpoint);
  const cp = parsed.data;
  if (!cp.next) return `since ${cp.since} (no page yet)`;
  const after = afterOf(cp.next);
  const where = after !== null ? `next after=${after}` : 'next link stored';
  return cp.last_uuid
    ? `${where} (last event ${cp.last_uuid}${cp.high_published ? `, latest published ${cp.high_published}` : ''})`
    : `${where} (no event yet)`;
}
