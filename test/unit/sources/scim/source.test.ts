// sources/scim: password redaction, the SCIM-copy signature, and the mapping of both envelope
// bodies (service-provider operation records and signed copies) to identity events.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdentityEventSchema, type MappedEvent } from '../../../../core/events/identity-event.ts';
import { redactSecrets, stripSecrets } from '../../../../source-kit/redact.ts';
import {
  scim,
  SCIM_RECORD_KIND,
  signScimCopy,
  suppliesPassword,
  verifyScimCopySignature,
  type ScimOperationRecord,
} from '../../../../sources/scim/index.ts';
import { checkScimCopyBody } from '../../../../sources/scim/webhook.ts';

const SECRET = 'scim-copy-secret';
const sha256 = (parts: string[]) => createHash('sha256').update(parts.join('\0')).digest('hex');
const NOW = 1_764_400_000_000;

describe('SCIM passwords under the one redaction policy (stripSecrets / redactSecrets)', () => {
  it('removes password members at any depth and the value of password PATCH operations', () => {
    const input = {
      userName: 'a',
      password: 'p1',
      PassWord: 'p2',
      'urn:ietf:params:scim:schemas:core:2.0:User:password': 'p3',
      nested: [{ deep: { password: 'p4' } }],
      Operations: [
        { op: 'replace', path: 'password', value: 'p5' },
        { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:Password', value: 'p6' },
        { op: 'replace', value: { password: 'p7', active: false } },
        { op: 'replace', path: 'active', value: false },
      ],
    };
    const { value, stripped } = stripSecrets(input);
    expect(stripped).toBe(true);
    expect(suppliesPassword(input)).toBe(true);
    expect(suppliesPassword({ userName: 'a', Operations: [{ op: 'replace', path: 'active', value: false }] })).toBe(false);
    expect(value).toEqual({
      userName: 'a',
      nested: [{ deep: {} }],
      Operations: [
        { op: 'replace', path: 'password' },
        { op: 'replace', path: 'urn:ietf:params:scim:schemas:core:2.0:User:Password' },
        { op: 'replace', value: { active: false } },
        { op: 'replace', path: 'active', value: false },
      ],
    });
    expect(JSON.stringify(value)).not.toMatch(/p[1-7]"/);
  });

  it('keeps a body without a password byte for byte, re-serializes one with a password', () => {
    const clean = Buffer.from('{ "method": "POST",\n  "path": "/Users" }');
    expect(redactSecrets(clean)).toBe(clean);
    const dirty = Buffer.from('{"method":"POST", "request": {"userName":"a", "password":"hunter2"}}');
    expect(redactSecrets(dirty).toString()).toBe('{"method":"POST","request":{"userName":"a"}}');
    const notJson = Buffer.from('{"password": hunter2');
    expect(redactSecrets(notJson)).toBe(notJson);
  });
});

describe('SCIM-copy signature', () => {
  const body = '{"method":"DELETE","path":"/Users/u1","status":204}';
  const verify = (headers: Record<string, string>, opts: { body?: string; now?: number } = {}) =>
    verifyScimCopySignature({
      headers,
      rawBody: Buffer.from(opts.body ?? body),
      secret: SECRET,
      nowMs: opts.now ?? NOW,
      toleranceMs: 180_000,
    });

  it('accepts the documented recipe', () => {
    const header = signScimCopy(body, SECRET, NOW);
    expect(header).toMatch(/^t=1764400000000,v1=[0-9a-f]{64}$/);
    expect(verify({ 'x-planewatch-signature': header })).toEqual({
      ok: true,
      verification: { scheme: 'planewatch-hmac-sha256', verified: true, detail: 't=1764400000000' },
    });
    // several v1 values (secret rotation): any one may match
    expect(verify({ 'x-planewatch-signature': `t=${NOW},v1=${'0'.repeat(64)},${header.split(',')[1]}` }).ok).toBe(true);
  });

  it('rejects missing, wrong, altered and stale signatures with 401', () => {
    const header = signScimCopy(body, SECRET, NOW);
    const cases: [Record<string, string>, { body?: string; now?: number }, string][] = [
      [{}, {}, 'X-Planewatch-Signature header missing'],
      [{ 'x-planewatch-signature': signScimCopy(body, 'other', NOW) }, {}, 'X-Planewatch-Signature: signature mismatch'],
      [{ 'x-planewatch-signature': header }, { body: body.replace('204', '200') }, 'X-Planewatch-Signature: signature mismatch'],
      [{ 'x-planewatch-signature': header }, { now: NOW + 181_000 }, 'X-Planewatch-Signature timestamp is 181 s old, tolerance 180 s'],
      [
        { 'x-planewatch-signature': header },
        { now: NOW - 200_000 },
        'X-Planewatch-Signature timestamp is 200 s in the future, tolerance 180 s',
      ],
      [{ 'x-planewatch-signature': `v1=${header.split('v1=')[1]}` }, {}, 'X-Planewatch-Signature: no t= timestamp'],
      [{ 'x-planewatch-signature': `t=${NOW}` }, {}, 'X-Planewatch-Signature: no v1= signature'],
    ];
    for (const [headers, opts, error] of cases) expect(verify(headers, opts)).toEqual({ ok: false, status: 401, error });
  });
});

describe('checkScimCopyBody', () => {
  it('accepts a copy and names what is wrong otherwise', () => {
    expect(checkScimCopyBody(Buffer.from('{"method":"patch","path":"/Users/u1","status":200,"request":{},"response":null}'))).toBeNull();
    expect(checkScimCopyBody(Buffer.from('{"password":"leak'))).toBe('body: not valid JSON');
    expect(checkScimCopyBody(Buffer.from('[1]'))).toBe(
      'body: expected a JSON object {method, path, status, request, response}, received array',
    );
    expect(checkScimCopyBody(Buffer.from('{"method":"FETCH","path":"/Users","status":200}'))).toBe(
      'method: expected one of GET, POST, PUT, PATCH, DELETE',
    );
    expect(checkScimCopyBody(Buffer.from('{"method":"POST","path":"/Users","status":"201"}'))).toBe(
      'status: expected the HTTP status the product answered (a number)',
    );
    expect(checkScimCopyBody(Buffer.from('{"method":"POST","path":"/Users","status":201,"request":"{}"}'))).toMatch(/^request: /);
  });
});

function complete(m: MappedEvent, transport = 'scim') {
  const { plane_keys: _k, ...rest } = m;
  return IdentityEventSchema.parse({
    ...rest,
    source: 'scim',
    connection_id: 'scim-acme',
    plane: 'application',
    authoritative_for: 'customers',
    raw_id: `raw-${transport}`,
    received_at: NOW,
  });
}

function normalizeRecord(r: ScimOperationRecord) {
  const out = scim.normalize({
    body: Buffer.from(JSON.stringify(r)),
    contentType: 'application/json',
    transport: 'scim',
    receivedAt: NOW,
    rawId: 'raw-1',
  });
  expect(out.rejected).toEqual([]);
  return out.events.map((e) => complete(e));
}

const member = (id: string, email: string | null, type: 'User' | 'Group' | null = 'User') => ({
  id,
  type,
  user_name: email,
  email,
  external_id: null,
  display: null,
  known: email !== null,
});

function record(over: Partial<ScimOperationRecord>): ScimOperationRecord {
  return {
    kind: SCIM_RECORD_KIND,
    v: 1,
    connection: 'scim-acme',
    method: 'PATCH',
    path: '/Users/u-1',
    resource_type: 'User',
    resource_id: 'u-1',
    status: 200,
    version: 2,
    at: NOW - 5000,
    request: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] },
    password_supplied: false,
    result: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: 'u-1',
      userName: 'Ada@Acme.example',
      active: false,
      emails: [
        { value: 'home@ada.example', type: 'home' },
        { value: 'Ada@Acme.Example', type: 'work', primary: true },
      ],
      name: { givenName: 'Ada', familyName: 'Lovelace' },
    },
    previous: {
      version: 1,
      active: true,
      user_name: 'Ada@Acme.example',
      external_id: '00u1',
      display_name: null,
      email: 'ada@acme.example',
      members_count: null,
    },
    changes: { attributes: ['active'], members_added: [], members_removed: [] },
    client: { user_agent: 'Okta SCIM Client 1.0.0', ip: '127.0.0.1' },
    ...over,
  };
}

