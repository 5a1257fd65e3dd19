import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeBody,
  deadLetterToRow,
  encodeBody,
  fromDateTime64,
  identityEventToRow,
  rawEnvelopeToRow,
  toDateTime64,
} from '../../../../core/clickhouse/rows.ts';
import type { IdentityEvent } from '../../../../core/events/identity-event.ts';

const base: IdentityEvent = {
  event_id: 'evt_1',
  source: 'openai',
  connection_id: 'openai-main',
  plane: 'platform',
  tenant_id: null,
  authoritative_for: null,
  category: 'account',
  action: 'deleted',
  outcome: null,
  subject: { kind: 'human', id: 'user-abc', email: 'x@acme.example', name: null },
  actor: null,
  credential: null,
  occurred_at: 1_700_000_000_123,
  received_at: 1_700_000_001_000,
  raw_id: 'raw_1',
  vendor_type: 'user.deleted',
  ocsf_class_uid: null,
  ocsf_activity_id: null,
  attributes: {},
};

describe('toDateTime64', () => {
  it('formats epoch ms as UTC text with milliseconds', () => {
    expect(toDateTime64(0)).toBe('1970-01-01 00:00:00.000');
    expect(toDateTime64(1_700_000_000_123)).toBe('2023-11-14 22:13:20.123');
  });
  it('round-trips through fromDateTime64', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: Date.UTC(2299, 11, 31) }), (ms) => fromDateTime64(toDateTime64(ms)) === ms));
  });
  it('rejects non-integers', () => {
    expect(() => toDateTime64(1.5)).toThrow(RangeError);
    expect(() => toDateTime64(Number.NaN)).toThrow(RangeError);
  });
});

describe('identityEventToRow', () => {
  it('flattens a missing actor and credential to nulls and an empty scope list', () => {
    const row = identityEventToRow(base);
    expect(row).toMatchObject({
      actor_kind: null,
      actor_id: null,
      actor_credential_id: null,
      credential_id: null,
      credential_kind: null,
      credential_scopes: [],
      credential_created_at: null,
      credential_last_used_at: null,
      occurred_at: '2023-11-14 22:13:20.123',
      received_at: '2023-11-14 22:13:21.000',
      subject_email: 'x@acme.example',
      subject_name: null,
    });
    expect(Object.keys(row)).not.toContain('ingested_at');
  });
  it('flattens actor and credential', () => {
    const row = identityEventToRow({
      ...base,
      actor: { kind: 'service_account', id: 'sa_1', email: null, ip: '198.51.100.1', user_agent: null, credential_id: 'key_9' },
      credential: {
        id: 'key_9',
        kind: 'api_key',
        owner_id: 'sa_1',
        owner_kind: 'service_account',
        scopes: ['all'],
        created_at: 0,
        last_used_at: 1000,
      },
    });
    expect(row).toMatchObject({
      actor_kind: 'service_account',
      actor_ip: '198.51.100.1',
      actor_credential_id: 'key_9',
      credential_id: 'key_9',
      credential_owner_kind: 'service_account',
      credential_scopes: ['all'],
      credential_created_at: '1970-01-01 00:00:00.000',
      credential_last_used_at: '1970-01-01 00:00:01.000',
    });
  });
});

describe('raw envelope bodies', () => {
  it('UTF-8 stays text, anything else becomes base64, both decode to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const enc = encodeBody(bytes);
        return decodeBody(enc).equals(Buffer.from(bytes));
      }),
    );
    expect(encodeBody(Buffer.from('héllo'))).toEqual({ body: 'héllo', body_encoding: 'utf8' });
    expect(encodeBody(Buffer.from([0xc3]))).toEqual({ body: 'ww==', body_encoding: 'base64' });
    // a BOM is kept as a character, so the bytes round-trip
    expect(decodeBody(encodeBody(Buffer.from([0xef, 0xbb, 0xbf, 0x41])))).toEqual(Buffer.from([0xef, 0xbb, 0xbf, 0x41]));
  });
  it('rawEnvelopeToRow flattens verification', () => {
    const row = rawEnvelopeToRow({
      id: 'raw_1',
      source: 'workos',
      connection_id: 'c',
      received_at: 5,
      transport: 'webhook',
      content_type: null,
      headers: { a: 'b' },
      body: Buffer.from('{}'),
      verification: { scheme: 'none', verified: false, detail: null },
    });
    expect(row).toEqual({
      id: 'raw_1',
      source: 'workos',
      connection_id: 'c',
      received_at: '1970-01-01 00:00:00.005',
      transport: 'webhook',
      content_type: null,
      headers: { a: 'b' },
      body: '{}',
      body_encoding: 'utf8',
      verification_scheme: 'none',
      verified: 0,
      verification_detail: null,
    });
  });
  it('deadLetterToRow base64-encodes the payload', () => {
    expect(
      deadLetterToRow({
        id: 'd',
        stage: 'sink',
        reason: 'r',
        source: null,
        connection_id: null,
        raw_id: null,
        origin_topic: 't',
        origin_partition: 0,
        origin_offset: '12',
        payload: Buffer.from([0, 255]),
        failed_at: 0,
      }),
    ).toMatchObject({ payload: 'AP8=', origin_partition: 0, origin_offset: '12', failed_at: '1970-01-01 00:00:00.000' });
  });
});
