// The normalizer's hand-written IdentityEvent check (core/events/identity-event-check.ts) against
// the schema it stands in for: on every event the vendor fixtures map to it returns exactly what
// IdentityEventSchema.parse returns (same values, same key order, unknown keys dropped); on every
// mutation the schema rejects it returns null, so the schema decides and names the reason.
import { describe, expect, it } from 'vitest';
import { IdentityEventSchema, type MappedEvent } from '../../../../core/events/identity-event.ts';
import { identityEventIfValid } from '../../../../core/events/identity-event-check.ts';
import { SOURCES } from '../../../../sources/registry.ts';
import { vendorFixtures, webhookInput } from '../../../helpers/map-cases.ts';

/** The fixture deliveries of the vendors whose fixtures are webhook bodies as they are, or a list of them. */
function mappedFixtureEvents(): MappedEvent[] {
  const deliveries: [string, unknown][] = [
    ...vendorFixtures('workos')
      .all()
      .map((f) => ['workos', f] as [string, unknown]),
    ['okta', { eventType: 'com.okta.event_hook', eventId: 'e1', source: 'x', data: { events: vendorFixtures('okta').all() } }],
    ...vendorFixtures('auth0')
      .all()
      .map((f) => ['auth0', [f]] as [string, unknown]),
    [
      'aws',
      {
        Records: vendorFixtures('aws')
          .all()
          .flatMap((f) => (f as { Records?: unknown[] }).Records ?? [f]),
      },
    ],
  ];
  return deliveries.flatMap(([vendor, body]) => {
    try {
      return SOURCES[vendor]!.normalize(webhookInput(body)).events;
    } catch {
      return []; // a fixture that is not a delivery of its own (e.g. a page): not what this test is about
    }
  });
}

/** Completed as the normalizer completes a mapped event before the check. */
function complete(mapped: MappedEvent, authoritativeFor: string | null): Record<string, unknown> {
  const { plane_keys: _keys, ...rest } = mapped;
  return {
    ...rest,
    source: 'workos',
    connection_id: 'wk',
    plane: 'application',
    authoritative_for: authoritativeFor,
    raw_id: 'raw_1',
    received_at: 1_750_000_000_000,
  };
}

function expectSameAsSchema(candidate: unknown): void {
  const fast = identityEventIfValid(candidate);
  const zod = IdentityEventSchema.safeParse(candidate);
  if (fast === null) return;
  expect(zod.success, JSON.stringify(candidate)).toBe(true);
  expect(fast).toStrictEqual(zod.data);
  expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data)); // key order too
}

const events = mappedFixtureEvents();

describe('identityEventIfValid', () => {
  it('returns what the schema returns for every mapped fixture event', () => {
    expect(events.length).toBeGreaterThan(100);
    for (const ev of events) {
      for (const candidate of [complete(ev, null), complete(ev, 'employees')]) {
        expect(identityEventIfValid(candidate), JSON.stringify(candidate)).not.toBeNull();
        expectSameAsSchema(candidate);
      }
    }
    // The fixtures exercise the nested parts it copies.
    expect(events.some((e) => e.credential !== null && e.credential.scopes.length > 0)).toBe(true);
    expect(events.some((e) => e.actor !== null)).toBe(true);
    expect(events.some((e) => Object.keys(e.attributes).length > 0)).toBe(true);
  });

  it('drops unknown keys at every level, as the schema does', () => {
    const ev = events.find((e) => e.actor !== null && e.credential !== null) ?? events[0]!;
    const base = complete(ev, null);
    const candidate = {
      ...base,
      extra: 1,
      subject: { ...(base.subject as object), extra: 'x' },
      actor: base.actor === null ? null : { ...(base.actor as object), extra: 'x' },
      credential: base.credential === null ? null : { ...(base.credential as object), extra: 'x' },
    };
    const fast = identityEventIfValid(candidate);
    expect(fast).not.toBeNull();
    expect(JSON.stringify(fast)).not.toContain('extra');
    expectSameAsSchema(candidate);
  });

  it('returns null for every mutation the schema rejects, and never accepts what the schema rejects', () => {
    const bad: unknown[] = [undefined, null, '', 'bogus', 0, -1, 1.5, Number.NaN, Infinity, 2 ** 53, [], {}, ['x'], Object.create(null)];
    const fields = [
      'event_id',
      'source',
      'connection_id',
      'plane',
      'tenant_id',
      'authoritative_for',
      'category',
      'action',
      'outcome',
      'subject',
      'actor',
      'credential',
      'occurred_at',
      'received_at',
      'raw_id',
      'vendor_type',
      'ocsf_class_uid',
      'ocsf_activity_id',
      'attributes',
      'subject.kind',
      'subject.id',
      'subject.email',
      'subject.name',
      'actor.kind',
      'actor.id',
      'actor.email',
      'actor.ip',
      'actor.user_agent',
      'actor.credential_id',
      'credential.id',
      'credential.kind',
      'credential.owner_id',
      'credential.owner_kind',
      'credential.scopes',
      'credential.created_at',
      'credential.last_used_at',
    ];
    const withActorAndCredential = events.filter((e) => e.actor !== null && e.credential !== null).slice(0, 3);
    expect(withActorAndCredential.length).toBeGreaterThan(0);
    let rejected = 0;
    for (const ev of withActorAndCredential) {
      for (const field of fields) {
        for (const value of bad) {
          const candidate = structuredClone(complete(ev, null));
          const [head, tail] = field.split('.') as [string, string | undefined];
          const target = tail === undefined ? candidate : (candidate[head] as Record<string, unknown>);
          const key = tail ?? head;
          if (value === undefined) delete target[key];
          else target[key] = value;
          const zod = IdentityEventSchema.safeParse(candidate);
          if (!zod.success) {
            rejected++;
            expect(
              identityEventIfValid(candidate),
              `${field} = ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`,
            ).toBeNull();
          } else expectSameAsSchema(candidate);
        }
      }
    }
    expect(rejected).toBeGreaterThan(500);
  });

  it('leaves attributes it cannot copy as the schema would to the schema', () => {
    const base = complete(events[0]!, null);
    const cases: unknown[] = [
      { a: 1 },
      { a: null },
      JSON.parse('{"__proto__": "x", "a": "b"}'),
      Object.defineProperty({ a: 'b' }, 'hidden', { value: 'h', enumerable: false }),
      { a: 'b', [Symbol('s')]: 'c' },
      ['a'],
    ];
    for (const attributes of cases) {
      expect(identityEventIfValid({ ...base, attributes })).toBeNull();
    }
    expect(identityEventIfValid({ ...base, attributes: { '1': 'one', b: 'two', a: 'three' } })?.attributes).toStrictEqual({
      '1': 'one',
      b: 'two',
      a: 'three',
    });
  });
});
