// The Okta System Log poller: its checkpoint (pure), Link header parsing, the Authorization scheme,
// the walk against a local vendor API server (since, then Okta's next links, stop on an empty page,
// a refused link, pages and links that are wrong), and the mapping of a polled page — the same
// events, tenant included, as an event hook delivery.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createPollFetch } from '../../../../source-kit/poll/fetch.ts';
import { PageError, type PolledPage, type PollContext } from '../../../../source-kit/poller.ts';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';
import {
  advanceSystemLogCheckpoint,
  describeSystemLogCheckpoint,
  initialSystemLogCheckpoint,
  restartWithoutCursor,
  resumeSystemLogCheckpoint,
} from '../../../../sources/okta/checkpoint.ts';
import {
  createOktaSystemLogPoller,
  firstPageUrl,
  nextLinkOf,
  oktaAuthorization,
  oktaAuthScheme,
  orgBaseUrl,
  orgFromContentType,
  parseLinkHeader,
  systemLogContentType,
  systemLogPages,
} from '../../../../sources/okta/poller.ts';
import { normalizeOkta, okta } from '../../../../sources/okta/index.ts';
import { json, malformed, startVendorApiServer, type VendorApiServer } from '../../../../demo/vendor-api-server.ts';

const NOW = Date.parse('2026-06-30T12:00:00Z');
const DAY = 86_400_000;

describe('System Log checkpoint', () => {
  it('first run starts at since; a since beyond the 90-day retention starts at the oldest kept events (5 min margin), saying so', () => {
    expect(initialSystemLogCheckpoint(NOW - DAY, NOW)).toEqual({
      v: 1,
      next: null,
      since: '2026-06-29T12:00:00.000Z',
      high_published: null,
      last_uuid: null,
    });
    expect(resumeSystemLogCheckpoint(null, NOW - 120 * DAY, NOW)).toEqual({
      checkpoint: { v: 1, next: null, since: '2026-04-01T12:05:00.000Z', high_published: null, last_uuid: null },
      problem: "start 2026-03-02T12:00:00.000Z is beyond Okta's 90-day System Log retention; starting at the oldest events Okta keeps",
    });
  });

  it("the cursor becomes each page's next link; high_published is the latest published even when the page is out of order", () => {
    const cp0 = initialSystemLogCheckpoint(NOW - DAY, NOW);
    const cp1 = advanceSystemLogCheckpoint(
      cp0,
      [
        { uuid: 'u1', published: '2026-06-30T10:00:02.000Z' },
        { uuid: 'u2', published: '2026-06-30T10:00:01.000Z' },
        { uuid: 'u3', published: null },
      ],
      'https://acme.okta.com/api/v1/logs?after=c1',
    );
    expect(cp1).toEqual({
      v: 1,
      next: 'https://acme.okta.com/api/v1/logs?after=c1',
      since: '2026-06-29T12:00:00.000Z',
      high_published: '2026-06-30T10:00:02.000Z',
      last_uuid: 'u3',
    });
    // An empty page: its next link replaces the cursor; without one the cursor stays.
    expect(advanceSystemLogCheckpoint(cp1, [], 'https://acme.okta.com/api/v1/logs?after=c2')).toEqual({
      ...cp1,
      next: 'https://acme.okta.com/api/v1/logs?after=c2',
    });
    expect(advanceSystemLogCheckpoint(cp1, [], null)).toEqual(cp1);
  });

  it('a restart resumes at the stored link; an unreadable one falls back to since', () => {
    const stored = {
      v: 1,
      next: 'https://acme.okta.com/api/v1/logs?after=c9',
      since: '2026-06-01T00:00:00.000Z',
      high_published: '2026-06-30T01:00:00.000Z',
      last_uuid: 'u9',
    };
    expect(resumeSystemLogCheckpoint(JSON.parse(JSON.stringify(stored)), NOW - DAY, NOW)).toEqual({ checkpoint: stored, problem: null });
    expect(
      resumeSystemLogCheckpoint({ v: 1, next: 'not a url', since: 'x', high_published: null, last_uuid: null }, NOW - DAY, NOW),
    ).toEqual({
      checkpoint: { v: 1, next: null, since: '2026-06-29T12:00:00.000Z', high_published: null, last_uuid: null },
      problem: 'stored checkpoint unreadable (next: Invalid URL); starting from since',
    });
  });

  it('without a usable cursor the walk restarts from the latest published delivered (else the original since), clamped into retention', () => {
    const cp = {
      v: 1 as const,
      next: 'https://acme.okta.com/api/v1/logs?after=c9',
      since: '2026-06-01T00:00:00.000Z',
      high_published: '2026-06-30T01:00:00.000Z',
      last_uuid: 'u9',
    };
    expect(restartWithoutCursor(cp, NOW)).toEqual({ ...cp, next: null, since: '2026-06-30T01:00:00.000Z' });
    expect(restartWithoutCursor({ ...cp, high_published: null }, NOW).since).toBe('2026-06-01T00:00:00.000Z');
    expect(restartWithoutCursor({ ...cp, high_published: '2026-01-01T00:00:00.000Z' }, NOW).since).toBe('2026-04-01T12:05:00.000Z');
  });

  it('describes itself for planewatch status', () => {
    expect(
      describeSystemLogCheckpoint({ v: 1, next: null, since: '2026-06-29T12:00:00.000Z', high_published: null, last_uuid: null }),
    ).toBe('since 2026-06-29T12:00:00.000Z (no page yet)');
    expect(
      describeSystemLogCheckpoint({
        v: 1,
        next: 'https://acme.okta.com/api/v1/logs?limit=100&after=1751277600000_1',
        since: 'x',
        high_published: '2026-06-30T10:00:02.000Z',
        last_uuid: 'u3',
      }),
    ).toBe('next after=1751277600000_1 (last event u3, latest published 2026-06-30T10:00:02.000Z)');
    expect(
      describeSystemLogCheckpoint({
        v: 1,
        next: 'https://acme.okta.com/api/v1/logs?after=c0',
        since: 'x',
        high_published: null,
        last_uuid: null,
      }),
    ).toBe('next after=c0 (no event yet)');
  });
});

