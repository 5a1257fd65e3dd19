// The WorkOS Events API poller: its checkpoint (pure), the request it sends, the walk against a
// local vendor API server (range_start then after, stop on an empty page, a refused cursor, malformed
// pages), and the mapping of an Events API page — identical to the same events delivered by webhook.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createPollFetch } from '../../../../source-kit/poll/fetch.ts';
import { PageError, type PolledPage, type PollContext } from '../../../../source-kit/poller.ts';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';
import {
  advanceEventsCheckpoint,
  cursorQuery,
  describeEventsCheckpoint,
  initialEventsCheckpoint,
  restartWithoutCursor,
  resumeEventsCheckpoint,
} from '../../../../sources/workos/checkpoint.ts';
import { createWorkosEventsPoller, eventPages, WORKOS_EVENTS_API_TYPES } from '../../../../sources/workos/poller.ts';
import { normalizeWorkos, workos } from '../../../../sources/workos/index.ts';
import { json, malformed, startVendorApiServer, type VendorApiServer } from '../../../../demo/vendor-api-server.ts';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;
const PAGE = JSON.parse(readFileSync(new URL('../../../fixtures/workos/events-api/page.json', import.meta.url), 'utf8')) as {
  data: Record<string, unknown>[];
};

describe('Events API checkpoint', () => {
  it('first run starts at since; a since beyond the 30-day retention starts at the oldest kept events (5 min margin), saying so', () => {
    expect(initialEventsCheckpoint(NOW - DAY, NOW)).toEqual({
      v: 1,
      after: null,
      last_created_at: null,
      range_start: '2026-06-29T12:00:00.000Z',
    });
    expect(resumeEventsCheckpoint(null, NOW - 90 * DAY, NOW)).toEqual({
      checkpoint: { v: 1, after: null, last_created_at: null, range_start: '2026-05-31T12:05:00.000Z' },
      problem: "start 2026-04-01T12:00:00.000Z is beyond WorkOS's 30-day event retention; starting at the oldest events WorkOS keeps",
    });
  });

  it('the cursor moves to the last event of each acknowledged page; an empty page changes nothing', () => {
    const cp0 = initialEventsCheckpoint(NOW - DAY, NOW);
    const cp1 = advanceEventsCheckpoint(cp0, [
      { id: 'event_1', created_at: '2026-06-29T13:00:00.000Z' },
      { id: 'event_2', created_at: '2026-06-29T14:00:00.000Z' },
    ]);
    expect(cp1).toEqual({ v: 1, after: 'event_2', last_created_at: '2026-06-29T14:00:00.000Z', range_start: '2026-06-29T12:00:00.000Z' });
    expect(advanceEventsCheckpoint(cp1, [])).toEqual(cp1);
    expect([cursorQuery(cp0), cursorQuery(cp1)]).toEqual([{ range_start: '2026-06-29T12:00:00.000Z' }, { after: 'event_2' }]);
  });

  it('a restart resumes from the stored cursor; an unreadable one falls back to since', () => {
    const stored = { v: 1, after: 'event_9', last_created_at: '2026-06-30T01:00:00.000Z', range_start: '2026-06-01T00:00:00.000Z' };
    expect(resumeEventsCheckpoint(JSON.parse(JSON.stringify(stored)), NOW - DAY, NOW)).toEqual({ checkpoint: stored, problem: null });
    expect(resumeEventsCheckpoint({ after: 1 }, NOW - DAY, NOW)).toEqual({
      checkpoint: { v: 1, after: null, last_created_at: null, range_start: '2026-06-29T12:00:00.000Z' },
      problem: 'stored checkpoint unreadable (Invalid input: expected 1); starting from since',
    });
  });

  it('a refused cursor restarts from the last delivered event time, clamped into retention', () => {
    expect(
      restartWithoutCursor(
        { v: 1, after: 'event_9', last_created_at: '2026-06-30T01:00:00.000Z', range_start: '2026-06-01T00:00:00.000Z' },
        NOW,
      ),
    ).toEqual({ v: 1, after: null, last_created_at: '2026-06-30T01:00:00.000Z', range_start: '2026-06-30T01:00:00.000Z' });
    expect(
      restartWithoutCursor(
        { v: 1, after: 'event_9', last_created_at: '2026-01-01T00:00:00.000Z', range_start: '2026-01-01T00:00:00.000Z' },
        NOW,
      ).range_start,
    ).toBe('2026-05-31T12:05:00.000Z');
  });

  it('describes itself for planewatch status', () => {
    expect(describeEventsCheckpoint({ v: 1, after: null, last_created_at: null, range_start: '2026-06-29T12:00:00.000Z' })).toBe(
      'range_start 2026-06-29T12:00:00.000Z (no event delivered yet)',
    );
    expect(describeEventsCheckpoint({ v: 1, after: 'event_2', last_created_at: '2026-06-29T14:00:00.000Z', range_start: 'x' })).toBe(
      'after event_2 (created 2026-06-29T14:00:00.000Z)',
    );
  });
});

