// How a replayed raw envelope is told apart from a new delivery on planewatch.raw.v1: a Kafka
// header naming the replay. The envelope itself (id, bytes, received_at) is exactly the stored one,
// so everything downstream keys the same rows; only the sink looks at the mark (it does not store
// the raw envelope again: raw_envelopes already holds it, see docs/OPERATIONS.md "Replay").
export const REPLAY_HEADER = 'pw-replay';

type Headers = Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined;

/** The replay id a raw-topic message carries, or null for a live delivery / fetched page. */
export function replayIdOf(headers: Headers): string | null {
  const v = headers?.[REPLAY_HEADER];
  if (v === undefined) return null;
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return null;
  const text = first.toString();
  return text === '' ? null : text;
}