describe('Link header', () => {
  it('finds rel="next" among several links, joined into one header or not, quoted or not', () => {
    const joined =
      '<https://acme.okta.com/api/v1/logs?limit=100&since=2026-06-29T12%3A00%3A00.000Z>; rel="self", <https://acme.okta.com/api/v1/logs?limit=100&after=c1>; rel="next"';
    expect(parseLinkHeader(joined)).toEqual([
      { url: 'https://acme.okta.com/api/v1/logs?limit=100&since=2026-06-29T12%3A00%3A00.000Z', rels: ['self'] },
      { url: 'https://acme.okta.com/api/v1/logs?limit=100&after=c1', rels: ['next'] },
    ]);
    expect(nextLinkOf(joined)).toBe('https://acme.okta.com/api/v1/logs?limit=100&after=c1');
    expect(nextLinkOf('</api/v1/logs?after=c2>;rel=next')).toBe('/api/v1/logs?after=c2');
    expect(nextLinkOf('<https://a.test/x?after=c3>; title="a, b"; rel="prev next"')).toBe('https://a.test/x?after=c3');
    expect(nextLinkOf('<https://acme.okta.com/api/v1/logs?after=c1>; rel="self"')).toBeNull();
    expect(nextLinkOf(null)).toBeNull();
    expect(nextLinkOf('')).toBeNull();
  });
});

describe('Authorization scheme (from the token form; the boundary map has no setting for it)', () => {
  it('API tokens go as SSWS, JWT access tokens as Bearer, an explicit scheme as given', () => {
    expect(oktaAuthorization('00AbC-dEf_123456789012345678901234567890')).toBe('SSWS 00AbC-dEf_123456789012345678901234567890');
    expect(oktaAuthorization('eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzY3AiOlsib2t0YS5sb2dzLnJlYWQiXX0.c2lnbmF0dXJl')).toBe(
      'Bearer eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzY3AiOlsib2t0YS5sb2dzLnJlYWQiXX0.c2lnbmF0dXJl',
    );
    expect(oktaAuthorization('ssws 00tok')).toBe('SSWS 00tok');
    expect(oktaAuthorization('Bearer opaque-token ')).toBe('Bearer opaque-token');
    expect(oktaAuthorization('  00tok\n')).toBe('SSWS 00tok');
    expect([oktaAuthScheme('00tok'), oktaAuthScheme('eyJa.eyJb.c')]).toEqual(['SSWS', 'Bearer']);
  });
});

