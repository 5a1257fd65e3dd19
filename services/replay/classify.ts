// What a wave of a replay did to the stored events, from a snapshot of their content hashes before
// the wave and of the rows the wave (re)wrote after it. Pure (tested in test/unit/services/replay/filter.test.ts).

export interface EventHash {
  source: string;
  event_id: string;
  /** Hash of the mapped content (everything but raw_id, connection_id, received_at, ingested_at). */
  h: string;
}

export interface WaveOutcome {
  /** Rows the replayed envelopes (re)wrote. */
  written: number;
  /** Same (source, event_id), different content. */
  changed: number;
  /** Keys not attributed to these envelopes before (a new event, or one last written by another delivery). */
  added: number;
  unchanged: number;
  /** Keys these envelopes had produced that the wave did not write again: candidates for removal. */
  missing: { source: string; event_id: string }[];
}

const keyOf = (e: { source: string; event_id: string }) => `${e.source}\u0000${e.event_id}`;

export function classifyWave(before: readonly EventHash[], after: readonly EventHash[]): WaveOutcome {
  const was = new Map(before.map((e) => [keyOf(e), e.h]));
  const seen = new Set<string>();
  let changed = 0;
  let added = 0;
  let unchanged = 0;
  for (const e of after) {
    const k = keyOf(e);
    if (seen.has(k)) continue;
    seen.add(k);
    const old = was.get(k);
    if (old === undefined) added++;
    else if (old === e.h) unchanged++;
    else changed++;
  }
  const missing = before.filter((e) => !seen.has(keyOf(e))).map((e) => ({ source: e.source, event_id: e.event_id }));
  return { written: seen.size, changed, added, unchanged, missing };
}
