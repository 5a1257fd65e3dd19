// SCIM end to end through the real pipeline (HTTP → SCIM service provider / collector → Kafka →
// normalizer → Kafka → sink → embedded ClickHouse):
//  1. a conformance run driving /scim/v2/<connection>/ the way Okta and Entra ID do (request bodies
//     written out literally in each client's wire form, quirks included), error bodies, paging;
//  2. the SCIM-copy webhook (/webhooks/scim/<connection>, HMAC-signed);
//  3. the identity events both produced, with literal expected actions;
//  4. the password the clients sent appears nowhere: no ClickHouse table, no Kafka topic.
// Request bodies are literal JSON rather than built with a SCIM client library on purpose: the
// point is the exact forms the IdPs send ("Replace", "False", no-path value objects), which a
// library would normalize away (scimmy 1.3.5, for one, refuses "False" for a boolean).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEnvelopeId } from '../../core/events/raw-envelope.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { signScimCopy } from '../../sources/scim/index.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const run = randomUUID().slice(0, 8);
const CONN = `scim-${run}`;
const COPY_CONN = `scim-copy-${run}`;
const TOKEN = `scim-token-${randomUUID()}`;
const COPY_SECRET = `copy-secret-${randomUUID()}`;
const PASSWORD = `Okta-Pw-${randomUUID()}`;
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const CONFIG = `
connections:
  - id: ${CONN}
    vendor: scim
    transport: scim
    secret_env: TEST_SCIM_TOKEN
    plane: application
    authoritative_for: customers
  - id: ${COPY_CONN}
    vendor: scim
    transport: webhook
    secret_env: TEST_SCIM_COPY_SECRET
    plane: application
    authoritative_for: customers
`;

let t: TestPipeline;
let base: string;