describe('org URL and content type', () => {
  it('base_url is the org URL (a trailing /api/v1 or slash is tolerated) and is required', () => {
    expect(orgBaseUrl('https://acme.okta.com/')).toBe('https://acme.okta.com');
    expect(orgBaseUrl('https://acme.okta.com/api/v1')).toBe('https://acme.okta.com');
    expect(() => orgBaseUrl('', 'okta-logs')).toThrow(
      'connection "okta-logs": base_url is required for the Okta System Log: the org URL, e.g. https://acme.okta.com',
    );
    expect(firstPageUrl('https://acme.okta.com', '2026-06-29T12:00:00.000Z')).toBe(
      'https://acme.okta.com/api/v1/logs?since=2026-06-29T12%3A00%3A00.000Z&limit=100&sortOrder=ASCENDING',
    );
  });

  it('the org host travels as the okta-org content-type parameter', () => {
    expect(systemLogContentType('acme.okta.com')).toBe('application/json; okta-org=acme.okta.com');
    expect(systemLogContentType(null)).toBe('application/json');
    expect(orgFromContentType('application/json; okta-org=acme.okta.com')).toBe('acme.okta.com');
    expect(orgFromContentType('application/json;charset=utf-8; OKTA-ORG="Acme.OktaPreview.com"')).toBe('acme.oktapreview.com');
    expect(orgFromContentType('application/json')).toBeNull();
    expect(orgFromContentType(null)).toBeNull();
  });

  it('the Okta module carries the poller (no default base URL: every org has its own)', () => {
    expect(okta.poller?.defaultBaseUrl).toBe('');
    expect(typeof okta.poller?.pages).toBe('function');
    expect(okta.poller?.inventory).toBeUndefined();
    expect(() => createOktaSystemLogPoller({ limit: 1001 })).toThrow(
      'Okta System Log poller: limit must be an integer from 1 to 1000, got 1001',
    );
  });
});

