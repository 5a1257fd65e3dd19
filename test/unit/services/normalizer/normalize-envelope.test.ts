import { describe, expect, it } from 'vitest';
import { parseBoundaryMap } from '../../../../core/config/load.ts';
import { rawEnvelopeCodec, identityEventCodec, deadLetterCodec } from '../../../../core/avro/codecs.ts';
import { rawEnvelopeId, type RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { SOURCES } from '../../../../sources/registry.ts';
import { normalizeEnvelope } from '../../../../services/normalizer/normalize-envelope.ts';
import { decidePlane } from '../../../../services/normalizer/plane.ts';
import { normalizeMessages } from '../../../../services/normalizer/normalizer.ts';
import type { SourceModule } from '../../../../source-kit/source-module.ts';

const map = parseBoundaryMap(
  `
connections:
  - id: wk
    vendor: workos
    transport: webhook
    secret_env: S
    authoritative_for: customers
    plane_rules:
      - { organization_id: org_WF, plane: platform, authoritative_for: employees }
      - { directory_id: directory_CONTRACTORS, plane: platform }
  - id: wk-plain
    vendor: workos
    transport: webhook
    secret_env: S
`,
  'test.yaml',
);
const wk = map.connections[0]!;
const plain = map.connections[1]!;

function envelope(body: unknown, connection = 'wk'): RawEnvelope {
  const bytes = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return {
    id: rawEnvelopeId('workos', connection, bytes),
    source: 'workos',
    connection_id: connection,
    received_at: Date.parse('2026-11-29T10:00:05.000Z'),
    transport: 'webhook',
    content_type: 'application/json',
    headers: {},
    body: bytes,
    verification: { scheme: 'workos-hmac-sha256', verified: true, detail: 't=1' },
  };
}

const userDeleted = (org: string, directory = 'directory_1') => ({
  object: 'event',
  id: 'event_01',
  event: 'dsync.user.deleted',
  created_at: '2026-11-29T10:00:00.000Z',
  data: {
    object: 'directory_user',
    id: 'directory_user_1',
    directory_id: directory,
    organization_id: org,
    emails: [{ primary: true, value: 'A@X.example' }],
    state: 'inactive',
  },
});

describe('plane decision (boundary map)', () => {
  it('uses a matching organisation rule, then a directory rule, then the connection, then the vendor default', () => {
    expect(decidePlane(wk, 'application', { organization_id: 'org_WF' })).toEqual({ plane: 'platform', authoritative_for: 'employees' });
    expect(decidePlane(wk, 'application', { organization_id: 'org_X', directory_id: 'directory_CONTRACTORS' })).toEqual({
      plane: 'platform',
      authoritative_for: 'customers',
    });
    expect(decidePlane(wk, 'application', { organization_id: 'org_X' })).toEqual({ plane: 'application', authoritative_for: 'customers' });
    expect(decidePlane(plain, 'application', undefined)).toEqual({ plane: 'application', authoritative_for: null });
    expect(decidePlane({ ...plain, plane: 'platform' }, 'application', undefined)).toEqual({ plane: 'platform', authoritative_for: null });
  });
});

describe('normalizeEnvelope', () => {
  it('fills source, connection, plane, raw id and received time', () => {
    const env = envelope(userDeleted('org_WF'));
    const { events, deadLetters } = normalizeEnvelope(env, map, SOURCES, null, 5);
    expect(deadLetters).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event_id: 'event_01',
      source: 'workos',
      connection_id: 'wk',
      plane: 'platform',
      authoritative_for: 'employees',
      tenant_id: 'org_WF',
      category: 'account',
      action: 'deleted',
      raw_id: env.id,
      received_at: Date.parse('2026-11-29T10:00:05.000Z'),
      occurred_at: Date.parse('2026-11-29T10:00:00.000Z'),
      subject: { kind: 'human', id: 'directory_user_1', email: 'a@x.example' },
    });
    expect(events[0]).not.toHaveProperty('plane_keys');
  });

  it('turns a body that is not JSON into one dead letter carrying the original bytes', () => {
    const env = envelope('not json');
    const { events, deadLetters } = normalizeEnvelope(env, map, SOURCES, { topic: 't', partition: 1, offset: '7' }, 5);
    expect(events).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      stage: 'normalizer',
      source: 'workos',
      connection_id: 'wk',
      raw_id: env.id,
      origin_topic: 't',
      origin_partition: 1,
      origin_offset: '7',
      failed_at: 5,
    });
    expect(deadLetters[0]!.reason).toMatch(/^workos: WorkOS body is not valid JSON/);
    expect(deadLetters[0]!.payload.toString()).toBe('not json');
  });

  it('rejects envelopes of unknown connections or vendors with a reason', () => {
    expect(normalizeEnvelope(envelope(userDeleted('o'), 'gone'), map, SOURCES, null, 1).deadLetters[0]!.reason).toBe(
      'connection "gone" is not in the boundary map',
    );
    expect(normalizeEnvelope({ ...envelope(userDeleted('o')), source: 'acme' }, map, SOURCES, null, 1).deadLetters[0]!.reason).toBe(
      'no source module for vendor "acme"',
    );
  });
});