describe('mapping service-provider operation records', () => {
  it('active true → false is a suspension (deprovision signal) of the primary email', () => {
    const [ev, ...more] = normalizeRecord(record({}));
    expect(more).toEqual([]);
    expect(ev).toEqual({
      // The documented recipe, recomputed here: sha256 over connection, method, path, resource id,
      // sha256(request JSON), version, joined by NUL; first 40 hex digits.
      event_id:
        'scim_' + sha256(['scim-acme', 'PATCH', '/Users/u-1', 'u-1', sha256([JSON.stringify(record({}).request)]), '2']).slice(0, 40),
      source: 'scim',
      connection_id: 'scim-acme',
      plane: 'application',
      tenant_id: 'scim-acme',
      authoritative_for: 'customers',
      category: 'account',
      action: 'suspended',
      outcome: 'success',
      subject: { kind: 'human', id: 'u-1', email: 'ada@acme.example', name: 'Ada Lovelace' },
      actor: {
        kind: 'scim_client',
        id: 'scim-acme',
        email: null,
        ip: '127.0.0.1',
        user_agent: 'Okta SCIM Client 1.0.0',
        credential_id: null,
      },
      credential: null,
      occurred_at: NOW - 5000,
      received_at: NOW,
      raw_id: 'raw-scim',
      vendor_type: 'PATCH /Users',
      ocsf_class_uid: 3001,
      ocsf_activity_id: 5,
      attributes: {
        scim_version: '2',
        user_name: 'Ada@Acme.example',
        external_id: '00u1',
        active: 'false',
        previous_active: 'true',
        changed: 'active',
        email_from: 'emails',
      },
    });
    expect(ev!.event_id).toMatch(/^scim_[0-9a-f]{40}$/);
  });

  it('maps created, reactivated, updated and deleted users', () => {
    const created = normalizeRecord(
      record({
        method: 'POST',
        path: '/Users',
        status: 201,
        version: 1,
        previous: null,
        changes: { attributes: ['active', 'emails', 'name', 'userName'], members_added: [], members_removed: [] },
        result: { id: 'u-1', userName: 'x@acme.example', active: true },
        password_supplied: true,
      }),
    );
    expect(created.map((e) => [e.category, e.action, e.subject.email, e.ocsf_activity_id, e.attributes.password_supplied])).toEqual([
      ['account', 'created', 'x@acme.example', 1, 'true'],
    ]);
    expect(created[0]!.attributes.email_from).toBe('userName');

    const prevInactive = {
      version: 3,
      active: false,
      user_name: 'a',
      external_id: null,
      display_name: null,
      email: 'a@acme.example',
      members_count: null,
    };
    const reactivated = normalizeRecord(record({ version: 4, previous: prevInactive, result: { id: 'u-1', userName: 'a', active: true } }));
    expect(reactivated.map((e) => [e.action, e.ocsf_activity_id, e.subject.email])).toEqual([['reactivated', 2, 'a@acme.example']]);

    const stillInactive = normalizeRecord(
      record({
        version: 4,
        previous: prevInactive,
        result: { id: 'u-1', userName: 'a', active: false, title: 'x' },
        changes: { attributes: ['title'], members_added: [], members_removed: [] },
      }),
    );
    expect(stillInactive.map((e) => [e.action, e.attributes.changed])).toEqual([['updated', 'title']]);

    const put = normalizeRecord(record({ method: 'PUT', result: { id: 'u-1', userName: 'a', active: false } }));
    expect(put.map((e) => e.action)).toEqual(['suspended']);

    const deleted = normalizeRecord(record({ method: 'DELETE', request: null, status: 204, version: 5, result: null }));
    expect(deleted.map((e) => [e.category, e.action, e.subject.id, e.subject.email, e.subject.name, e.ocsf_activity_id])).toEqual([
      ['account', 'deleted', 'u-1', 'ada@acme.example', 'Ada@Acme.example', 6],
    ]);
  });

  it('maps group creation with members, membership changes per member, and group deletion', () => {
    const group = { id: 'g-1', displayName: 'Engineering', members_count: 2 };
    const created = normalizeRecord(
      record({
        method: 'POST',
        path: '/Groups',
        resource_type: 'Group',
        resource_id: 'g-1',
        status: 201,
        version: 1,
        previous: null,
        result: group,
        changes: {
          attributes: ['displayName'],
          members_added: [member('u-1', 'one@acme.example'), member('g-9', null, 'Group')],
          members_removed: [],
        },
      }),
    );
    const base = created[0]!.event_id;
    expect(
      created.map((e) => [
        e.event_id.replace(base, 'B'),
        e.category,
        e.action,
        e.subject.kind,
        e.subject.id,
        e.subject.email,
        e.attributes.group_name,
        e.ocsf_activity_id,
      ]),
    ).toEqual([
      ['B', 'other', 'created', 'group', 'g-1', null, 'Engineering', 6],
      ['B#added:u-1', 'membership', 'added', 'human', 'u-1', 'one@acme.example', 'Engineering', 3],
      ['B#added:g-9', 'membership', 'added', 'group', 'g-9', null, 'Engineering', 3],
    ]);

    const patched = normalizeRecord(
      record({
        path: '/Groups/g-1',
        resource_type: 'Group',
        resource_id: 'g-1',
        version: 2,
        result: group,
        previous: {
          version: 1,
          active: null,
          user_name: null,
          external_id: null,
          display_name: 'Engineering',
          email: null,
          members_count: 2,
        },
        changes: {
          attributes: [],
          members_added: [member('u-3', 'three@acme.example')],
          members_removed: [member('u-1', 'one@acme.example')],
        },
      }),
    );
    expect(patched.map((e) => [e.category, e.action, e.subject.id, e.subject.email])).toEqual([
      ['membership', 'added', 'u-3', 'three@acme.example'],
      ['membership', 'removed', 'u-1', 'one@acme.example'],
    ]);

    const renamed = normalizeRecord(
      record({
        path: '/Groups/g-1',
        resource_type: 'Group',
        resource_id: 'g-1',
        result: { ...group, displayName: 'Eng' },
        changes: { attributes: ['displayName'], members_added: [], members_removed: [] },
      }),
    );
    expect(renamed.map((e) => [e.category, e.action, e.subject.name])).toEqual([['other', 'updated', 'Eng']]);

    const deleted = normalizeRecord(
      record({
        method: 'DELETE',
        path: '/Groups/g-1',
        resource_type: 'Group',
        resource_id: 'g-1',
        request: null,
        result: null,
        previous: { version: 2, active: null, user_name: null, external_id: null, display_name: 'Eng', email: null, members_count: 1 },
        changes: { attributes: [], members_added: [], members_removed: [] },
      }),
    );
    expect(deleted.map((e) => [e.category, e.action, e.subject.name, e.ocsf_activity_id, e.attributes.members_count])).toEqual([
      ['other', 'deleted', 'Eng', 5, '1'],
    ]);
  });

  it('gives the same event id to a retried request that yields the same version, another to a re-created user', () => {
    const a = normalizeRecord(record({ at: 1 }))[0]!.event_id;
    const b = normalizeRecord(record({ at: 2, client: { user_agent: null, ip: null } }))[0]!.event_id;
    expect(a).toBe(b);
    const post = (id: string) =>
      record({ method: 'POST', path: '/Users', resource_id: id, version: 1, previous: null, request: { userName: 'x' } });
    expect(normalizeRecord(post('id-1'))[0]!.event_id).not.toBe(normalizeRecord(post('id-2'))[0]!.event_id);
  });

  it('rejects a body that is not an operation record as a whole', () => {
    expect(() =>
      scim.normalize({ body: Buffer.from('{"kind":"x"}'), contentType: null, transport: 'scim', receivedAt: NOW, rawId: 'r' }),
    ).toThrow(/^SCIM operation record is invalid: kind: /);
  });
});

