// How pollers hand envelopes and dead letters to Kafka: the same path as the collector (one
// batching producer, acks=all, raw envelopes keyed by id), resolved on the broker's acknowledgement.
// Lives in core/ because services never import each other.
import { createHash } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { BatchingProducer } from '../../core/kafka/batching-producer.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { deadLetterCodec, rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';
import type { DeadLetter } from '../../core/events/dead-letter.ts';

export interface PollPublishers {
  /** Resolves once Kafka acknowledged the envelope on planewatch.raw.v1. */
  publish(envelope: RawEnvelope): Promise<void>;
  /** Resolves once Kafka acknowledged the dead letter on planewatch.dlq.v1. */
  publishDeadLetter(dl: DeadLetter): Promise<void>;
}

export function kafkaPollPublishers(producer: Producer): PollPublishers {
  const batching = new BatchingProducer(producer, { maxInFlight: 2 });
  return {
    publish: (envelope) =>
      batching.send(TOPICS.raw, [
        {
          key: envelope.id,
          value: rawEnvelopeCodec.encode(envelope),
          headers: { 'pw-source': envelope.source, 'pw-connection': envelope.connection_id },
        },
      ]),
    publishDeadLetter: (dl) => batching.send(TOPICS.dlq, [{ key: dl.raw_id ?? dl.id, value: deadLetterCodec.encode(dl) }]),
  };
}

/**
 * Id of a polled page's envelope: like rawEnvelopeId (source, connection, bytes) plus the content
 * type, because inventory listings carry their listing and scope there (two projects' listings can
 * have identical bytes).
 */
export function pollEnvelopeId(source: string, connectionId: string, contentType: string, body: Buffer): string {
  return (
    'raw_' +
    createHash('sha256')
      .update(source)
      .update('\0')
      .update(connectionId)
      .update('\0')
      .update(contentType)
      .update('\0')
      .update(body)
      .digest('hex')
      .slice(0, 32)
  );
}
