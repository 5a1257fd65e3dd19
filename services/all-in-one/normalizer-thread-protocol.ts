// Messages between the all-in-one's main thread and its normalizer worker thread
// (normalizer-thread.ts ↔ normalizer-worker.ts), checked with zod on both sides.
import { z } from 'zod';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';

export const normalizerWorkerDataSchema = z.object({
  brokers: z.array(z.string().min(1)).min(1, 'expected at least one broker'),
  clientId: z.string().min(1),
  groupId: z.string().min(1),
  logLevel: z.string().min(1),
  logName: z.string().min(1),
  /** The main thread's choice: a worker's stdout is never a TTY, so it cannot choose for itself. */
  logFormat: z.enum(['json', 'pretty']),
  // Already validated by loadBoundaryMap in the main thread (and transformed: it cannot be parsed twice).
  map: z.custom<BoundaryMap>(
    (v) => typeof v === 'object' && v !== null && Array.isArray((v as { connections?: unknown }).connections),
    'expected the validated boundary map',
  ),
});
export type NormalizerWorkerData = z.infer<typeof normalizerWorkerDataSchema>;

const labels = z.record(z.string(), z.string());
const forwardedMetricsSchema = z.object({
  type: z.literal('metrics'),
  counters: z.array(z.object({ metric: z.enum(['normalized_events', 'dead_letters']), labels, value: z.number().nonnegative() })),
  observations: z.array(z.object({ metric: z.literal('batch_messages'), labels, value: z.number() })),
});
export type ForwardedMetrics = z.infer<typeof forwardedMetricsSchema>;

export const workerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('stopped') }),
  z.object({ type: z.literal('fatal'), message: z.string() }),
  forwardedMetricsSchema,
]);
export type WorkerMessage = z.infer<typeof workerMessageSchema>;
