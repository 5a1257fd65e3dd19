// One SCIM writer per store (services/scim/standby.ts): a standby answers every write 503 with
// Retry-After: 1 and an RFC 7644 §3.12 error saying another instance holds the writer lease, and
// still serves reads (POST .search included); a holder whose fence fails changes nothing. The
// handler runs on a loopback server with an in-memory stand-in for the store and the publisher.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBoundaryMap } from '../../../../core/config/load.ts';
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { createScimHandler } from '../../../../services/scim/handler.ts';
import type { WriterLease } from '../../../../services/scim/standby.ts';
import type { ScimStore, WriteRow } from '../../../../services/scim/store.ts';

const TOKEN = 'standby-test-token';
const map = validateBoundaryMap({ connections: [{ id: 'idp', vendor: 'scim', transport: 'scim', secret_env: 'SCIM_TOKEN' }] }, 'test', [
  'scim',
]);

const written: WriteRow[] = [];
const published: RawEnvelope[] = [];
const store: ScimStore = {
  get: async () => null,
  getMany: async () => new Map(),
  usedIds: async () => new Set(),
  conflict: async () => null,
  list: async () => ({ total: 0, rows: [] }),
  groupsOf: async () => new Map(),
  write: async (row) => void written.push(row),
};

/** A lease whose answers the test sets. */
const lease = { holding: false, fenceOk: false };
const writer: WriterLease = { holds: () => lease.holding, fence: async () => lease.fenceOk };

let server: http.Server;
let base: string;
beforeAll(async () => {
  const handler = createScimHandler({
    map,
    secrets: new Map([['idp', TOKEN]]),
    store,
    publish: async (e) => void published.push(e),
    log: pino({ level: 'silent' }),
    maxBodyBytes: 1_000_000,
    ackTimeoutMs: 5000,
    writer,
  });
  server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/idp`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

const user = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@example.com', active: true };
const patch = {
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: [{ op: 'replace', path: 'active', value: false }],
};

describe('SCIM on standby', () => {
  it('answers every write 503 with Retry-After: 1 and a SCIM error naming the writer lease', async () => {
    lease.holding = false;
    for (const [method, path, body] of [
      ['POST', '/Users', user],
      ['PUT', '/Users/u-1', user],
      ['PATCH', '/Users/u-1', patch],
      ['DELETE', '/Users/u-1', undefined],
      ['POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'eng' }],
    ] as const) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(503);
      expect(res.retryAfter).toBe('1');
      expect(res.body).toEqual({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '503',
        detail:
          'this instance is on standby: another instance holds the SCIM writer lease and accepts writes; retry shortly (reads are served here)',
      });
    }
    expect(written).toEqual([]);
    expect(published).toEqual([]);
  });

  it('still serves reads: lists, a resource lookup, POST .search and discovery', async () => {
    lease.holding = false;
    const list = await call('GET', '/Users');
    expect(list.status).toBe(200);
    expect(list.body?.totalResults).toBe(0);
    expect((await call('GET', '/Users/u-unknown')).status).toBe(404);
    const search = await call('POST', '/Users/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] });
    expect(search.status).toBe(200);
    expect((await call('GET', '/ServiceProviderConfig')).status).toBe(200);
  });

  it('changes nothing when the holder fails its fence right before the publish', async () => {
    lease.holding = true;
    lease.fenceOk = false;
    const res = await call('POST', '/Users', user);
    expect(res.status).toBe(503);
    expect(res.retryAfter).toBe('1');
    expect(published).toEqual([]);
    expect(written).toEqual([]);
  });

  it('writes when it holds the lease and the fence passes', async () => {
    lease.holding = true;
    lease.fenceOk = true;
    const res = await call('POST', '/Users', user);
    expect(res.status).toBe(201);
    expect(published).toHaveLength(1);
    expect(written).toHaveLength(1);
  });
});
