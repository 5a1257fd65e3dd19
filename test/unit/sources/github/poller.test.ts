// The organisation alerts poller against a local GitHub-shaped server: Link pagination, the
// checkpoint deciding what is published, the origin check, secrets removed from every page.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';
import { createPollFetch } from '../../../../source-kit/poll/fetch.ts';
import { PageError, type PolledPage, type PollContext } from '../../../../source-kit/poller.ts';
import { alertPages, fetchRepoAlert } from '../../../../sources/github/poller.ts';
import { describeAlertsCheckpoint } from '../../../../sources/github/checkpoint.ts';
import { json, startVendorApiServer, type VendorApiServer } from '../../../../demo/vendor-api-server.ts';

const TOKEN = 'ghp_unit_placeholder';
const ALERTS = '/orgs/acme/secret-scanning/alerts';
const base = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../../fixtures/github/repo-alert-42.json', import.meta.url)), 'utf8'),
) as Record<string, unknown>;
const alert = (n: number, updated: string) => ({
  ...base,
  number: n,
  updated_at: updated,
  secret: `sk-proj-UNITSECRET${n}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxQx7Z`,
  repository: { full_name: 'acme/app' },
});

let api: VendorApiServer;
beforeAll(async () => {
  api = await startVendorApiServer();
});
afterAll(async () => api.close());
beforeEach(() => api.reset());

function ctx(checkpoint: unknown, organization: string | null = 'acme'): PollContext {
  const connection = BoundaryMapSchema.parse({
    connections: [
      {
        id: 'github-org',
        vendor: 'github',
        transport: 'poll',
        organization: organization ?? undefined,
        api_key_env: 'GH_TOKEN',
        base_url: api.url,
      },
    ],
  }).connections[0]!;
  return {
    connection,
    apiKey: TOKEN,
    baseUrl: api.url,
    checkpoint,
    since: null,
    signal: new AbortController().signal,
    now: () => 0,
    log: pino({ level: 'silent' }),
    fetch: createPollFetch({ secret: TOKEN, policy: { baseDelayMs: 1, maxDelayMs: 5 } }),
  };
}
async function walk(c: PollContext): Promise<{ pages: PolledPage[]; error: unknown }> {
  const pages: PolledPage[] = [];
  try {
    for await (const p of alertPages(c)) pages.push(p);
    return { pages, error: null };
  } catch (error) {
    return { pages, error };
  }
}

describe('GitHub org secret scanning alerts poller', () => {
  it('follows Link rel="next", sorted by updated ascending, 100 per page, with the token; pages hold no secret', async () => {
    api.route({ path: ALERTS, query: { page: null } }, [
      json([alert(1, '2026-03-01T00:00:00Z'), alert(2, '2026-03-02T00:00:00Z')], 200, {
        link: `<${api.url}${ALERTS}?sort=updated&direction=asc&per_page=100&page=2>; rel="next", <${api.url}${ALERTS}?page=2>; rel="last"`,
      }),
    ]);
    api.route({ path: ALERTS, query: { page: '2' } }, [json([alert(3, '2026-03-03T00:00:00Z')])]);
    const { pages, error } = await walk(ctx(null));
    expect(error).toBeNull();
    expect(pages.map((p) => [p.items, p.publish, p.checkpoint])).toEqual([
      [2, true, { v: 1, last_updated_at: '2026-03-02T00:00:00Z' }],
      [1, true, { v: 1, last_updated_at: '2026-03-03T00:00:00Z' }],
    ]);
    expect(api.requests[0]!.query).toEqual({ sort: 'updated', direction: 'asc', per_page: '100' });
    expect(api.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    for (const p of pages) expect(p.body.toString('utf8')).not.toContain('UNITSECRET');
    expect(JSON.parse(pages[0]!.body.toString('utf8'))[0].planewatch_fingerprint).toEqual({
      vendor: 'openai',
      key_head: 'sk-proj-UNITSECR',
      key_tail: 'Qx7Z',
    });
    expect(describeAlertsCheckpoint(pages[1]!.checkpoint)).toBe('alerts updated up to 2026-03-03T00:00:00Z');
  });

  it('a page with nothing updated after the checkpoint is not published; the checkpoint stays', async () => {
    api.route({ path: ALERTS }, [json([alert(1, '2026-03-01T00:00:00Z'), alert(2, '2026-03-02T00:00:00Z')])]);
    const { pages } = await walk(ctx({ v: 1, last_updated_at: '2026-03-02T00:00:00Z' }));
    expect(pages.map((p) => [p.publish, p.checkpoint])).toEqual([[false, { v: 1, last_updated_at: '2026-03-02T00:00:00Z' }]]);
  });

  it('does not follow a next link off the API origin (the token would go with it)', async () => {
    api.route({ path: ALERTS }, [
      json([alert(1, '2026-03-01T00:00:00Z')], 200, { link: '<https://evil.example/orgs/acme/secret-scanning/alerts?page=2>; rel="next"' }),
    ]);
    const { error } = await walk(ctx(null));
    expect(error).toBeInstanceOf(PageError);
    expect((error as Error).message).toMatch(/leaves/);
  });

  it('needs the organisation', async () => {
    const { error } = await walk(ctx(null, null));
    expect((error as Error).message).toMatch(/has no organization/);
  });
});

describe('fetchRepoAlert', () => {
  it('returns the alert without its secret; an HTTP failure names neither the token nor the secret', async () => {
    api.route({ path: '/repos/acme/app/secret-scanning/alerts/42' }, [
      json({ ...base, secret: ['sk', 'proj', 'FETCHSECRETxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxQx7Z'].join('-') }),
    ]);
    const got = await fetchRepoAlert({ apiKey: TOKEN, baseUrl: api.url, fetch }, 'acme/app', 42);
    expect(JSON.stringify(got)).not.toContain('FETCHSECRET');
    expect(got).toMatchObject({
      number: 42,
      state: 'open',
      planewatch_fingerprint: { vendor: 'openai', key_head: 'sk-proj-FETCHSEC', key_tail: 'Qx7Z' },
    });
    api.reset();
    api.route({ path: '/repos/acme/app/secret-scanning/alerts/42' }, [json({ message: 'Bad credentials' }, 401)]);
    await expect(fetchRepoAlert({ apiKey: TOKEN, baseUrl: api.url, fetch }, 'acme/app', 42)).rejects.toThrow(
      'GET /repos/acme/app/secret-scanning/alerts/42: HTTP 401',
    );
    await expect(fetchRepoAlert({ apiKey: undefined, baseUrl: api.url, fetch }, 'acme/app', 42)).rejects.toThrow(/no api_key_env/);
  });
});