describe('Events API request', () => {
  it('asks for every event type the mapper handles', () => {
    expect(WORKOS_EVENTS_API_TYPES).toEqual([
      'api_key.created',
      'api_key.revoked',
      'api_key.updated',
      'authentication.email_verification_succeeded',
      'authentication.magic_auth_failed',
      'authentication.magic_auth_succeeded',
      'authentication.mfa_failed',
      'authentication.mfa_succeeded',
      'authentication.oauth_failed',
      'authentication.oauth_succeeded',
      'authentication.passkey_failed',
      'authentication.passkey_succeeded',
      'authentication.password_failed',
      'authentication.password_succeeded',
      'authentication.radar_risk_detected',
      'authentication.sso_failed',
      'authentication.sso_succeeded',
      'authentication.sso_timed_out',
      'connection.activated',
      'connection.deactivated',
      'connection.deleted',
      'connection.saml_certificate_renewal_required',
      'connection.saml_certificate_renewed',
      'dsync.activated',
      'dsync.deleted',
      'dsync.group.created',
      'dsync.group.deleted',
      'dsync.group.updated',
      'dsync.group.user_added',
      'dsync.group.user_removed',
      'dsync.token.created',
      'dsync.token.revoked',
      'dsync.user.created',
      'dsync.user.deleted',
      'dsync.user.updated',
      'invitation.accepted',
      'invitation.created',
      'invitation.resent',
      'invitation.revoked',
      'organization_membership.created',
      'organization_membership.deleted',
      'organization_membership.updated',
      'session.created',
      'session.revoked',
      'user.created',
      'user.deleted',
      'user.updated',
    ]);
  });

  it('the WorkOS source module carries the poller; an empty type list is refused', () => {
    expect(workos.poller?.defaultBaseUrl).toBe('https://api.workos.com');
    expect(typeof workos.poller?.pages).toBe('function');
    expect(workos.poller?.inventory).toBeUndefined();
    expect(() => createWorkosEventsPoller({ eventTypes: [] })).toThrow(
      'WorkOS Events API poller: eventTypes must name at least one event type',
    );
  });
});

