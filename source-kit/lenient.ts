// The vendor payload schemas (sources/<vendor>/payloads.ts) are strict only on what a mapping keys
// on; every other field is read leniently, so that a display name of the wrong type cannot hide a
// deprovisioning.
import type { z } from 'zod';

/** Optional field: absent, null, or a value of the wrong type reads as null rather than failing the parse. */
export function lenient<T extends z.ZodType>(schema: T) {
  return schema.nullish().catch(null);
}
