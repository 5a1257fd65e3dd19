// Pure core of the normalizer: one RawEnvelope → validated IdentityEvents plus dead letters for
// whatever could not be mapped. No I/O, so it is unit-testable and reusable by `replay`.
import { z } from 'zod';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { IdentityEventSchema, type IdentityEvent } from '../../core/events/identity-event.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import { deadLetterId, type DeadLetter } from '../../core/events/dead-letter.ts';
import { placeAtReceiptWhenAhead } from './clock-ahead.ts';
import type { SourceModule } from '../../source-kit/source-module.ts';
import { formatPath } from '../../core/config/errors.ts';
import { decidePlane } from './plane.ts';

export interface NormalizeResult {
  events: IdentityEvent[];
  deadLetters: DeadLetter[];
}

export interface Origin {
  topic: string;
  partition: number;
  offset: string;
}

export function normalizeEnvelope(
  envelope: RawEnvelope,
  map: BoundaryMap,
  sources: Readonly<Record<string, SourceModule>>,
  origin: Origin | null,
  now: number,
): NormalizeResult {
  const dead = (reason: string, payload: Buffer): DeadLetter => ({
    id: deadLetterId('normalizer', reason, payload, envelope.id),
    stage: 'normalizer',
    reason,
    source: envelope.source,
    connection_id: envelope.connection_id,
    raw_id: envelope.id,
    origin_topic: origin?.topic ?? null,
    origin_partition: origin?.partition ?? null,
    origin_offset: origin?.offset ?? null,
    payload,
    failed_at: now,
  });

  const source = sources[envelope.source];
  if (!source) return { events: [], deadLetters: [dead(`no source module for vendor "${envelope.source}"`, envelope.body)] };
  const connection = map.connections.find((c) => c.id === envelope.connection_id);
  if (!connection) {
    return { events: [], deadLetters: [dead(`connection "${envelope.connection_id}" is not in the boundary map`, envelope.body)] };
  }

  let outcome;
  try {
    outcome = source.normalize({
      body: envelope.body,
      contentType: envelope.content_type,
      transport: envelope.transport,
      receivedAt: envelope.received_at,
      rawId: envelope.id,
      connectionId: envelope.connection_id,
    });
  } catch (err) {
    return { events: [], deadLetters: [dead(`${envelope.source}: ${(err as Error).message}`, envelope.body)] };
  }

  const events: IdentityEvent[] = [];
  const deadLetters: DeadLetter[] = outcome.rejected.map((r) =>
    dead(`${envelope.source}: ${r.reason}`, Buffer.from(safeJson(r.item ?? null))),
  );
  for (const mapped of outcome.events) {
    const { plane_keys, ...rest } = mapped;
    const decision = decidePlane(connection, source.defaultPlane, plane_keys);
    const candidate = {
      ...rest,
      source: envelope.source,
      connection_id: envelope.connection_id,
      plane: decision.plane,
      authoritative_for: decision.authoritative_for,
      raw_id: envelope.id,
      received_at: envelope.received_at,
    };
    const checked = IdentityEventSchema.safeParse(candidate);
    if (checked.success) events.push(placeAtReceiptWhenAhead(checked.data, envelope.received_at));
    else
      deadLetters.push(
        dead(`${envelope.source} mapping produced an invalid event: ${describe(checked.error)}`, Buffer.from(safeJson(candidate))),
      );
  }
  return { events, deadLetters };
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
}

/** Kafka key of an identity event: one subject's events stay in one partition, in order. */
export function eventKey(ev: IdentityEvent): string {
  return `${ev.source}:${ev.tenant_id ?? '-'}:${ev.subject.id}`;
}

/**
 * JSON for a dead-letter payload that never throws: a rejected vendor item can be nested deeper
 * than JSON.stringify's recursion allows (RangeError), and that must cost only this item its
 * payload, not fail the envelope (fault-suite fix).
 */
function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'null';
  } catch (err) {
    return JSON.stringify({ unserializable: (err as Error).message });
  }
}