beforeAll(async () => {
  t = await startTestPipeline({
    configYaml: CONFIG,
    env: { TEST_SCIM_TOKEN: TOKEN, TEST_SCIM_COPY_SECRET: COPY_SECRET },
    ackTimeoutMs: 15_000,
  });
  base = `${t.pipeline.url}/scim/v2/${CONN}`;
});
afterAll(async () => {
  await t?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function scim(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
const q = (filter: string) => encodeURIComponent(filter);

/** Subject ids → readable names for the event assertions. */
const alias = new Map<string, string>();

const okta = {
  userName: `ada.${run}@okta.example`,
  create: () => ({
    schemas: [USER],
    userName: `ada.${run}@okta.example`,
    name: { givenName: 'Ada', familyName: 'Lovelace' },
    emails: [{ primary: true, value: `Ada.${run}@Okta.example`, type: 'work' }],
    displayName: 'Ada Lovelace',
    locale: 'en-US',
    externalId: `00u${run}`,
    groups: [],
    password: PASSWORD,
    active: true,
  }),
};

describe('SCIM service provider, driven like Okta', () => {
  let id: string;

  it('checks existence by filter, creates the user (201, Location, ETag, no password), finds it', async () => {
    const before = await scim('GET', `/Users?filter=${q(`userName eq "${okta.userName}"`)}&startIndex=1&count=100`);
    expect(before.status).toBe(200);
    expect(before.headers.get('content-type')).toBe('application/scim+json');
    expect(before.body).toEqual({ schemas: [LIST], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] });

    const created = await scim('POST', '/Users', okta.create(), { 'user-agent': 'Okta SCIM Client 1.0.0' });
    expect(created.status).toBe(201);
    id = created.body.id;
    alias.set(id, 'okta-user');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.headers.get('location')).toBe(`${base}/Users/${id}`);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.body).toEqual({
      schemas: [USER],
      id,
      externalId: `00u${run}`,
      userName: okta.userName,
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, value: `Ada.${run}@Okta.example`, type: 'work' }],
      displayName: 'Ada Lovelace',
      locale: 'en-US',
      active: true,
      meta: {
        resourceType: 'User',
        created: created.body.meta.created,
        lastModified: created.body.meta.created,
        version: 'W/"1"',
        location: `${base}/Users/${id}`,
      },
    });
    expect(Number.isNaN(Date.parse(created.body.meta.created))).toBe(false);

    const found = await scim('GET', `/Users?filter=${q(`userName eq "${okta.userName.toUpperCase()}"`)}&startIndex=1&count=100`);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    const byId = await scim('GET', `/Users/${id}`);
    expect([byId.status, byId.headers.get('etag'), byId.body.userName]).toEqual([200, 'W/"1"', okta.userName]);
    const byEmail = await scim('GET', `/Users?filter=${q(`emails.value eq "ada.${run}@okta.example"`)}`);
    expect(byEmail.body.totalResults).toBe(1);
  });

  it('refuses a second user with the same userName (any case): 409 uniqueness', async () => {
    const dup = await scim('POST', '/Users', { ...okta.create(), userName: okta.userName.toUpperCase() });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({
      schemas: [ERROR],
      status: '409',
      scimType: 'uniqueness',
      detail: `userName "${okta.userName.toUpperCase()}" is already used by another User`,
    });
  });

  it('deactivates (PATCH without path), reactivates, changes the password (dropped), replaces everything (PUT)', async () => {
    const off = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect([off.status, off.body.active, off.headers.get('etag')]).toEqual([200, false, 'W/"2"']);
    const on = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    expect([on.status, on.body.active, on.body.meta.version]).toEqual([200, true, 'W/"3"']);
    // A password-only change stores nothing, so nothing changes: same version, no event.
    const pw = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { password: PASSWORD } }] });
    expect([pw.status, pw.body.meta.version, 'password' in pw.body]).toEqual([200, 'W/"3"', false]);
    const put = await scim('PUT', `/Users/${id}`, { ...okta.create(), id, title: 'Countess of Lovelace' });
    expect([put.status, put.body.title, put.body.meta.version, 'password' in put.body]).toEqual([
      200,
      'Countess of Lovelace',
      'W/"4"',
      false,
    ]);
  });

  it('honours If-Match: 412 on a stale version, applied on the current one', async () => {
    const stale = await scim(
      'PATCH',
      `/Users/${id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
      { 'if-match': 'W/"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body).toEqual({
      schemas: [ERROR],
      status: '412',
      detail: `User "${id}" has changed: its version is W/"4", If-Match asked for W/"1"`,
    });
    const notModified = await fetch(`${base}/Users/${id}`, { headers: { authorization: `Bearer ${TOKEN}`, 'if-none-match': 'W/"4"' } });
    expect(notModified.status).toBe(304);
  });

  it('deletes (204); afterwards every request for it is 404', async () => {
    const del = await scim('DELETE', `/Users/${id}`, undefined, { 'if-match': 'W/"4"' });
    expect([del.status, del.body]).toEqual([204, null]);
    const gone = await scim('GET', `/Users/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ schemas: [ERROR], status: '404', detail: `User "${id}" not found` });
    expect((await scim('PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', value: { active: true } }] })).status).toBe(404);
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(404);
    expect((await scim('GET', `/Users?filter=${q(`userName eq "${okta.userName}"`)}`)).body.totalResults).toBe(0);
  });
});

const entra = {
  userName: `Test_User_${run}`,
  externalId: randomUUID(),
  create(externalId: string, userName: string) {
    return {
      schemas: [USER, ENT],
      externalId,
      userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: `${userName}@testuser.example` }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      [ENT]: { department: 'R&D', manager: { value: 'mgr-1' } },
      roles: [],
    };
  },
};

