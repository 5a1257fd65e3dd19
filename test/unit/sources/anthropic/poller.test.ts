// The Anthropic inventory walk against a local vendor API server (real HTTP through the SDK and
// the runner's PollFetch): headers, after_id and next_page paging, archived workspaces, the optional
// service-accounts listing (404 / 403 → skipped, complete), malformed pages and cursors that do not move.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createPollFetch } from '../../../../source-kit/poll/fetch.ts';
import { PageError, type InventoryPage, type PollContext } from '../../../../source-kit/poller.ts';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';
import { inventoryPages, nextCursor } from '../../../../sources/anthropic/poller.ts';
import { pageEnvelope } from '../../../../services/poller/runner.ts';
import { json, malformed, startVendorApiServer, unauthorized, type VendorApiServer } from '../../../../demo/vendor-api-server.ts';

const KEY = 'sk-ant-admin01-unit-test-key';
const ORG = '/v1/organizations';
let api: VendorApiServer;
const logLines: Record<string, unknown>[] = [];

function ctx(): PollContext {
  const connection = BoundaryMapSchema.parse({
    connections: [
      { id: 'anthropic-main', vendor: 'anthropic', transport: 'inventory', api_key_env: 'ANTHROPIC_ADMIN_KEY', base_url: api.url },
    ],
  }).connections[0]!;
  const log = pino({ level: 'info' }, { write: (s: string) => void logLines.push(JSON.parse(s) as Record<string, unknown>) });
  return {
    connection,
    apiKey: KEY,
    baseUrl: api.url,
    checkpoint: null,
    since: null,
    signal: new AbortController().signal,
    now: Date.now,
    log,
    fetch: createPollFetch({ secret: KEY, policy: { baseDelayMs: 1, maxDelayMs: 5 } }),
  };
}

async function collect(): Promise<{ pages: InventoryPage[]; error: unknown }> {
  const pages: InventoryPage[] = [];
  try {
    for await (const p of inventoryPages(ctx())) pages.push(p);
    return { pages, error: null };
  } catch (error) {
    return { pages, error };
  }
}

const page = (data: unknown[], more: { has_more?: boolean; last_id?: string | null; next_page?: string | null } = {}) => ({
  data,
  has_more: more.has_more ?? false,
  first_id: (data[0] as { id?: string })?.id ?? null,
  last_id: more.last_id ?? (data[data.length - 1] as { id?: string })?.id ?? null,
  ...('next_page' in more ? { next_page: more.next_page } : {}),
});
const user = (n: number) => ({
  type: 'user',
  id: `user_${n}`,
  email: `u${n}@acme.example`,
  name: `U${n}`,
  role: 'developer',
  added_at: '2025-01-01T00:00:00Z',
});
const key = (n: number) => ({
  type: 'api_key',
  id: `apikey_${n}`,
  name: `k${n}`,
  status: 'active',
  created_at: '2025-01-01T00:00:00Z',
  partial_key_hint: `sk-ant-api03-h${n}...x`,
  created_by: { type: 'user', id: 'user_1' },
  principal: { type: 'user_actor', user_id: 'user_1' },
  scope: { type: 'workspace', workspace_id: 'wrk_live' },
});

function baseRoutes() {
  api.route({ path: `${ORG}/users`, query: { after_id: null } }, [json(page([user(1), user(2)], { has_more: true }))]);
  api.route({ path: `${ORG}/users`, query: { after_id: 'user_2' } }, [json(page([user(3)]))]);
  api.route({ path: `${ORG}/invites` }, [json(page([]))]);
  api.route({ path: `${ORG}/api_keys` }, [json(page([key(1)]))]);
  api.route({ path: `${ORG}/workspaces`, query: { include_archived: 'true' } }, [
    json(
      page([
        { type: 'workspace', id: 'wrk_live', name: 'Live', created_at: '2025-01-01T00:00:00Z', archived_at: null },
        { type: 'workspace', id: 'wrk_old', name: 'Old', created_at: '2024-01-01T00:00:00Z', archived_at: '2025-01-01T00:00:00Z' },
      ]),
    ),
  ]);
  api.route({ path: `${ORG}/workspaces/wrk_live/members` }, [
    json(
      page([{ type: 'workspace_member', user_id: 'user_1', workspace_id: 'wrk_live', workspace_role: 'workspace_admin' }], {
        last_id: 'user_1',
      }),
    ),
  ]);
}

