// The SCIM conformance defects of issue #17 (and #18 point 6), one test each, named with the RFC
// section it holds to, on real components: the provider over HTTP, embedded ClickHouse, the test
// broker; identity events are what the real scim source module maps from the envelopes Kafka
// acknowledged. Expected values are written out from the RFC text, not from the provider's code.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { EnvSchema } from '../../core/config/env.ts';
import { eventsOf, scimProviders, type ScimProvider } from '../helpers/scim-provider.ts';

const run = randomUUID().slice(0, 8);
const CONN = `scim-rfc-${run}`;
const TOKEN = `tok-${randomUUID()}`;
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

const start = scimProviders('pw-scim-rfc-', CONN, TOKEN);
let p: ScimProvider;
beforeAll(async () => {
  p = await start();
});

let n = 0;
async function newUser(extra: Record<string, unknown> = {}): Promise<{ id: string; userName: string }> {
  const userName = `u${++n}.${run}@acme.example`;
  const r = await p.call('POST', '/Users', { schemas: [USER], userName, emails: [{ value: userName, primary: true }], ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: r.body.id, userName };
}
async function newGroup(displayName: string, members: { value: string; display?: string }[]): Promise<string> {
  const r = await p.call('POST', '/Groups', { schemas: [GROUP], displayName, members });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const memberIds = (g: { members?: { value: string }[] }) => (g.members ?? []).map((m) => m.value);

describe('issue #17 point 1: a deleted user leaves its groups', () => {
  it('RFC 7644 §3.6 / RFC 7643 §4.2: DELETE /Users/{id} removes the user from every group and publishes one membership removal per group', async () => {
    const gone = await newUser();
    const stays = await newUser();
    const g1 = await newGroup(`Eng ${run}`, [{ value: gone.id, display: gone.userName }, { value: stays.id }]);
    const g2 = await newGroup(`Ops ${run}`, [{ value: gone.id }]);
    const before = p.published.length;

    expect((await p.call('DELETE', `/Users/${gone.id}`)).status).toBe(204);

    expect(memberIds((await p.call('GET', `/Groups/${g1}`)).body)).toEqual([stays.id]);
    const g2now = await p.call('GET', `/Groups/${g2}`);
    expect([g2now.status, 'members' in g2now.body, g2now.body.meta.version]).toEqual([200, false, 'W/"2"']);
    const byMember = await p.call('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${gone.id}"]`)}`);
    expect(byMember.body.totalResults).toBe(0);

    // The groups change first (a failure leaves the user in place for the client's retry), in
    // displayName order (Eng, Ops); then the user is deleted.
    const events = eventsOf(p.published.slice(before)).map((e) => [
      e.category,
      e.action,
      e.subject.id,
      e.subject.email,
      e.attributes.group_id ?? null,
      e.attributes.implied_by ?? null,
    ]);
    expect(events).toEqual([
      ['membership', 'removed', gone.id, gone.userName, g1, `DELETE /Users/${gone.id}`],
      ['membership', 'removed', gone.id, gone.userName, g2, `DELETE /Users/${gone.id}`],
      ['account', 'deleted', gone.id, gone.userName, null, null],
    ]);
  });

  it('RFC 7644 §3.14: a DELETE refused by If-Match (412) leaves the groups untouched', async () => {
    const u = await newUser();
    const g = await newGroup(`Kept ${run}`, [{ value: u.id }]);
    const refused = await p.call('DELETE', `/Users/${u.id}`, undefined, { 'if-match': 'W/"99"' });
    expect(refused.status).toBe(412);
    expect(memberIds((await p.call('GET', `/Groups/${g}`)).body)).toEqual([u.id]);
  });
});

describe('issue #17 point 2: duplicate group names', () => {
  it('RFC 7643 §4.2: Group displayName has uniqueness "none": a second group of the same name (any case) is created, and /Schemas says so', async () => {
    const a = await p.call('POST', '/Groups', { schemas: [GROUP], displayName: `Sales ${run}` });
    const b = await p.call('POST', '/Groups', { schemas: [GROUP], displayName: `SALES ${run}` });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
    const rename = await p.call('PATCH', `/Groups/${b.body.id}`, patch({ op: 'replace', path: 'displayName', value: `Sales ${run}` }));
    expect(rename.status).toBe(200);
    const schema = await p.call('GET', `/Schemas/${GROUP}`);
    expect(schema.body.attributes.find((x: { name: string }) => x.name === 'displayName')).toMatchObject({
      required: true,
      uniqueness: 'none',
    });
  });

  it('RFC 7643 §4.1: userName keeps uniqueness "server" (409 uniqueness, any case)', async () => {
    const u = await newUser();
    const dup = await p.call('POST', '/Users', { schemas: [USER], userName: u.userName.toUpperCase() });
    expect(dup.body).toEqual({
      schemas: [ERROR],
      status: '409',
      scimType: 'uniqueness',
      detail: `userName "${u.userName.toUpperCase()}" is already used by another User`,
    });
  });
});

describe('issue #17 point 3: undeclared schemas and attributes', () => {
  it('RFC 7643 §3: a User carrying an undeclared extension URN is refused (400 invalidValue) and not created', async () => {
    const userName = `custom.${run}@acme.example`;
    const withContainer = await p.call('POST', '/Users', {
      schemas: [USER, 'urn:example:custom:2.0:User'],
      userName,
      'urn:example:custom:2.0:User': { tier: 'gold' },
    });
    expect(withContainer.body).toEqual({
      schemas: [ERROR],
      status: '400',
      scimType: 'invalidValue',
      detail: `schemas: "urn:example:custom:2.0:User" is not a schema of the User resource type; expected ${USER} or ${ENT}`,
    });
    const containerOnly = await p.call('POST', '/Users', { schemas: [USER], userName, 'urn:example:custom:2.0:User': { tier: 'gold' } });
    expect([containerOnly.status, containerOnly.body.scimType, containerOnly.body.detail]).toEqual([
      400,
      'invalidValue',
      `urn:example:custom:2.0:User: "urn:example:custom:2.0:User" is not a schema of the User resource type; expected ${USER} or ${ENT}`,
    ]);
    const found = await p.call('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(found.body.totalResults).toBe(0);
  });

  it('RFC 7644 §3.5.2: PATCH add of a Group attribute path on a User is refused (400 invalidPath); the User keeps its schemas', async () => {
    const u = await newUser();
    const r = await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'add', path: `${GROUP}:displayName`, value: 'x' }));
    expect(r.body).toEqual({
      schemas: [ERROR],
      status: '400',
      scimType: 'invalidPath',
      detail: `Operations[0].path: "${GROUP}:displayName" names the schema "${GROUP}", which is not a schema of the User resource type; expected ${USER} or ${ENT}`,
    });
    expect((await p.call('GET', `/Users/${u.id}`)).body.schemas).toEqual([USER]);
  });

  it('RFC 7644 §3.5.2: a misspelled extension attribute path (employeNumber) is refused (400 invalidPath) and nothing is stored', async () => {
    const u = await newUser();
    const r = await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'add', path: `${ENT}:employeNumber`, value: '42' }));
    expect(r.body).toEqual({
      schemas: [ERROR],
      status: '400',
      scimType: 'invalidPath',
      detail: `Operations[0].path: "employeNumber" (in "${ENT}:employeNumber") is not an attribute of the EnterpriseUser schema (${ENT})`,
    });
    const body = await p.call('PUT', `/Users/${u.id}`, { schemas: [USER, ENT], userName: u.userName, [ENT]: { employeNumber: '42' } });
    expect([body.status, body.body.scimType, body.body.detail]).toEqual([
      400,
      'invalidValue',
      `${ENT}.employeNumber: "employeNumber" is not an attribute of the EnterpriseUser schema (${ENT})`,
    ]);
    const now = await p.call('GET', `/Users/${u.id}`);
    expect([now.body.meta.version, ENT in now.body]).toEqual(['W/"1"', false]);
  });
});