describe('SCIM service provider, driven like Entra ID', () => {
  let id: string;

  it('creates, finds by externalId, deactivates with "Replace" / "active" / "False"', async () => {
    const created = await scim('POST', '/Users', entra.create(entra.externalId, entra.userName));
    expect(created.status).toBe(201);
    id = created.body.id;
    alias.set(id, 'entra-user');
    expect(created.body.schemas).toEqual([USER, ENT]);
    expect(created.body[ENT]).toEqual({ department: 'R&D', manager: { value: 'mgr-1' } });
    const found = await scim('GET', `/Users?filter=${q(`externalId eq "${entra.externalId}"`)}`);
    expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    const byName = await scim('GET', `/Users?filter=${q(`UserName Eq "${entra.userName}"`)}`);
    expect(byName.body.totalResults).toBe(1);

    const off = await scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect([off.status, off.body.active]).toEqual([200, false]);
    // Entra repeats itself: the same PATCH again is a no-op (same version, no second event).
    const again = await scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect([again.status, again.body.meta.version]).toEqual([200, 'W/"2"']);
  });

  it('patches attributes the Entra way: value filters, extension paths, bare manager id', async () => {
    const r = await scim('PATCH', `/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: `renamed.${run}@testuser.example` },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
        { op: 'Replace', path: `${ENT}:manager`, value: 'mgr-2' },
        { op: 'Replace', path: 'name.givenName', value: 'Given' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.emails).toEqual([{ primary: true, type: 'work', value: `renamed.${run}@testuser.example` }]);
    expect(r.body.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555 0100' }]);
    expect(r.body[ENT]).toEqual({ department: 'R&D', manager: { value: 'mgr-2' } });
    expect(r.body.name).toEqual({ formatted: 'givenName familyName', familyName: 'familyName', givenName: 'Given' });
    expect(r.body.active).toBe(false);
  });
});

describe('Groups and membership', () => {
  const ids: Record<string, string> = {};

  it('provisions two members, one of them deactivated by PUT (Okta AIW apps PUT everything)', async () => {
    for (const name of ['member-c', 'member-d']) {
      const r = await scim('POST', '/Users', {
        schemas: [USER],
        userName: `${name}.${run}@acme.example`,
        emails: [{ value: `${name}.${run}@acme.example`, primary: true }],
        active: true,
      });
      expect(r.status).toBe(201);
      ids[name] = r.body.id;
      alias.set(r.body.id, name);
    }
    const put = await scim('PUT', `/Users/${ids['member-c']}`, {
      schemas: [USER],
      userName: `member-c.${run}@acme.example`,
      emails: [{ value: `member-c.${run}@acme.example`, primary: true }],
      active: false,
    });
    expect([put.status, put.body.active]).toEqual([200, false]);
  });

  it('Okta group push: create with a member, add one, remove one by filter', async () => {
    const g = await scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: `Engineering ${run}`,
      members: [{ value: ids['member-c'], display: `member-c.${run}@acme.example` }],
    });
    expect(g.status).toBe(201);
    ids.okta = g.body.id;
    alias.set(g.body.id, 'okta-group');
    expect(g.headers.get('location')).toBe(`${base}/Groups/${g.body.id}`);
    expect(g.body.members).toEqual([{ value: ids['member-c'], display: `member-c.${run}@acme.example` }]);
    const add = await scim('PATCH', `/Groups/${ids.okta}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: ids['member-d'], display: `member-d.${run}@acme.example` }] }],
    });
    expect(add.body.members.map((m: { value: string }) => m.value)).toEqual([ids['member-c'], ids['member-d']]);
    const remove = await scim('PATCH', `/Groups/${ids.okta}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${ids['member-c']}"]` }],
    });
    expect(remove.body.members.map((m: { value: string }) => m.value)).toEqual([ids['member-d']]);
  });

  it('Entra: create, find by displayName without members, Add / Remove members with value lists, rename, delete', async () => {
    const g = await scim('POST', '/Groups', {
      schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: `ext-${run}`,
      displayName: `Sales ${run}`,
      meta: { resourceType: 'Group' },
    });
    expect(g.status).toBe(201);
    ids.entra = g.body.id;
    alias.set(g.body.id, 'entra-group');
    const add = await scim('PATCH', `/Groups/${ids.entra}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: [{ value: ids['member-d'] }] }],
    });
    expect(add.status).toBe(200);
    const found = await scim('GET', `/Groups?filter=${q(`displayName eq "sales ${run}"`)}&excludedAttributes=members`);
    expect(found.body.Resources).toEqual([
      { schemas: [GROUP], id: ids.entra, externalId: `ext-${run}`, displayName: `Sales ${run}`, meta: found.body.Resources[0].meta },
    ]);
    const byMember = await scim('GET', `/Groups?filter=${q(`members[value eq "${ids['member-d']}"]`)}&attributes=displayName`);
    expect(byMember.body.Resources.map((r: { displayName: string }) => r.displayName).sort()).toEqual([
      `Engineering ${run}`,
      `Sales ${run}`,
    ]);
    // The user's read-only `groups` reflects both memberships.
    const d = await scim('GET', `/Users/${ids['member-d']}`);
    expect(d.body.groups.map((x: { value: string; display: string; type: string }) => [x.value, x.display, x.type])).toEqual([
      [ids.okta, `Engineering ${run}`, 'direct'],
      [ids.entra, `Sales ${run}`, 'direct'],
    ]);
    const remove = await scim('PATCH', `/Groups/${ids.entra}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: ids['member-d'] }] }],
    });
    expect([remove.status, 'members' in remove.body]).toEqual([200, false]);
    const rename = await scim('PATCH', `/Groups/${ids.entra}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'displayName', value: `Sales EMEA ${run}` }],
    });
    expect(rename.body.displayName).toBe(`Sales EMEA ${run}`);
    expect((await scim('DELETE', `/Groups/${ids.entra}`)).status).toBe(204);
    expect((await scim('GET', `/Groups/${ids.entra}`)).status).toBe(404);
  });
});

describe('paging, discovery and error bodies', () => {
  it('pages with startIndex / count over every live user', async () => {
    for (let i = 1; i <= 2; i++) {
      const r = await scim('POST', '/Users', { schemas: [USER], userName: `page-${i}.${run}@acme.example` });
      expect(r.status).toBe(201);
      alias.set(r.body.id, `page-${i}`);
    }
    // Live users now: entra-user, member-c, member-d, page-1, page-2 (okta-user was deleted).
    const all = await scim('GET', '/Users?startIndex=1&count=100');
    expect(all.body.totalResults).toBe(5);
    const order = all.body.Resources.map((r: { id: string }) => alias.get(r.id));
    expect(order).toEqual(['entra-user', 'member-c', 'member-d', 'page-1', 'page-2']);
    const p1 = await scim('GET', '/Users?startIndex=1&count=2');
    const p2 = await scim('GET', '/Users?startIndex=3&count=2');
    const p3 = await scim('GET', '/Users?startIndex=5&count=2');
    const p4 = await scim('GET', '/Users?startIndex=7&count=2');
    expect(
      [p1, p2, p3, p4].map((p) => [
        p.body.totalResults,
        p.body.itemsPerPage,
        p.body.startIndex,
        p.body.Resources.map((r: { id: string }) => alias.get(r.id)),
      ]),
    ).toEqual([
      [5, 2, 1, ['entra-user', 'member-c']],
      [5, 2, 3, ['member-d', 'page-1']],
      [5, 1, 5, ['page-2']],
      [5, 0, 7, []],
    ]);
    const countOnly = await scim('GET', '/Users?count=0');
    expect(countOnly.body).toEqual({ schemas: [LIST], totalResults: 5, itemsPerPage: 0, startIndex: 1, Resources: [] });
    const search = await scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: `userName eq "page-2.${run}@acme.example"`,
      attributes: ['userName'],
    });
    expect(search.body.Resources.map((r: { userName: string }) => Object.keys(r).sort())).toEqual([['id', 'schemas', 'userName']]);
  });

  it('serves ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const spc = await scim('GET', '/ServiceProviderConfig');
    expect(spc.status).toBe(200);
    expect([spc.body.patch, spc.body.filter, spc.body.etag, spc.body.bulk.supported, spc.body.authenticationSchemes[0].type]).toEqual([
      { supported: true },
      { supported: true, maxResults: 200 },
      { supported: true },
      false,
      'oauthbearertoken',
    ]);
    const rts = await scim('GET', '/ResourceTypes');
    expect(rts.body.Resources.map((r: { id: string; endpoint: string; schema: string }) => [r.id, r.endpoint, r.schema])).toEqual([
      ['User', '/Users', USER],
      ['Group', '/Groups', GROUP],
    ]);
    const schemas = await scim('GET', '/Schemas');
    expect(schemas.body.Resources.map((s: { id: string }) => s.id)).toEqual([USER, GROUP, ENT]);
    const userSchema = await scim('GET', `/Schemas/${USER}`);
    expect(userSchema.body.attributes.find((a: { name: string }) => a.name === 'password')).toMatchObject({
      mutability: 'writeOnly',
      returned: 'never',
    });
  });

  it('answers SCIM error bodies with the right status and scimType', async () => {
    const cases: [Promise<Answer>, number, string | undefined, RegExp][] = [
      [scim('GET', '/Users/no-such-id'), 404, undefined, /^User "no-such-id" not found$/],
      [scim('GET', `/Users?filter=${q('title eq "x"')}`), 400, 'invalidFilter', /^filtering on "title" is not supported; supported: /],
      [scim('GET', `/Users?filter=${q('userName sw "a"')}`), 400, 'invalidFilter', /^the operator "sw" \(on "userName"\) is not supported/],
      [scim('GET', `/Users?filter=${q('userName eq')}`), 400, 'invalidFilter', /^filter: expected a value/],
      [scim('GET', '/Users?count=ten'), 400, 'invalidValue', /^count: expected an integer/],
      [scim('POST', '/Users', { schemas: [USER], active: true }), 400, 'invalidValue', /^userName: required/],
      [scim('POST', '/Users', '{"userName": '), 400, 'invalidSyntax', /^body: not valid JSON$/],
      [
        scim('PATCH', `/Users/${[...alias].find(([, v]) => v === 'page-1')![0]}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'merge', path: 'title', value: 'x' }],
        }),
        400,
        'invalidSyntax',
        /^Operations\[0\]\.op: expected "add", "replace" or "remove"/,
      ],
      [scim('POST', '/Users', { userName: 'x'.repeat(1_100_000) }), 413, undefined, /^request body exceeds 1048576 bytes$/],
      [scim('DELETE', '/Users'), 405, undefined, /^DELETE is not supported on \/Users; use GET, POST$/],
      [scim('GET', '/Bulk'), 405, undefined, /^GET is not supported on \/Bulk; use POST$/],
    ];
    for (const [pending, status, scimType, detail] of cases) {
      const a = await pending;
      expect([a.status, a.headers.get('content-type'), a.body.schemas, a.body.status, a.body.scimType], JSON.stringify(a.body)).toEqual([
        status,
        'application/scim+json',
        [ERROR],
        String(status),
        scimType,
      ]);
      expect(a.body.detail).toMatch(detail);
    }
  });

  it('refuses a missing or wrong bearer token (401) and an unknown connection (404)', async () => {
    const none = await fetch(`${base}/Users`);
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="planewatch-scim"']);
    expect(await none.json()).toEqual({
      schemas: [ERROR],
      status: '401',
      detail: 'authentication required: Authorization: Bearer <token>',
    });
    const wrong = await fetch(`${base}/Users`, { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      schemas: [ERROR],
      status: '401',
      detail: 'the bearer token is not valid for this SCIM connection',
    });
    const wrongWrite = await fetch(`${base}/Users`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
      body: JSON.stringify({ userName: `intruder.${run}` }),
    });
    expect(wrongWrite.status).toBe(401);
    const unknown = await fetch(`${t.pipeline.url}/scim/v2/not-a-connection/Users`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect([unknown.status, ((await unknown.json()) as { detail: string }).detail]).toEqual([
      404,
      'no SCIM connection "not-a-connection" (vendor scim, transport scim) in the boundary map',
    ]);
    // The copy connection is a webhook connection, not a SCIM endpoint.
    const copyAsScim = await fetch(`${t.pipeline.url}/scim/v2/${COPY_CONN}/Users`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(copyAsScim.status).toBe(404);
    expect((await scim('GET', `/Users?filter=${q(`userName eq "intruder.${run}"`)}`)).body.totalResults).toBe(0);
  });
});