beforeAll(async () => {
  api = await startVendorApiServer();
});
afterAll(async () => api.close());
beforeEach(() => {
  api.reset();
  logLines.length = 0;
});

describe('Anthropic inventory walk', () => {
  it('lists every listing with x-api-key + anthropic-version 2023-06-01 (no bearer), paging after_id and next_page', async () => {
    baseRoutes();
    api.route({ path: `${ORG}/service_accounts`, query: { page: null } }, [
      json(
        page(
          [
            {
              type: 'service_account',
              id: 'svac_1',
              name: 'bot',
              organization_role: 'developer',
              created_at: '2025-01-01T00:00:00Z',
              archived_at: null,
            },
          ],
          { has_more: true, next_page: 'tok_2' },
        ),
      ),
    ]);
    api.route({ path: `${ORG}/service_accounts`, query: { page: 'tok_2' } }, [
      json(
        page(
          [
            {
              type: 'service_account',
              id: 'svac_2',
              name: 'bot2',
              organization_role: 'admin',
              created_at: '2025-01-01T00:00:00Z',
              archived_at: null,
            },
          ],
          { has_more: false, next_page: null },
        ),
      ),
    ]);
    const { pages, error } = await collect();
    expect(error).toBeNull();
    expect(pages.map((p) => [p.contentType, p.items, p.objects.map((o) => `${o.kind}:${o.scope ?? ''}:${o.id}`)])).toEqual([
      ['application/json; planewatch-listing=users', 2, ['user::user_1', 'user::user_2']],
      ['application/json; planewatch-listing=users', 1, ['user::user_3']],
      ['application/json; planewatch-listing=invites', 0, []],
      ['application/json; planewatch-listing=api_keys', 1, ['api_key::apikey_1']],
      ['application/json; planewatch-listing=workspaces', 2, ['workspace::wrk_live', 'workspace::wrk_old']],
      ['application/json; planewatch-listing=workspace_members; planewatch-scope=wrk_live', 1, ['workspace_member:wrk_live:user_1']],
      ['application/json; planewatch-listing=service_accounts', 1, ['service_account::svac_1']],
      ['application/json; planewatch-listing=service_accounts', 1, ['service_account::svac_2']],
    ]);
    // The envelope of a page (pageEnvelope: the one redaction policy, source-kit/redact.ts) keeps
    // a key hint in the shape Anthropic displays ("sk-ant-api03-h1...x"): the exact page bytes.
    const produced = pageEnvelope(ctx().connection, 'inventory', pages[3]!, 'https://api.anthropic.com', 1).body;
    expect(produced.toString()).toBe(JSON.stringify(page([key(1)])));
    expect(produced.toString()).toContain('"partial_key_hint":"sk-ant-api03-h1...x"');
    expect(pages[0]!.body.toString()).toBe(JSON.stringify(page([user(1), user(2)], { has_more: true })));
    expect(api.requests.map((r) => `${r.path}?${new URLSearchParams(r.query).toString()}`)).toEqual([
      `${ORG}/users?limit=100`,
      `${ORG}/users?limit=100&after_id=user_2`,
      `${ORG}/invites?limit=100`,
      `${ORG}/api_keys?limit=100`,
      `${ORG}/workspaces?limit=100&include_archived=true`,
      `${ORG}/workspaces/wrk_live/members?limit=100`,
      `${ORG}/service_accounts?limit=100&include_archived=true`,
      `${ORG}/service_accounts?limit=100&include_archived=true&page=tok_2`,
    ]);
    for (const r of api.requests) {
      expect([r.headers['x-api-key'], r.headers['anthropic-version'], r.headers.authorization]).toEqual([KEY, '2023-06-01', undefined]);
    }
    expect(api.requestsTo(`${ORG}/workspaces/wrk_old/members`)).toEqual([]);
  });

  it('service accounts answering 404 or 403 are "not available": skipped, the walk completes, the reason is logged', async () => {
    for (const refusal of [
      json({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }, 404),
      unauthorized('Admin API keys are not accepted for this endpoint', 403),
    ]) {
      api.reset();
      logLines.length = 0;
      baseRoutes();
      api.route({ path: `${ORG}/service_accounts` }, [refusal]);
      const { pages, error } = await collect();
      expect(error).toBeNull();
      expect(pages.map((p) => p.contentType.split('=')[1])).toEqual([
        'users',
        'users',
        'invites',
        'api_keys',
        'workspaces',
        'workspace_members; planewatch-scope',
      ]);
      expect(logLines.filter((l) => l.listing === 'service_accounts').map((l) => [l.msg, l.reason])).toEqual([
        [
          'Anthropic listing not available to this credential; the snapshot is complete without it',
          refusal.status === 404
            ? `${api.url}${ORG}/service_accounts: HTTP 404: Not found after 1 attempt`
            : 'HTTP 403: Admin API keys are not accepted for this endpoint',
        ],
      ]);
    }
  });

  it('a service-accounts failure after its first page, or a malformed one, still fails the snapshot', async () => {
    baseRoutes();
    api.route({ path: `${ORG}/service_accounts`, query: { page: null } }, [
      json(page([{ type: 'service_account', id: 'svac_1', name: 'bot' }], { has_more: true, next_page: 'tok_2' })),
    ]);
    api.route({ path: `${ORG}/service_accounts`, query: { page: 'tok_2' } }, [json({ error: { message: 'gone' } }, 404)]);
    const { error } = await collect();
    expect((error as Error).message).toBe(`${api.url}${ORG}/service_accounts: HTTP 404: gone after 1 attempt`);

    api.reset();
    baseRoutes();
    api.route({ path: `${ORG}/service_accounts` }, [malformed('<html>')]);
    const second = await collect();
    expect(second.error).toBeInstanceOf(PageError);
    expect((second.error as Error).message).toBe(
      'service_accounts: body is not valid JSON (Unexpected token \'<\', "<html>" is not valid JSON)',
    );
  });

  it('a 401 on a mandatory listing stops the walk with the vendor message, key scrubbed', async () => {
    api.route({ path: `${ORG}/users` }, [unauthorized(`invalid x-api-key ${KEY}`)]);
    const { pages, error } = await collect();
    expect(pages).toEqual([]);
    expect([(error as Error).name, (error as Error).message]).toEqual([
      'PollAuthError',
      `401 from ${api.url}${ORG}/users: invalid x-api-key [redacted]`,
    ]);
  });

  it('an item without an id, a non-list body, and a cursor that does not move are malformed pages', async () => {
    api.route({ path: `${ORG}/users` }, [json(page([{ type: 'user', email: 'x@acme.example' }]))]);
    expect(((await collect()).error as Error).message).toBe(
      'users: data[0]: users item: id: Invalid input: expected string, received undefined',
    );
    api.reset();
    api.route({ path: `${ORG}/users` }, [json({ users: [] })]);
    expect(((await collect()).error as Error).message).toBe(
      'users: not a list page: data: Invalid input: expected array, received undefined',
    );
    api.reset();
    api.route({ path: `${ORG}/users` }, [json(page([user(1)], { has_more: true, last_id: 'user_1' }))]);
    const stuck = await collect();
    expect([stuck.pages.length, (stuck.error as Error).message]).toEqual([
      2,
      'users: has_more is true but the cursor did not move (user_1)',
    ]);
  });
});

describe('nextCursor', () => {
  it('after_id pages: last_id while has_more, else the last item id; page-cursor pages: next_page unless has_more is false', () => {
    expect(nextCursor({ data: [{ id: 'a' }], has_more: true, last_id: 'z' }, 'after_id')).toBe('z');
    expect(nextCursor({ data: [{ id: 'a' }], has_more: true, last_id: null }, 'after_id')).toBe('a');
    expect(nextCursor({ data: [{ id: 'a' }], has_more: false, last_id: 'a' }, 'after_id')).toBeNull();
    expect(nextCursor({ data: [], next_page: 'p2' }, 'page')).toBe('p2');
    expect(nextCursor({ data: [], has_more: false, next_page: 'p2' }, 'page')).toBeNull();
    expect(nextCursor({ data: [], next_page: null }, 'page')).toBeNull();
  });
});
