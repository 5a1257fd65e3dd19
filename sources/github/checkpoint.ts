// The alerts poller's checkpoint: `last_updated_at`, the newest updated_at delivered so far. An
// alert listing is a state, not a feed (GitHub has no "updated since" filter), so every cycle walks
// all alerts and this only decides which pages are published (poller.ts).
import { z } from 'zod';

export const AlertsCheckpointSchema = z.object({ v: z.literal(1), last_updated_at: z.string().nullable() });
export type AlertsCheckpoint = z.infer<typeof AlertsCheckpointSchema>;

export function describeAlertsCheckpoint(checkpoint: unknown): string {
  const p = AlertsCheckpointSchema.safeParse(checkpoint);
  if (!p.success) return JSON.stringify(checkpoint);
  return p.data.last_updated_at ? `alerts updated up to ${p.data.last_updated_at}` : 'no alert delivered yet';
}