// --- the SCIM-copy webhook ------------------------------------------------------------------------

const copyUser = {
  schemas: [USER],
  id: `copy-u-${run}`,
  userName: `grace.${run}@customer.example`,
  active: true,
  emails: [{ value: `Grace.${run}@Customer.example`, type: 'work', primary: true }],
  meta: { resourceType: 'User', version: 'W/"1"' },
};

function deliverCopy(body: string, opts: { secret?: string; signature?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = opts.signature === undefined ? signScimCopy(body, opts.secret ?? COPY_SECRET, Date.now()) : opts.signature;
  if (sig !== null) headers['x-planewatch-signature'] = sig;
  return fetch(`${t.pipeline.url}/webhooks/scim/${COPY_CONN}`, { method: 'POST', headers, body });
}

describe('SCIM-copy webhook', () => {
  it('stores a signed copy with its password removed before anything is written', async () => {
    const { id: _id, meta: _meta, ...requestUser } = copyUser;
    const body = JSON.stringify({
      method: 'POST',
      path: '/scim/v2/Users',
      status: 201,
      tenant: 'customer-42',
      request: { ...requestUser, password: PASSWORD },
      response: copyUser,
    });
    const res = await deliverCopy(body);
    expect(res.status).toBe(202);
    const redacted = JSON.stringify({
      method: 'POST',
      path: '/scim/v2/Users',
      status: 201,
      tenant: 'customer-42',
      request: requestUser,
      response: copyUser,
    });
    const rawId = rawEnvelopeId('scim', COPY_CONN, Buffer.from(redacted));
    expect(((await res.json()) as { id: string }).id).toBe(rawId);
    const raw = await waitFor(async () => {
      const r = await t.query<{ body: string; transport: string; verified: number; verification_scheme: string }>(
        'SELECT body, transport, verified, verification_scheme FROM raw_envelopes FINAL WHERE id = {id:String}',
        { id: rawId },
      );
      return r.length ? r : undefined;
    }, 'the copy in raw_envelopes');
    expect(raw).toEqual([{ body: redacted, transport: 'webhook', verified: 1, verification_scheme: 'planewatch-hmac-sha256' }]);
  });

  it('maps an Okta-style deactivation copy and a membership copy', async () => {
    const off = JSON.stringify({
      method: 'PATCH',
      path: `/scim/v2/Users/copy-u-${run}`,
      status: 200,
      tenant: 'customer-42',
      request: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] },
      response: { ...copyUser, active: false, meta: { resourceType: 'User', version: 'W/"2"' } },
    });
    expect((await deliverCopy(off)).status).toBe(202);
    const member = JSON.stringify({
      method: 'PATCH',
      path: `/scim/v2/Groups/copy-g-${run}`,
      status: 204,
      tenant: 'customer-42',
      request: {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: `copy-u-${run}`, display: `grace.${run}@customer.example` }] }],
      },
      response: null,
    });
    expect((await deliverCopy(member)).status).toBe(202);
  });

  it('refuses bad signatures (401) and malformed copies (400), storing nothing', async () => {
    const body = JSON.stringify({ method: 'DELETE', path: `/Users/copy-u-${run}`, status: 204 });
    const wrong = await deliverCopy(body, { secret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { status: 401, code: 'unauthorized', message: 'X-Planewatch-Signature: signature mismatch' },
    });
    expect((await deliverCopy(body, { signature: null })).status).toBe(401);
    const malformed = await deliverCopy(
      JSON.stringify({ method: 'DELETE', path: `/Users/copy-u-${run}`, status: 'gone', request: { password: PASSWORD } }),
    );
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      error: { status: 400, code: 'malformed', message: 'status: expected the HTTP status the product answered (a number)' },
    });
    const [n] = await t.query<{ n: string }>('SELECT count() AS n FROM raw_envelopes WHERE id = {id:String}', {
      id: rawEnvelopeId('scim', COPY_CONN, Buffer.from(body)),
    });
    expect(n!.n).toBe('0');
  });
});