describe('Events API walk', () => {
  const KEY = 'sk_test_workos_unit';
  let api: VendorApiServer;
  beforeAll(async () => {
    api = await startVendorApiServer();
  });
  afterAll(async () => api.close());
  beforeEach(() => api.reset());

  function ctx(checkpoint: unknown, since: number | null): PollContext {
    const connection = BoundaryMapSchema.parse({
      connections: [{ id: 'workos-events', vendor: 'workos', transport: 'poll', api_key_env: 'WORKOS_API_KEY', base_url: api.url }],
    }).connections[0]!;
    return {
      connection,
      apiKey: KEY,
      baseUrl: api.url,
      checkpoint,
      since,
      signal: new AbortController().signal,
      now: () => NOW,
      log: pino({ level: 'silent' }),
      fetch: createPollFetch({ secret: KEY, policy: { baseDelayMs: 1, maxDelayMs: 5 } }),
    };
  }
  async function walk(c: PollContext, types?: readonly string[]): Promise<{ pages: PolledPage[]; error: unknown }> {
    const pages: PolledPage[] = [];
    try {
      for await (const p of eventPages(c, types)) pages.push(p);
      return { pages, error: null };
    } catch (error) {
      return { pages, error };
    }
  }
  const ev = (n: number) => ({
    object: 'event',
    id: `event_${n}`,
    event: 'user.created',
    data: { object: 'user', id: `user_${n}`, email: `u${n}@customer.example` },
    created_at: `2026-06-30T0${n}:00:00.000Z`,
    context: {},
  });
  const list = (data: unknown[], after: string | null) => ({ object: 'list', data, list_metadata: { before: null, after } });

  it('first walk: range_start from since, then after=<last id>, stops on the empty page; bearer key, events list, order=asc, limit=100', async () => {
    api.route({ path: '/events', query: { after: null, range_start: '2026-06-29T12:00:00.000Z' } }, [
      json(list([ev(1), ev(2)], 'event_2')),
    ]);
    api.route({ path: '/events', query: { after: 'event_2' } }, [json(list([ev(3)], 'event_3'))]);
    api.route({ path: '/events', query: { after: 'event_3' } }, [json(list([], null))]);
    const { pages, error } = await walk(ctx(null, NOW - DAY), ['dsync.user.deleted', 'user.created']);
    expect(error).toBeNull();
    expect(pages.map((p) => [p.contentType, p.items, p.publish, p.checkpoint])).toEqual([
      [
        'application/json; planewatch-listing=events',
        2,
        true,
        { v: 1, after: 'event_2', last_created_at: '2026-06-30T02:00:00.000Z', range_start: '2026-06-29T12:00:00.000Z' },
      ],
      [
        'application/json; planewatch-listing=events',
        1,
        true,
        { v: 1, after: 'event_3', last_created_at: '2026-06-30T03:00:00.000Z', range_start: '2026-06-29T12:00:00.000Z' },
      ],
      [
        'application/json; planewatch-listing=events',
        0,
        false,
        { v: 1, after: 'event_3', last_created_at: '2026-06-30T03:00:00.000Z', range_start: '2026-06-29T12:00:00.000Z' },
      ],
    ]);
    expect(api.requests.map((r) => r.query)).toEqual([
      { events: 'dsync.user.deleted,user.created', order: 'asc', limit: '100', range_start: '2026-06-29T12:00:00.000Z' },
      { events: 'dsync.user.deleted,user.created', order: 'asc', limit: '100', after: 'event_2' },
      { events: 'dsync.user.deleted,user.created', order: 'asc', limit: '100', after: 'event_3' },
    ]);
    expect(api.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(pages[0]!.body.toString()).toBe(JSON.stringify(list([ev(1), ev(2)], 'event_2')));
  });

  it('a last page without list_metadata.after ends the walk without another request; the default events list is sent', async () => {
    api.route({ path: '/events' }, [json(list([ev(4)], null))]);
    const { pages } = await walk(ctx({ v: 1, after: 'event_3', last_created_at: '2026-06-30T03:00:00.000Z', range_start: 'x' }, null));
    expect(pages.map((p) => (p.checkpoint as { after: string }).after)).toEqual(['event_4']);
    expect(api.requests.map((r) => [r.query.after, r.query.events])).toEqual([['event_3', WORKOS_EVENTS_API_TYPES.join(',')]]);
  });

  it('a refused cursor restarts once from the last delivered event time', async () => {
    api.route({ path: '/events', query: { after: 'event_old' } }, [json({ message: 'Invalid cursor' }, 422)]);
    api.route({ path: '/events', query: { after: null, range_start: '2026-06-30T03:00:00.000Z' } }, [
      json(list([ev(3), ev(5)], 'event_5')),
    ]);
    api.route({ path: '/events', query: { after: 'event_5' } }, [json(list([], null))]);
    const { pages, error } = await walk(
      ctx({ v: 1, after: 'event_old', last_created_at: '2026-06-30T03:00:00.000Z', range_start: 'x' }, null),
    );
    expect(error).toBeNull();
    expect(pages.map((p) => [p.items, (p.checkpoint as { after: string }).after])).toEqual([
      [2, 'event_5'],
      [0, 'event_5'],
    ]);
  });

  it('malformed pages are PageErrors carrying the bytes; a cursor that does not move too', async () => {
    api.route({ path: '/events' }, [malformed('{"object":"list","data":[')]);
    const bad = await walk(ctx(null, NOW - DAY));
    expect(bad.error).toBeInstanceOf(PageError);
    expect([(bad.error as PageError).message, (bad.error as PageError).body.toString()]).toEqual([
      'events: body is not valid JSON (Unexpected end of JSON input)',
      '{"object":"list","data":[',
    ]);
    api.reset();
    api.route({ path: '/events' }, [json({ data: [] })]);
    expect(((await walk(ctx(null, NOW - DAY))).error as Error).message).toBe(
      'events: not an event list page: object: Invalid input: expected "list"',
    );
    api.reset();
    api.route({ path: '/events' }, [json(list([{ event: 'user.created' }], null))]);
    expect(((await walk(ctx(null, NOW - DAY))).error as Error).message).toBe(
      'events: no event in the page has an id and list_metadata.after is empty: the cursor cannot move',
    );
    api.reset();
    api.route({ path: '/events' }, [json(list([ev(1)], 'event_1'))]);
    const stuck = await walk(ctx({ v: 1, after: 'event_1', last_created_at: null, range_start: 'x' }, null));
    expect([stuck.pages.length, (stuck.error as Error).message]).toEqual([
      1,
      'events: list_metadata.after is set but the cursor did not move (event_1)',
    ]);
  });
});

describe('Events API page mapping (the webhook mapper, item by item)', () => {
  const normalize = (body: unknown) =>
    normalizeWorkos({
      body: Buffer.from(JSON.stringify(body)),
      contentType: 'application/json; planewatch-listing=events',
      transport: 'poll',
      receivedAt: NOW,
      rawId: 'raw_1',
    });

  it('maps each event type of the page with its WorkOS id as event_id', () => {
    const out = normalize(PAGE);
    expect(out.rejected).toEqual([]);
    expect(
      out.events.map((e) => [
        e.event_id,
        e.tenant_id,
        e.category,
        e.action,
        e.outcome,
        e.subject,
        e.actor?.kind ?? null,
        e.occurred_at,
        e.vendor_type,
      ]),
    ).toEqual([
      [
        'event_01JEVAPI0000000000000000A1',
        'org_01HZXACMECUSTOMER000000001',
        'account',
        'suspended',
        null,
        { kind: 'human', id: 'directory_user_01HZXLEAVER0000000000001', email: 'leaver@customer.example', name: 'Lee Ver' },
        null,
        Date.parse('2025-03-01T10:00:01.123Z'),
        'dsync.user.updated',
      ],
      [
        'event_01JEVAPI0000000000000000A2',
        'org_01HZXACMECUSTOMER000000001',
        'membership',
        'removed',
        null,
        { kind: 'human', id: 'user_01HZXAPPMEMBER000000001', email: null, name: null },
        'human',
        Date.parse('2025-03-01T10:00:02.000Z'),
        'organization_membership.deleted',
      ],
      [
        'event_01JEVAPI0000000000000000A3',
        null,
        'authentication',
        'failed',
        'failure',
        { kind: 'human', id: 'unknown.person@customer.example', email: 'unknown.person@customer.example', name: null },
        'human',
        Date.parse('2025-03-04T08:01:00.000Z'),
        'authentication.password_failed',
      ],
    ]);
  });

  it('an event from the Events API maps exactly as the same event delivered by webhook', () => {
    for (const item of PAGE.data) {
      const viaApi = normalize({ object: 'list', data: [item], list_metadata: { after: null } }).events;
      const viaWebhook = normalizeWorkos({
        body: Buffer.from(JSON.stringify(item)),
        contentType: 'application/json',
        transport: 'webhook',
        receivedAt: NOW + 5000,
        rawId: 'raw_2',
      }).events;
      expect(viaApi).toEqual(viaWebhook);
    }
  });

  it('an item that is not an event is rejected on its own; the rest of the page flows', () => {
    const out = normalize({ object: 'list', data: [{ id: 'event_x' }, PAGE.data[2]], list_metadata: { after: null } });
    expect(out.events.map((e) => e.event_id)).toEqual(['event_01JEVAPI0000000000000000A3']);
    expect(out.rejected.map((r) => r.reason)).toEqual([
      'data[0]: event: expected string, received undefined; data: expected object, received undefined',
    ]);
  });
});