describe('issue #17 point 4: the PatchOp message schema', () => {
  it('RFC 7644 §3.5.2: PATCH without the PatchOp schema is refused (400 invalidSyntax)', async () => {
    const u = await newUser({ active: true });
    const ops = [{ op: 'replace', path: 'active', value: false }];
    for (const schemas of [undefined, [], [USER], [PATCH_OP, USER], 'urn:ietf:params:scim:api:messages:2.0:PatchOp']) {
      const r = await p.call('PATCH', `/Users/${u.id}`, { ...(schemas === undefined ? {} : { schemas }), Operations: ops });
      expect([r.status, r.body.scimType], JSON.stringify(schemas)).toEqual([400, 'invalidSyntax']);
      expect(r.body.detail).toMatch(
        /^schemas: a PATCH body must be a PatchOp message, expected \["urn:ietf:params:scim:api:messages:2\.0:PatchOp"\], got /,
      );
    }
    const still = await p.call('GET', `/Users/${u.id}`);
    expect([still.body.active, still.body.meta.version]).toEqual([true, 'W/"1"']);
    expect((await p.call('PATCH', `/Users/${u.id}`, { schemas: [PATCH_OP], Operations: ops })).body.active).toBe(false);
  });
});

describe('issue #17 point 5: declared types', () => {
  it('RFC 7643 §2.3.1 / §2.3.2: PATCH userType=true or userName=10 is refused (400 invalidValue), nothing stored', async () => {
    const u = await newUser();
    const a = await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'userType', value: true }));
    expect(a.body).toEqual({
      schemas: [ERROR],
      status: '400',
      scimType: 'invalidValue',
      detail: 'Operations[0].value: "userType" is of type string, expected a JSON string, got boolean true',
    });
    const b = await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'replace', value: { userName: 10 } }));
    expect(b.body).toEqual({
      schemas: [ERROR],
      status: '400',
      scimType: 'invalidValue',
      detail: 'Operations[0].value.userName: "userName" is of type string, expected a JSON string, got number 10',
    });
    const c = await p.call('POST', '/Users', { schemas: [USER], userName: `typed.${run}`, active: 1 });
    expect([c.status, c.body.detail]).toEqual([
      400,
      'active: "active" is of type boolean, expected true or false (or the strings "True" / "False"), got number 1',
    ]);
    expect((await p.call('GET', `/Users/${u.id}`)).body.meta.version).toBe('W/"1"');
  });

  it('RFC 7643 §2.3.2, keeping Entra ID\'s documented string booleans: "False" / "True" set active', async () => {
    const u = await newUser({ active: true });
    const off = await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'Replace', path: 'active', value: 'False' }));
    expect([off.status, off.body.active]).toEqual([200, false]);
    const on = await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'Replace', path: 'active', value: 'True' }));
    expect([on.status, on.body.active]).toEqual([200, true]);
  });
});