describe('mapping SCIM-copy webhooks', () => {
  const normalizeCopy = (copy: Record<string, unknown>, rawId = 'raw-copy-1') => {
    const out = scim.normalize({
      body: Buffer.from(JSON.stringify(copy)),
      contentType: 'application/json',
      transport: 'webhook',
      receivedAt: NOW,
      rawId,
    });
    return {
      events: out.events.map((e) => complete(e, 'webhook')),
      rejected: out.rejected,
      planeKeys: out.events.map((e) => e.plane_keys),
    };
  };
  const userResponse = (active: boolean) => ({
    id: 'u-7',
    userName: 'grace@customer.example',
    active,
    emails: [{ value: 'Grace@Customer.example', primary: true }],
    meta: { version: 'W/"2"' },
  });

  it('maps the Okta and Entra deactivation forms to suspended, reactivation to reactivated', () => {
    const okta = normalizeCopy({
      method: 'PATCH',
      path: '/scim/v2/Users/u-7',
      status: 200,
      tenant: 'customer-42',
      request: { Operations: [{ op: 'replace', value: { active: false } }] },
      response: userResponse(false),
    });
    expect(okta.rejected).toEqual([]);
    expect(
      okta.events.map((e) => [
        e.category,
        e.action,
        e.subject.id,
        e.subject.email,
        e.tenant_id,
        e.attributes.state_change,
        e.vendor_type,
        e.occurred_at,
      ]),
    ).toEqual([['account', 'suspended', 'u-7', 'grace@customer.example', 'customer-42', 'inferred', 'PATCH /Users', NOW]]);
    expect(okta.planeKeys).toEqual([{ organization_id: 'customer-42' }]);
    const entra = normalizeCopy({
      method: 'PATCH',
      path: '/Users/u-7',
      status: 204,
      request: { Operations: [{ op: 'Replace', path: 'active', value: 'False' }] },
    });
    expect(entra.events.map((e) => [e.action, e.subject.email, e.tenant_id])).toEqual([['suspended', null, null]]);
    const back = normalizeCopy({
      method: 'PATCH',
      path: '/Users/u-7',
      status: 200,
      request: { Operations: [{ op: 'replace', path: 'active', value: true }] },
      response: userResponse(true),
    });
    expect(back.events.map((e) => e.action)).toEqual(['reactivated']);
    const put = normalizeCopy({
      method: 'PUT',
      path: '/Users/u-7',
      status: 200,
      request: { userName: 'g', active: true },
      response: userResponse(true),
    });
    expect(put.events.map((e) => e.action)).toEqual(['updated']);
    const putOff = normalizeCopy({
      method: 'PUT',
      path: '/Users/u-7',
      status: 200,
      request: { userName: 'g', active: 'False' },
      response: userResponse(false),
    });
    expect(putOff.events.map((e) => e.action)).toEqual(['suspended']);
  });

  it('maps creation (id from the response), deletion, and ignores failures and reads', () => {
    const created = normalizeCopy({
      method: 'POST',
      path: '/scim/v2/Users',
      status: 201,
      occurred_at: '2026-11-29T10:00:00.000Z',
      request: { userName: 'g' },
      response: userResponse(true),
    });
    expect(created.events.map((e) => [e.action, e.subject.id, e.occurred_at])).toEqual([
      ['created', 'u-7', Date.parse('2026-11-29T10:00:00.000Z')],
    ]);
    expect(normalizeCopy({ method: 'DELETE', path: '/Users/u-7', status: 204 }).events.map((e) => [e.action, e.subject.id])).toEqual([
      ['deleted', 'u-7'],
    ]);
    expect(
      normalizeCopy({
        method: 'PATCH',
        path: '/Users/u-7',
        status: 409,
        request: { Operations: [{ op: 'replace', value: { active: false } }] },
      }).events,
    ).toEqual([]);
    expect(normalizeCopy({ method: 'GET', path: '/Users?filter=userName%20eq%20%22x%22', status: 200 }).events).toEqual([]);
  });

  it('maps group membership operations per member', () => {
    const out = normalizeCopy({
      method: 'PATCH',
      path: '/Groups/g-1',
      status: 204,
      request: {
        Operations: [
          { op: 'remove', path: 'members[value eq "u-1"]' },
          { op: 'Add', path: 'members', value: [{ value: 'u-2', display: 'two@x.example' }, { value: 'u-2' }] },
          { op: 'Remove', path: 'members', value: [{ value: 'u-3' }] },
        ],
      },
    });
    expect(out.events.map((e) => [e.category, e.action, e.subject.id, e.subject.name, e.attributes.group_id])).toEqual([
      ['membership', 'removed', 'u-1', null, 'g-1'],
      ['membership', 'added', 'u-2', 'two@x.example', 'g-1'],
      ['membership', 'removed', 'u-3', null, 'g-1'],
    ]);
    expect(new Set(out.events.map((e) => e.event_id)).size).toBe(3);
    const replaced = normalizeCopy({
      method: 'PATCH',
      path: '/Groups/g-1',
      status: 200,
      request: { Operations: [{ op: 'replace', path: 'members', value: [{ value: 'u-9' }] }] },
      response: { id: 'g-1', displayName: 'Eng' },
    });
    expect(replaced.events.map((e) => [e.category, e.action, e.attributes.members_replaced])).toEqual([['other', 'updated', 'true']]);
  });

  it('derives event ids from the raw envelope id, and rejects unusable paths item-wise', () => {
    const copy = { method: 'DELETE', path: '/Users/u-7', status: 204 };
    expect(normalizeCopy(copy, 'raw-a').events[0]!.event_id).not.toBe(normalizeCopy(copy, 'raw-b').events[0]!.event_id);
    expect(normalizeCopy(copy, 'raw-a').events[0]!.event_id).toBe(normalizeCopy(copy, 'raw-a').events[0]!.event_id);
    const bad = normalizeCopy({ method: 'POST', path: '/Bulk', status: 200 });
    expect(bad.events).toEqual([]);
    expect(bad.rejected.map((r) => r.reason)).toEqual([
      'path: expected a SCIM resource path ending in /Users[/<id>] or /Groups[/<id>], got "/Bulk"',
    ]);
  });
});
