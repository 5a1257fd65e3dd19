// Input a stage could not process; mirrors schemas/dead-letter.v1.avsc.
import { createHash } from 'node:crypto';

export interface DeadLetter {
  id: string;
  stage: 'collector' | 'normalizer' | 'sink' | 'poller' | string;
  reason: string;
  source: string | null;
  connection_id: string | null;
  raw_id: string | null;
  origin_topic: string | null;
  origin_partition: number | null;
  origin_offset: string | null;
  payload: Buffer;
  failed_at: number;
}

/** Stable id: the same failure of the same input (e.g. after a crash and re-run) is one dead letter. */
export function deadLetterId(stage: string, reason: string, payload: Buffer, where = ''): string {
  return (
    'dlq_' +
    createHash('sha256')
      .update(stage)
      .update('\0')
      .update(where)
      .update('\0')
      .update(reason)
      .update('\0')
      .update(payload)
      .digest('hex')
      .slice(0, 32)
  );
}

/**
 * Largest payload a dead letter carries. A dead letter must always be publishable: the poison it
 * describes can be as large as the broker's message.max.bytes, and a dead letter holding all of it
 * plus its other fields would be refused by the broker, so the stage producing it would retry
 * forever and its partition would stop. Beyond this size the payload keeps its first bytes and the
 * reason says so (the full original stays in raw_envelopes when there is one: raw_id).
 */
export const MAX_DEAD_LETTER_PAYLOAD_BYTES = 512 * 1024;

/** Longest reason a dead letter carries (reasons quote vendor values; they must stay bounded too). */
export const MAX_DEAD_LETTER_REASON_CHARS = 4096;

/** The dead letter with its payload cut to MAX_DEAD_LETTER_PAYLOAD_BYTES and its reason to MAX_DEAD_LETTER_REASON_CHARS; unchanged when within both. */
export function boundedDeadLetter(dl: DeadLetter, max = MAX_DEAD_LETTER_PAYLOAD_BYTES): DeadLetter {
  if (dl.payload.length <= max && dl.reason.length <= MAX_DEAD_LETTER_REASON_CHARS) return dl;
  let reason = dl.reason.length > MAX_DEAD_LETTER_REASON_CHARS ? dl.reason.slice(0, MAX_DEAD_LETTER_REASON_CHARS) + '…' : dl.reason;
  let payload = dl.payload;
  if (payload.length > max) {
    reason += ` (payload truncated to its first ${max} of ${payload.length} bytes)`;
    payload = Buffer.from(payload.subarray(0, max));
  }
  return { ...dl, reason, payload };
}