describe('the IdentityEvent check of mapped events', () => {
  // A vendor module whose mapping gives one valid event between two invalid ones.
  const mapped = (over: Record<string, unknown>) => ({
    event_id: 'e',
    tenant_id: null,
    category: 'account',
    action: 'created',
    outcome: null,
    subject: { kind: 'human', id: 'u1', email: null, name: null },
    actor: null,
    credential: null,
    occurred_at: Date.parse('2026-11-29T10:00:00.000Z'),
    vendor_type: 'user.created',
    ocsf_class_uid: null,
    ocsf_activity_id: null,
    attributes: {},
    ...over,
  });
  const faulty: SourceModule = {
    name: 'workos',
    defaultPlane: 'application',
    normalize: () =>
      ({
        events: [
          mapped({ event_id: 'e1', subject: { kind: 'human', id: '', email: null, name: null } }),
          mapped({ event_id: 'e2', extra: 'dropped' }),
          mapped({ event_id: 'e3', occurred_at: 1.5, attributes: { n: 7 } }),
        ],
        rejected: [],
      }) as unknown as ReturnType<SourceModule['normalize']>,
  };

  it('dead-letters each invalid event with the field and what was expected, and keeps the valid one as the schema returns it', () => {
    const out = normalizeEnvelope(envelope(userDeleted('o')), map, { workos: faulty }, null, 5);
    expect(out.events.map((e) => e.event_id)).toEqual(['e2']);
    expect(out.events[0]).not.toHaveProperty('extra');
    expect(out.deadLetters.map((d) => d.reason)).toEqual([
      'workos mapping produced an invalid event: subject.id: Too small: expected string to have >=1 characters',
      'workos mapping produced an invalid event: occurred_at: Invalid input: expected int, received number; attributes.n: Invalid input: expected string, received number',
    ]);
    expect(JSON.parse(out.deadLetters[0]!.payload.toString('utf8'))).toMatchObject({ event_id: 'e1', subject: { id: '' } });
  });
});

describe('normalizeMessages (a Kafka batch)', () => {
  it('keeps going past an undecodable message and an unmappable event', () => {
    const good = rawEnvelopeCodec.encode(envelope(userDeleted('org_A')));
    const unmappable = rawEnvelopeCodec.encode(
      envelope({ ...userDeleted('org_A'), id: 'event_02', data: { object: 'directory_user', id: 7 } }),
    );
    const garbage = Buffer.from('garbage');
    const out = normalizeMessages(
      [
        { value: garbage, offset: '0' },
        { value: unmappable, offset: '1' },
        { value: good, offset: '2' },
      ],
      'planewatch.raw.v1',
      0,
      map,
      SOURCES,
      9,
    );
    expect(out.events.map((m) => identityEventCodec.decode(m.value as Buffer).event_id)).toEqual(['event_01']);
    const dead = out.dlq.map((m) => deadLetterCodec.decode(m.value as Buffer));
    expect(dead.map((d) => d.origin_offset)).toEqual(['0', '1']);
    expect(dead[0]!.reason).toMatch(/^undecodable raw envelope: RawEnvelope: not an Avro single-object message/);
    expect(dead[1]!.reason).toMatch(/data\.id/);
    expect(out.events[0]!.key).toBe('workos:org_A:directory_user_1');
  });
});
