import { describe, expect, it } from 'vitest';
import { createCodec, crc64Avro, loadSchemaVersions, AvroDecodeError } from '../../../../core/avro/codec.ts';
import { identityEventCodec, rawEnvelopeCodec, deadLetterCodec } from '../../../../core/avro/codecs.ts';
import type { IdentityEvent } from '../../../../core/events/identity-event.ts';
import { identityEventToRow, rawEnvelopeToRow } from '../../../../core/clickhouse/rows.ts';

const v1 = loadSchemaVersions('identity-event')[0] as { fields: unknown[] };
// A hypothetical next version: one field added with a default, as the evolution rules require.
const v2 = { ...v1, fields: [...v1.fields, { name: 'risk_score', type: ['null', 'int'], default: null }] };

const event: IdentityEvent = {
  event_id: 'event_01',
  source: 'workos',
  connection_id: 'workos-main',
  plane: 'application',
  tenant_id: 'org_1',
  authoritative_for: 'customers',
  category: 'account',
  action: 'deleted',
  outcome: null,
  subject: { kind: 'human', id: 'directory_user_1', email: 'a@b.example', name: 'A B' },
  actor: null,
  credential: null,
  occurred_at: 1_740_787_200_123,
  received_at: 1_740_787_201_000,
  raw_id: 'raw_1',
  vendor_type: 'dsync.user.deleted',
  ocsf_class_uid: 3001,
  ocsf_activity_id: 6,
  attributes: { state: 'inactive' },
};

describe('CRC-64-AVRO', () => {
  it('matches the fingerprint of "null" given in the Avro specification test vectors', () => {
    // Avro's own test suite: fingerprint64("null") = 7195948357588979594 (0x63dd24e7cc258f8a).
    expect(crc64Avro('"null"').readBigUInt64LE()).toBe(7195948357588979594n);
  });
});

describe('avro codec', () => {
  it('round-trips an identity event with the single-object header', () => {
    const buf = identityEventCodec.encode(event);
    expect(buf.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(buf.subarray(2, 10)).toEqual(identityEventCodec.fingerprint);
    expect(identityEventCodec.decode(buf)).toEqual(event);
  });

  it('decodes a message written with an older schema under a newer reader schema', () => {
    const oldCodec = createCodec<IdentityEvent>('IdentityEvent', [v1]);
    const newCodec = createCodec<IdentityEvent & { risk_score: number | null }>('IdentityEvent', [v1, v2]);
    const decoded = newCodec.decode(oldCodec.encode(event));
    expect(decoded).toEqual({ ...event, risk_score: null });
  });

  it('refuses a message from a schema it does not know (from the future)', () => {
    const future = createCodec<IdentityEvent & { risk_score: number | null }>('IdentityEvent', [v2]);
    const bytes = future.encode({ ...event, risk_score: 7 });
    expect(() => identityEventCodec.decode(bytes)).toThrowError(AvroDecodeError);
    expect(() => identityEventCodec.decode(bytes)).toThrowError(/unknown writer schema fingerprint/);
  });

  it('refuses bytes that are not Avro single-object messages, and corrupt bodies', () => {
    for (const decode of [identityEventCodec.decode, identityEventCodec.decodeFields]) {
      expect(() => decode(Buffer.from('{"json":true}'))).toThrowError(/not an Avro single-object message/);
      const truncated = identityEventCodec.encode(event).subarray(0, 20);
      expect(() => decode(truncated)).toThrowError(AvroDecodeError);
      expect(() => decode(truncated)).toThrowError(/corrupt body/);
    }
  });

  it('decodeFields gives the same fields, as avsc record instances, and the same table rows', () => {
    const full: IdentityEvent = {
      ...event,
      actor: { kind: 'user', id: 'u1', email: null, ip: '192.0.2.1', user_agent: null, credential_id: null },
      credential: {
        id: 'k1',
        kind: 'api_key',
        owner_id: 'u1',
        owner_kind: 'human',
        scopes: ['read', 'write'],
        created_at: 5,
        last_used_at: null,
      },
    };
    const buf = identityEventCodec.encode(full);
    const fields = identityEventCodec.decodeFields(buf);
    expect(fields).toEqual(full);
    expect(Object.getPrototypeOf(fields.subject)).not.toBe(Object.prototype);
    expect(identityEventToRow(fields)).toStrictEqual(identityEventToRow(identityEventCodec.decode(buf)));
    const env = {
      id: 'raw_1',
      source: 'workos',
      connection_id: 'c',
      received_at: 1,
      transport: 'webhook',
      content_type: 'application/json',
      headers: { 'user-agent': 'x' },
      body: Buffer.from('{"a":1}'),
      verification: { scheme: 'workos-hmac-sha256', verified: true, detail: 't=1' },
    };
    const envBuf = rawEnvelopeCodec.encode(env);
    expect(rawEnvelopeToRow(rawEnvelopeCodec.decodeFields(envBuf))).toStrictEqual(rawEnvelopeToRow(rawEnvelopeCodec.decode(envBuf)));
    expect(rawEnvelopeToRow(rawEnvelopeCodec.decodeFields(envBuf))).toMatchObject({
      headers: { 'user-agent': 'x' },
      body: '{"a":1}',
      verified: 1,
    });
  });

  it('every shipped schema version resolves into the newest one (evolution rules hold)', () => {
    for (const family of ['identity-event', 'raw-envelope', 'dead-letter']) {
      const versions = loadSchemaVersions(family);
      expect(() => createCodec(family, versions)).not.toThrow();
    }
    expect(rawEnvelopeCodec.name).toBe('RawEnvelope');
    expect(deadLetterCodec.name).toBe('DeadLetter');
  });

  it('keeps raw body bytes exactly, including invalid UTF-8', () => {
    const body = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    const env = {
      id: 'raw_1',
      source: 'workos',
      connection_id: 'c',
      received_at: 1,
      transport: 'webhook',
      content_type: null,
      headers: { 'user-agent': 'x' },
      body,
      verification: { scheme: 'workos-hmac-sha256', verified: true, detail: 't=1' },
    };
    expect(rawEnvelopeCodec.decode(rawEnvelopeCodec.encode(env)).body.equals(body)).toBe(true);
  });
});