describe('issue #17 point 6: member display', () => {
  it('RFC 7643 §4.2 (members.display, "a human-readable name"; §8.4 shows the user\'s displayName): a rename updates the display in every group', async () => {
    const u = await newUser({ displayName: 'Ada Lovelace' });
    const byName = await newGroup(`Display A ${run}`, [{ value: u.id, display: 'Ada Lovelace' }]);
    const byLogin = await newGroup(`Display B ${run}`, [{ value: u.id, display: u.userName }]);
    const bare = await newGroup(`Display C ${run}`, [{ value: u.id }]);
    const before = p.published.length;

    const renamed = await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'displayName', value: 'Ada King' }));
    expect(renamed.status).toBe(200);
    const display = async (g: string) =>
      ((await p.call('GET', `/Groups/${g}`)).body.members as { display?: string }[]).map((m) => m.display);
    expect(await display(byName)).toEqual(['Ada King']);
    expect(await display(byLogin)).toEqual([u.userName]); // the userName did not change
    expect(await display(bare)).toEqual([undefined]);

    const newLogin = `renamed.${u.userName}`;
    await p.call('PATCH', `/Users/${u.id}`, patch({ op: 'replace', path: 'userName', value: newLogin }));
    expect(await display(byLogin)).toEqual(['Ada King']);
    // A display change is no membership change: no membership event, only the user's own updates.
    expect(eventsOf(p.published.slice(before)).map((e) => [e.category, e.action, e.subject.id])).toEqual([
      ['account', 'updated', u.id],
      ['account', 'updated', u.id],
    ]);
  });
});

describe('issue #18 point 6: meta.location and forwarded headers', () => {
  const forwarded = { 'x-forwarded-proto': 'javascript', 'x-forwarded-host': 'evil.example' };

  it('RFC 7643 §3.1 (meta.location, the URI of the resource): X-Forwarded-* from a peer that is not a trusted proxy are ignored', async () => {
    const u = await newUser();
    const r = await p.call('GET', `/Users/${u.id}`, undefined, { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' });
    expect(r.body.meta.location).toBe(`${p.base}/Users/${u.id}`);
  });

  it('RFC 7643 §3.1: from a trusted proxy, only http / https and a valid host are honoured', async () => {
    const proxied = await start({ trustedProxies: ['127.0.0.1'] });
    const u = await newUser();
    const path = `/scim/v2/${CONN}/Users/${u.id}`;
    const loc = async (headers: Record<string, string>) =>
      (await proxied.call('GET', `/Users/${u.id}`, undefined, headers)).body.meta.location;
    const own = new URL(proxied.base).host;
    expect(await loc({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'scim.acme.example' })).toBe(`https://scim.acme.example${path}`);
    expect(await loc({ 'x-forwarded-proto': 'HTTPS, http', 'x-forwarded-host': 'scim.acme.example:8443, inner' })).toBe(
      `https://scim.acme.example:8443${path}`,
    );
    expect(await loc(forwarded)).toBe(`http://evil.example${path}`);
    expect(await loc({ 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example/x?y' })).toBe(`https://${own}${path}`);
    expect(await loc({ 'x-forwarded-host': 'a b' })).toBe(`http://${own}${path}`);
    const other = await start({ trustedProxies: ['10.0.0.0/8'] });
    expect((await other.call('GET', `/Users/${u.id}`, undefined, forwarded)).body.meta.location).toBe(`${other.base}/Users/${u.id}`);
  });

  it('PLANEWATCH_TRUSTED_PROXIES: default none; IP addresses and CIDR ranges; anything else refused at start-up', () => {
    expect(EnvSchema.parse({}).PLANEWATCH_TRUSTED_PROXIES).toEqual([]);
    expect(EnvSchema.parse({ PLANEWATCH_TRUSTED_PROXIES: '10.0.0.5, 192.168.0.0/16,::1' }).PLANEWATCH_TRUSTED_PROXIES).toEqual([
      '10.0.0.5',
      '192.168.0.0/16',
      '::1',
    ]);
    for (const bad of ['*', 'proxy.internal', '10.0.0.0/33', '10.0.0.1/8/1']) {
      expect(EnvSchema.safeParse({ PLANEWATCH_TRUSTED_PROXIES: bad }).success, bad).toBe(false);
    }
  });
});
