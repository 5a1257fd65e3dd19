// How the SCIM service hands an operation envelope to Kafka: one batching producer per process,
// keyed by the envelope id (the raw topic's convention), resolved on the broker's acknowledgement
// (acks=all). The same contract as the collector's publisher; services do not share code except
// through core/.
import type { Producer } from 'kafkajs';
import { BatchingProducer } from '../../core/kafka/batching-producer.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { rawEnvelopeCodec } from '../../core/avro/codecs.ts';
import type { RawEnvelope } from '../../core/events/raw-envelope.ts';

export function scimEnvelopePublisher(producer: Producer): (envelope: RawEnvelope) => Promise<void> {
  const batching = new BatchingProducer(producer, { maxInFlight: 2 });
  return (envelope) =>
    batching.send(TOPICS.raw, [
      {
        key: envelope.id,
        value: rawEnvelopeCodec.encode(envelope),
        headers: { 'pw-source': envelope.source, 'pw-connection': envelope.connection_id },
      },
    ]);
}
