// Ids of new resources, derived deterministically from (connection, type, unique name, n): a
// retried POST (after a 503) gets the same id, so it yields the same change event as the first try.
import { createHash, randomUUID } from 'node:crypto';
import type { ResourceTypeDef } from './schema.ts';
import type { ScimStore } from './store.ts';

/** A UUID-shaped id (RFC 9562 version 8 layout) from a SHA-256 digest. */
function uuidFrom(parts: string[]): string {
  const b = createHash('sha256').update(parts.join('\0'), 'utf8').digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The first candidate id never used by this type on this connection (live or deleted). */
export async function allocateId(store: ScimStore, connectionId: string, rt: ResourceTypeDef, uniqueLc: string): Promise<string> {
  for (let round = 0; round < 4; round++) {
    const candidates = Array.from({ length: 16 }, (_, i) => uuidFrom([connectionId, rt.name, uniqueLc, String(round * 16 + i)]));
    const used = await store.usedIds(connectionId, rt.name, candidates);
    const free = candidates.find((c) => !used.has(c));
    if (free) return free;
  }
  return randomUUID();
}