describe('System Log walk', () => {
  const TOKEN = '00UnitTestOktaToken0000000000000000000000';
  const LOGS = '/api/v1/logs';
  let api: VendorApiServer;
  beforeAll(async () => {
    api = await startVendorApiServer();
  });
  afterAll(async () => api.close());
  beforeEach(() => api.reset());

  function ctx(checkpoint: unknown, since: number | null, baseUrl = api.url): PollContext {
    const connection = BoundaryMapSchema.parse({
      connections: [{ id: 'okta-logs', vendor: 'okta', transport: 'poll', api_key_env: 'OKTA_TOKEN', base_url: api.url }],
    }).connections[0]!;
    return {
      connection,
      apiKey: TOKEN,
      baseUrl,
      checkpoint,
      since,
      signal: new AbortController().signal,
      now: () => NOW,
      log: pino({ level: 'silent' }),
      fetch: createPollFetch({ secret: TOKEN, policy: { baseDelayMs: 1, maxDelayMs: 5 } }),
    };
  }
  async function walk(c: PollContext, limit?: number): Promise<{ pages: PolledPage[]; error: unknown }> {
    const pages: PolledPage[] = [];
    try {
      for await (const p of systemLogPages(c, limit)) pages.push(p);
      return { pages, error: null };
    } catch (error) {
      return { pages, error };
    }
  }
  const ev = (n: number, published: string) => ({
    uuid: `uuid-${n}`,
    published,
    eventType: 'user.lifecycle.deactivate',
    target: [{ id: `00u${n}`, type: 'User' }],
  });
  const next = (after: string) => ({ link: `<${api.url}${LOGS}?limit=2&after=${after}>; rel="next"` });
  const self = (q: string) => `<${api.url}${LOGS}?${q}>; rel="self"`;

  it('since, then the next links, out-of-order published kept as is; stops at the empty page keeping its next link; SSWS token', async () => {
    api.route({ path: LOGS, query: { after: null, since: '2026-06-29T12:00:00.000Z', limit: '2', sortOrder: 'ASCENDING' } }, [
      json([ev(1, '2026-06-30T10:00:02.000Z'), ev(2, '2026-06-30T10:00:01.000Z')], 200, {
        link: `${self('limit=2&since=x')}, ${next('c1').link}`,
      }),
    ]);
    api.route({ path: LOGS, query: { after: 'c1' } }, [json([ev(3, '2026-06-30T10:00:03.000Z')], 200, next('c2'))]);
    api.route({ path: LOGS, query: { after: 'c2' } }, [json([], 200, next('c2'))]);
    const { pages, error } = await walk(ctx(null, NOW - DAY), 2);
    expect(error).toBeNull();
    const ct = 'application/json; okta-org=127.0.0.1';
    expect(pages.map((p) => [p.contentType, p.items, p.publish, p.checkpoint])).toEqual([
      [
        ct,
        2,
        undefined,
        {
          v: 1,
          next: `${api.url}${LOGS}?limit=2&after=c1`,
          since: '2026-06-29T12:00:00.000Z',
          high_published: '2026-06-30T10:00:02.000Z',
          last_uuid: 'uuid-2',
        },
      ],
      [
        ct,
        1,
        undefined,
        {
          v: 1,
          next: `${api.url}${LOGS}?limit=2&after=c2`,
          since: '2026-06-29T12:00:00.000Z',
          high_published: '2026-06-30T10:00:03.000Z',
          last_uuid: 'uuid-3',
        },
      ],
      [
        ct,
        0,
        false,
        {
          v: 1,
          next: `${api.url}${LOGS}?limit=2&after=c2`,
          since: '2026-06-29T12:00:00.000Z',
          high_published: '2026-06-30T10:00:03.000Z',
          last_uuid: 'uuid-3',
        },
      ],
    ]);
    expect(api.requests.map((r) => r.query)).toEqual([
      { since: '2026-06-29T12:00:00.000Z', limit: '2', sortOrder: 'ASCENDING' },
      { limit: '2', after: 'c1' },
      { limit: '2', after: 'c2' },
    ]);
    expect(api.requests.map((r) => [r.headers.authorization, r.headers.accept])).toEqual(
      [1, 2, 3].map(() => [`SSWS ${TOKEN}`, 'application/json']),
    );
    expect(pages[1]!.body.toString()).toBe(JSON.stringify([ev(3, '2026-06-30T10:00:03.000Z')]));
  });

  it('resumes at the stored next link; a relative next link is resolved against the org; an empty first page without a link keeps the cursor', async () => {
    api.route({ path: LOGS, query: { after: 'c2' } }, [
      json([ev(4, '2026-06-30T10:00:04.000Z')], 200, { link: `<${LOGS}?limit=2&after=c3>; rel="next"` }),
    ]);
    api.route({ path: LOGS, query: { after: 'c3' } }, [json([], 200)]);
    const stored = {
      v: 1,
      next: `${api.url}${LOGS}?limit=2&after=c2`,
      since: '2026-06-29T12:00:00.000Z',
      high_published: '2026-06-30T10:00:03.000Z',
      last_uuid: 'uuid-3',
    };
    const { pages, error } = await walk(ctx(stored, null));
    expect(error).toBeNull();
    expect(pages.map((p) => [p.items, (p.checkpoint as { next: string }).next])).toEqual([
      [1, `${api.url}${LOGS}?limit=2&after=c3`],
      [0, `${api.url}${LOGS}?limit=2&after=c3`],
    ]);
    expect(api.requests.map((r) => r.query.after)).toEqual(['c2', 'c3']);
  });

  it('a next link Okta refuses restarts once from the latest published delivered', async () => {
    api.route({ path: LOGS, query: { after: 'expired' } }, [
      json({ errorCode: 'E0000001', errorSummary: 'Api validation failed: after' }, 400),
    ]);
    api.route({ path: LOGS, query: { after: null, since: '2026-06-30T10:00:03.000Z' } }, [
      json([ev(3, '2026-06-30T10:00:03.000Z'), ev(5, '2026-06-30T10:00:05.000Z')], 200, next('c5')),
    ]);
    api.route({ path: LOGS, query: { after: 'c5' } }, [json([], 200, next('c5'))]);
    const stored = {
      v: 1,
      next: `${api.url}${LOGS}?limit=2&after=expired`,
      since: '2026-06-29T12:00:00.000Z',
      high_published: '2026-06-30T10:00:03.000Z',
      last_uuid: 'uuid-3',
    };
    const { pages, error } = await walk(ctx(stored, null));
    expect(error).toBeNull();
    expect(pages.map((p) => [p.items, p.publish, (p.checkpoint as { high_published: string }).high_published])).toEqual([
      [2, undefined, '2026-06-30T10:00:05.000Z'],
      [0, false, '2026-06-30T10:00:05.000Z'],
    ]);
    // Refused twice in one cycle: the second refusal stops the cycle (no loop).
    api.reset();
    api.route({ path: LOGS }, [json({ errorCode: 'E0000001', errorSummary: 'Api validation failed: since' }, 400)]);
    const twice = await walk(ctx(stored, null));
    expect((twice.error as Error).message).toBe(`${api.url}${LOGS}: HTTP 400: Api validation failed: since after 1 attempt`);
    expect(api.requests).toHaveLength(2);
  });

  it('a stored next link of another org URL (base_url changed) restarts from the latest published delivered', async () => {
    api.route({ path: LOGS, query: { since: '2026-06-30T10:00:03.000Z' } }, [json([], 200, next('c0'))]);
    const stored = {
      v: 1,
      next: 'https://old.okta.com/api/v1/logs?after=c2',
      since: '2026-06-29T12:00:00.000Z',
      high_published: '2026-06-30T10:00:03.000Z',
      last_uuid: 'uuid-3',
    };
    const { pages } = await walk(ctx(stored, null));
    expect(pages.map((p) => (p.checkpoint as { next: string }).next)).toEqual([`${api.url}${LOGS}?limit=2&after=c0`]);
  });

  it('pages and links that are wrong are PageErrors carrying the bytes', async () => {
    const errorOf = async (body: Parameters<typeof api.route>[1]) => {
      api.reset();
      api.route({ path: LOGS }, body);
      const r = await walk(ctx(null, NOW - DAY));
      expect(r.error).toBeInstanceOf(PageError);
      return [(r.error as PageError).message, (r.error as PageError).body.toString(), r.pages.length];
    };
    expect(await errorOf([malformed('[{"uuid":')])).toEqual([
      'system log: body is not valid JSON (Unexpected end of JSON input)',
      '[{"uuid":',
      0,
    ]);
    expect(await errorOf([json({ errorCode: 'E0000001' })])).toEqual([
      'system log: expected a JSON array of LogEvents, received object',
      '{"errorCode":"E0000001"}',
      0,
    ]);
    expect(await errorOf([json([ev(1, '2026-06-30T10:00:01.000Z')])])).toEqual([
      'system log: a page of 1 event has no Link rel="next" (Okta always sends one when polling)',
      JSON.stringify([ev(1, '2026-06-30T10:00:01.000Z')]),
      0,
    ]);
    expect(
      await errorOf([json([ev(1, '2026-06-30T10:00:01.000Z')], 200, { link: '<https://evil.example/api/v1/logs?after=c1>; rel="next"' })]),
    ).toEqual([
      `Link rel="next" points at https://evil.example/api/v1/logs, not at ${api.url}/api/v1/logs: not followed (the token would go with it)`,
      JSON.stringify([ev(1, '2026-06-30T10:00:01.000Z')]),
      0,
    ]);
    expect(await errorOf([json([], 200, { link: `<${api.url}/api/v1/users?after=c1>; rel="next"` })])).toEqual([
      `Link rel="next" points at ${api.url}/api/v1/users, not at ${api.url}/api/v1/logs: not followed (the token would go with it)`,
      '[]',
      0,
    ]);
    expect(api.requests.map((r) => r.path)).toEqual([LOGS]); // never followed
    // A non-empty page whose next link is the URL just fetched would loop forever.
    api.reset();
    api.route({ path: LOGS }, [json([ev(1, '2026-06-30T10:00:01.000Z')], 200, next('c1'))]);
    const stuck = await walk(
      ctx({ v: 1, next: `${api.url}${LOGS}?limit=2&after=c1`, since: 'x', high_published: null, last_uuid: null }, null),
    );
    expect([stuck.pages.length, (stuck.error as Error).message]).toEqual([
      0,
      'system log: Link rel="next" is the URL just fetched although the page held 1 event: the cursor did not move',
    ]);
  });

  it('a missing base_url stops the cycle with a message naming the setting', async () => {
    const r = await walk(ctx(null, NOW - DAY, ''));
    expect((r.error as Error).message).toBe(
      'connection "okta-logs": base_url is required for the Okta System Log: the org URL, e.g. https://acme.okta.com',
    );
    expect(api.requests).toEqual([]);
  });

  it('an OAuth access token (JWT) is sent as Bearer', async () => {
    api.route({ path: LOGS }, [json([], 200, next('c0'))]);
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzY3AiOlsib2t0YS5sb2dzLnJlYWQiXX0.c2ln';
    await walk({ ...ctx(null, NOW - DAY), apiKey: jwt });
    expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${jwt}`]);
  });
});

describe('System Log page mapping (the event hook mapper, item by item)', () => {
  const admin = { id: '00uADMIN', type: 'User', alternateId: 'ada.admin@acme.example', displayName: 'Ada Admin' };
  const leaver = { id: '00uLEAVER', type: 'User', alternateId: 'Lee.Ver@Acme.example', displayName: 'Lee Ver' };
  const events = [
    {
      uuid: 'f1d0b993-0000-11ee-0000-000000000001',
      published: '2026-06-30T10:00:00.123Z',
      eventType: 'user.lifecycle.deactivate',
      outcome: { result: 'SUCCESS' },
      actor: admin,
      target: [leaver],
    },
    {
      uuid: 'f1d0b993-0000-11ee-0000-000000000002',
      published: '2026-06-30T09:59:59.000Z',
      eventType: 'user.session.start',
      outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
      actor: leaver,
      client: { ipAddress: '203.0.113.5' },
    },
  ];
  const page = (items: unknown[], contentType: string | null) =>
    normalizeOkta({
      body: Buffer.from(JSON.stringify(items)),
      contentType,
      transport: 'poll',
      receivedAt: NOW,
      rawId: 'raw_poll',
      connectionId: 'okta-logs',
    });

  it('maps each event with its uuid as event_id and the org from the content type as tenant', () => {
    const out = page(events, 'application/json; okta-org=acme.okta.com');
    expect(out.rejected).toEqual([]);
    expect(
      out.events.map((e) => [
        e.event_id,
        e.tenant_id,
        e.plane_keys,
        e.category,
        e.action,
        e.outcome,
        e.subject.id,
        e.subject.email,
        e.actor?.ip ?? null,
        e.occurred_at,
        e.vendor_type,
      ]),
    ).toEqual([
      [
        'f1d0b993-0000-11ee-0000-000000000001',
        'acme.okta.com',
        { organization_id: 'acme.okta.com' },
        'account',
        'suspended',
        'success',
        '00uLEAVER',
        'lee.ver@acme.example',
        null,
        Date.parse('2026-06-30T10:00:00.123Z'),
        'user.lifecycle.deactivate',
      ],
      [
        'f1d0b993-0000-11ee-0000-000000000002',
        'acme.okta.com',
        { organization_id: 'acme.okta.com' },
        'authentication',
        'failed',
        'failure',
        '00uLEAVER',
        'lee.ver@acme.example',
        '203.0.113.5',
        Date.parse('2026-06-30T09:59:59.000Z'),
        'user.session.start',
      ],
    ]);
    // Without the parameter (a page from elsewhere) the tenant is unknown rather than guessed.
    expect(page(events, 'application/json').events.map((e) => e.tenant_id)).toEqual([null, null]);
  });

  it('a polled event maps exactly as the same event delivered by an event hook of the same org (but the delivery id)', () => {
    const viaPoll = page(events, 'application/json; okta-org=acme.okta.com').events;
    const hook = {
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      contentType: 'application/json',
      eventId: 'delivery-1',
      eventTime: '2026-06-30T10:00:05.000Z',
      source: 'https://acme.okta.com/api/v1/eventHooks/who0000000000000',
      data: { events },
    };
    const viaHook = normalizeOkta({
      body: Buffer.from(JSON.stringify(hook)),
      contentType: 'application/json',
      transport: 'webhook',
      receivedAt: NOW,
      rawId: 'raw_hook',
    }).events;
    expect(viaHook.map((e) => e.attributes.delivery_id)).toEqual(['delivery-1', 'delivery-1']);
    expect(viaPoll.map((e) => e.attributes.delivery_id)).toEqual([undefined, undefined]);
    const withoutDelivery = viaHook.map((e) => ({
      ...e,
      attributes: Object.fromEntries(Object.entries(e.attributes).filter(([k]) => k !== 'delivery_id')),
    }));
    expect(viaPoll).toEqual(withoutDelivery);
  });

  it('an item that is not a LogEvent is rejected on its own; the rest of the page flows', () => {
    const out = page(
      [{ eventType: 'user.lifecycle.suspend', published: '2026-06-30T10:00:00.000Z' }, events[0]],
      'application/json; okta-org=acme.okta.com',
    );
    expect(out.events.map((e) => e.event_id)).toEqual(['f1d0b993-0000-11ee-0000-000000000001']);
    expect(out.rejected.map((r) => r.reason)).toEqual(['(page)[0]: uuid: expected string, received undefined']);
  });
});