// --- what reached ClickHouse ---------------------------------------------------------------------

interface EventRow {
  subject_id: string;
  subject_kind: string;
  subject_email: string | null;
  category: string;
  action: string;
  vendor_type: string;
  plane: string;
  tenant_id: string | null;
  authoritative_for: string | null;
  occurred_at: string;
  group_id: string;
}

async function eventsOf(connection: string, expected: number): Promise<EventRow[]> {
  return waitFor(async () => {
    const rows = await t.query<EventRow>(
      `SELECT subject_id, subject_kind, subject_email, category, action, vendor_type, plane, tenant_id, authoritative_for, occurred_at, attributes['group_id'] AS group_id
       FROM identity_events FINAL WHERE connection_id = {c:String} ORDER BY occurred_at, category, action, subject_id`,
      { c: connection },
    );
    return rows.length >= expected ? rows : undefined;
  }, `${expected} events of ${connection} in identity_events`);
}

describe('identity events in ClickHouse', () => {
  it('holds one event per change of the service provider, with the deprovisioning facts', async () => {
    const rows = await eventsOf(CONN, 22);
    const seen = rows.map((r) => [
      alias.get(r.subject_id) ?? r.subject_id,
      r.category,
      r.action,
      r.vendor_type,
      r.group_id ? alias.get(r.group_id) : '',
    ]);
    expect(seen).toEqual([
      ['okta-user', 'account', 'created', 'POST /Users', ''],
      ['okta-user', 'account', 'suspended', 'PATCH /Users', ''],
      ['okta-user', 'account', 'reactivated', 'PATCH /Users', ''],
      ['okta-user', 'account', 'updated', 'PUT /Users', ''],
      ['okta-user', 'account', 'deleted', 'DELETE /Users', ''],
      ['entra-user', 'account', 'created', 'POST /Users', ''],
      ['entra-user', 'account', 'suspended', 'PATCH /Users', ''],
      ['entra-user', 'account', 'updated', 'PATCH /Users', ''],
      ['member-c', 'account', 'created', 'POST /Users', ''],
      ['member-d', 'account', 'created', 'POST /Users', ''],
      ['member-c', 'account', 'suspended', 'PUT /Users', ''],
      ['member-c', 'membership', 'added', 'POST /Groups', 'okta-group'],
      ['okta-group', 'other', 'created', 'POST /Groups', 'okta-group'],
      ['member-d', 'membership', 'added', 'PATCH /Groups', 'okta-group'],
      ['member-c', 'membership', 'removed', 'PATCH /Groups', 'okta-group'],
      ['entra-group', 'other', 'created', 'POST /Groups', 'entra-group'],
      ['member-d', 'membership', 'added', 'PATCH /Groups', 'entra-group'],
      ['member-d', 'membership', 'removed', 'PATCH /Groups', 'entra-group'],
      ['entra-group', 'other', 'updated', 'PATCH /Groups', 'entra-group'],
      ['entra-group', 'other', 'deleted', 'DELETE /Groups', 'entra-group'],
      ['page-1', 'account', 'created', 'POST /Users', ''],
      ['page-2', 'account', 'created', 'POST /Users', ''],
    ]);
    const suspended = rows
      .filter((r) => r.action === 'suspended')
      .map((r) => [alias.get(r.subject_id), r.subject_email, r.plane, r.tenant_id, r.authoritative_for]);
    expect(suspended).toEqual([
      ['okta-user', `ada.${run}@okta.example`, 'application', CONN, 'customers'],
      ['entra-user', `test_user_${run}@testuser.example`, 'application', CONN, 'customers'],
      ['member-c', `member-c.${run}@acme.example`, 'application', CONN, 'customers'],
    ]);
    const memberships = rows
      .filter((r) => r.category === 'membership')
      .map((r) => [alias.get(r.subject_id), r.subject_kind, r.subject_email, r.action]);
    expect(memberships).toEqual([
      ['member-c', 'human', `member-c.${run}@acme.example`, 'added'],
      ['member-d', 'human', `member-d.${run}@acme.example`, 'added'],
      ['member-c', 'human', `member-c.${run}@acme.example`, 'removed'],
      ['member-d', 'human', `member-d.${run}@acme.example`, 'added'],
      ['member-d', 'human', `member-d.${run}@acme.example`, 'removed'],
    ]);
  });

  it('holds the events of the SCIM copies', async () => {
    const rows = await eventsOf(COPY_CONN, 3);
    expect(rows.map((r) => [r.subject_id, r.subject_email, r.category, r.action, r.tenant_id, r.plane])).toEqual([
      [`copy-u-${run}`, `grace.${run}@customer.example`, 'account', 'created', 'customer-42', 'application'],
      [`copy-u-${run}`, `grace.${run}@customer.example`, 'account', 'suspended', 'customer-42', 'application'],
      [`copy-u-${run}`, null, 'membership', 'added', 'customer-42', 'application'],
    ]);
  });
});

