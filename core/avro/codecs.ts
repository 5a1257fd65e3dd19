// The codecs of planewatch's own topics, built once from the schema files.
import { createCodec, loadSchemaVersions } from './codec.ts';
import type { IdentityEvent } from '../events/identity-event.ts';
import type { RawEnvelope } from '../events/raw-envelope.ts';
import type { DeadLetter } from '../events/dead-letter.ts';

export const rawEnvelopeCodec = createCodec<RawEnvelope>('RawEnvelope', loadSchemaVersions('raw-envelope'));
export const identityEventCodec = createCodec<IdentityEvent>('IdentityEvent', loadSchemaVersions('identity-event'));
export const deadLetterCodec = createCodec<DeadLetter>('DeadLetter', loadSchemaVersions('dead-letter'));
