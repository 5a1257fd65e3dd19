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
  return 'dlq_' + createHash('sha256').update(stage).update('\0').update(where).update('\0').update(reason).update('\0').update(payload).digest('hex').slice(0, 32);
}