// --- the password, anywhere ----------------------------------------------------------------------

describe('the password the clients sent', () => {
  it('is in no ClickHouse table', async () => {
    const tables = await t.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree%' ORDER BY name",
    );
    expect(tables.map((x) => x.name)).toEqual(
      expect.arrayContaining(['dead_letters', 'identity_events', 'raw_envelopes', 'scim_resources']),
    );
    for (const { name } of tables) {
      const [hit] = await t.query<{ n: string }>(
        `SELECT count() AS n FROM ${name} WHERE position(formatRow('JSONEachRow', *), {pw:String}) > 0`,
        { pw: PASSWORD },
      );
      expect([name, hit!.n]).toEqual([name, '0']);
    }
    // dead-letter payloads and non-UTF-8 raw bodies are base64: look inside them too.
    const [dead] = await t.query<{ n: string }>(
      'SELECT count() AS n FROM dead_letters WHERE position(tryBase64Decode(payload), {pw:String}) > 0',
      { pw: PASSWORD },
    );
    const [raw] = await t.query<{ n: string }>(
      "SELECT count() AS n FROM raw_envelopes WHERE body_encoding != 'utf8' AND position(tryBase64Decode(body), {pw:String}) > 0",
      { pw: PASSWORD },
    );
    expect([dead!.n, raw!.n]).toEqual(['0', '0']);
    // …while the resources it came with are there.
    const [stored] = await t.query<{ n: string }>('SELECT count() AS n FROM scim_resources FINAL WHERE connection_id = {c:String}', {
      c: CONN,
    });
    expect(stored!.n).toBe('8');
  });

  it('is in no Kafka message', async () => {
    const kafka = t.rt.kafka;
    const admin = kafka.admin();
    await admin.connect();
    const topics = [TOPICS.raw, TOPICS.events, TOPICS.dlq];
    const highs = new Map<string, number>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) highs.set(`${topic}/${p.partition}`, Number(p.high));
    }
    await admin.disconnect();
    const pending = new Set([...highs].filter(([, high]) => high > 0).map(([k]) => k));
    const needle = Buffer.from(PASSWORD);
    let scanned = 0;
    let ours = 0;
    const hits: string[] = [];
    const consumer = kafka.consumer({ groupId: `scim-e2e-scan-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      if (pending.size === 0) resolve();
      void consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          scanned++;
          if (message.value?.includes(needle) || message.key?.includes(needle)) hits.push(`${topic}/${partition}@${message.offset}`);
          if (message.headers?.['pw-connection']?.toString() === CONN || message.headers?.['pw-connection']?.toString() === COPY_CONN)
            ours++;
          const key = `${topic}/${partition}`;
          if (Number(message.offset) + 1 >= (highs.get(key) ?? 0)) pending.delete(key);
          if (pending.size === 0) resolve();
        },
      });
    });
    await done;
    await consumer.disconnect();
    expect(hits).toEqual([]);
    expect(scanned).toBeGreaterThan(0);
    // every change of both connections went through the raw topic: 21 service-provider changes
    // (22 events: a group created with a member is one change, two facts) and 3 copies
    expect(ours).toBe(24);
  });
});

// --- issue #17 point 1, through the whole pipeline (after the counts above) -----------------------

describe('a deleted user leaves its groups', () => {
  it('RFC 7644 §3.6: DELETE /Users/{id} removes the user from its group; identity_events holds the membership removal, the group state no longer lists it', async () => {
    const email = `leaver.${run}@acme.example`;
    const u = await scim('POST', '/Users', { schemas: [USER], userName: email, emails: [{ value: email, primary: true }] });
    const g = await scim('POST', '/Groups', {
      schemas: [GROUP],
      displayName: `Leavers ${run}`,
      members: [{ value: u.body.id, display: email }],
    });
    expect([u.status, g.status]).toEqual([201, 201]);
    expect((await scim('DELETE', `/Users/${u.body.id}`)).status).toBe(204);
    expect((await scim('GET', `/Groups/${g.body.id}`)).body.members).toBeUndefined();

    const rows = await waitFor(async () => {
      const r = await t.query<{
        category: string;
        action: string;
        subject_email: string;
        group_id: string;
        implied_by: string;
        vendor_type: string;
      }>(
        `SELECT category, action, subject_email, attributes['group_id'] AS group_id, attributes['implied_by'] AS implied_by, vendor_type
         FROM identity_events FINAL WHERE connection_id = {c:String} AND subject_id = {s:String} ORDER BY category, action`,
        { c: CONN, s: u.body.id },
      );
      return r.length >= 4 ? r : undefined;
    }, "the leaver's events in identity_events");
    // Ordered by category and action (two changes may share a millisecond).
    expect(rows).toEqual([
      { category: 'account', action: 'created', subject_email: email, group_id: '', implied_by: '', vendor_type: 'POST /Users' },
      { category: 'account', action: 'deleted', subject_email: email, group_id: '', implied_by: '', vendor_type: 'DELETE /Users' },
      { category: 'membership', action: 'added', subject_email: email, group_id: g.body.id, implied_by: '', vendor_type: 'POST /Groups' },
      {
        category: 'membership',
        action: 'removed',
        subject_email: email,
        group_id: g.body.id,
        implied_by: `DELETE /Users/${u.body.id}`,
        vendor_type: 'PATCH /Groups',
      },
    ]);
    const [state] = await t.query<{ members: string[] }>(
      'SELECT member_ids AS members FROM scim_resources FINAL WHERE connection_id = {c:String} AND id = {id:String}',
      { c: CONN, id: g.body.id },
    );
    expect(state!.members).toEqual([]);
  });
});
