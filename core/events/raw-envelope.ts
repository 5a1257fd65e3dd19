// A delivery or fetched page as received; mirrors schemas/raw-envelope.v1.avsc.
import { createHash } from 'node:crypto';

export interface RawEnvelope {
  id: string;
  source: string;
  connection_id: string;
  received_at: number;
  transport: 'webhook' | 'poll' | 'scim' | 'inventory' | string;
  content_type: string | null;
  headers: Record<string, string>;
  body: Buffer;
  verification: { scheme: string; verified: boolean; detail: string | null };
}

/** Same source, connection and bytes → same id, so a redelivery is recognisably the same delivery. */
export function rawEnvelopeId(source: string, connectionId: string, body: Buffer): string {
  return (
    'raw_' + createHash('sha256').update(source).update('\0').update(connectionId).update('\0').update(body).digest('hex').slice(0, 32)
  );
}
