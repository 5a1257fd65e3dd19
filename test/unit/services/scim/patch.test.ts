// PATCH application and resource canonicalization, with the request forms Okta and Entra ID send.
import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../../../services/scim/patch.ts';
import { canonicalizeResource, finishResource, changedAttributes, lookupFields, project } from '../../../../services/scim/resource.ts';
import { RESOURCE_TYPES } from '../../../../services/scim/schema.ts';
import { ScimError } from '../../../../services/scim/errors.ts';

const User = RESOURCE_TYPES.User;
const Group = RESOURCE_TYPES.Group;
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const user = () => ({
  userName: 'ada@acme.example',
  externalId: '00u1',
  active: true,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [
    { value: 'ada@acme.example', type: 'work', primary: true },
    { value: 'ada@home.example', type: 'home' },
  ],
});
const group = () => ({
  displayName: 'Engineering',
  members: [
    { value: 'u-1', display: 'one@acme.example' },
    { value: 'u-2', display: 'two@acme.example' },
  ],
});
const ops = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

function scimError(fn: () => unknown): ScimError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScimError) return err;
    throw err;
  }
  throw new Error('expected a ScimError');
}

describe('applyPatch: users', () => {
  it('deactivates the Okta way: replace without path, value {active:false}', () => {
    const r = applyPatch(User, user(), ops({ op: 'replace', value: { active: false } }));
    expect(r.body.active).toBe(false);
    expect(r.passwordSupplied).toBe(false);
  });

  it('deactivates the Entra way: "Replace", path active, string "False"; reactivates with "True"', () => {
    const off = applyPatch(User, user(), ops({ op: 'Replace', path: 'active', value: 'False' }));
    expect(off.body.active).toBe(false);
    const on = applyPatch(User, off.body, ops({ op: 'Replace', path: 'active', value: 'True' }));
    expect(on.body.active).toBe(true);
  });

  it('accepts any op spelling and attribute names in any case', () => {
    expect(applyPatch(User, user(), ops({ op: 'REPLACE', path: 'Active', value: false })).body).toEqual({ ...user(), active: false });
    expect(applyPatch(User, user(), ops({ op: 'replace', value: { DisplayName: 'Ada L.', ACTIVE: 'false' } })).body).toEqual({
      ...user(),
      displayName: 'Ada L.',
      active: false,
    });
    expect(
      applyPatch(User, user(), { schemas: [PATCH_OP], operations: [{ OP: 'add', PATH: 'title', VALUE: 'Countess' }] }).body.title,
    ).toBe('Countess');
  });

  it('sets sub-attributes by dotted path, with or without a path', () => {
    expect(applyPatch(User, user(), ops({ op: 'Replace', path: 'name.givenName', value: 'Augusta' })).body.name).toEqual({
      givenName: 'Augusta',
      familyName: 'Lovelace',
    });
    expect(
      applyPatch(User, user(), ops({ op: 'Replace', value: { 'name.familyName': 'King', 'name.givenName': 'Ada' } })).body.name,
    ).toEqual({ givenName: 'Ada', familyName: 'King' });
    // replace on a complex attribute keeps the sub-attributes it does not name
    expect(applyPatch(User, user(), ops({ op: 'replace', path: 'name', value: { formatted: 'Ada Lovelace' } })).body.name).toEqual({
      givenName: 'Ada',
      familyName: 'Lovelace',
      formatted: 'Ada Lovelace',
    });
  });

  it('replaces emails[type eq "work"].value, and creates the work email when there is none (Entra)', () => {
    const r = applyPatch(User, user(), ops({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada.l@acme.example' }));
    expect(r.body.emails).toEqual([
      { value: 'ada.l@acme.example', type: 'work', primary: true },
      { value: 'ada@home.example', type: 'home' },
    ]);
    const none = applyPatch(User, { userName: 'x' }, ops({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'x@acme.example' }));
    expect(none.body.emails).toEqual([{ type: 'work', value: 'x@acme.example' }]);
    const primary = applyPatch(User, user(), ops({ op: 'Replace', path: 'emails[type eq "work"].primary', value: 'False' }));
    expect(primary.body.emails).toEqual([
      { value: 'ada@acme.example', type: 'work', primary: false },
      { value: 'ada@home.example', type: 'home' },
    ]);
  });

  it('answers noTarget when a value filter that is not a plain eq matches nothing', () => {
    const err = scimError(() =>
      applyPatch(User, user(), ops({ op: 'replace', path: 'emails[type eq "x" or type eq "y"].value', value: 'z' })),
    );
    expect([err.status, err.scimType]).toEqual([400, 'noTarget']);
  });

  it('removes by value filter, by sub-attribute, and whole attributes', () => {
    expect(applyPatch(User, user(), ops({ op: 'remove', path: 'emails[type eq "home"]' })).body.emails).toEqual([
      { value: 'ada@acme.example', type: 'work', primary: true },
    ]);
    expect(applyPatch(User, user(), ops({ op: 'remove', path: 'emails[type eq "work"].primary' })).body.emails).toEqual([
      { value: 'ada@acme.example', type: 'work' },
      { value: 'ada@home.example', type: 'home' },
    ]);
    const noEmails = applyPatch(User, user(), ops({ op: 'Remove', path: 'emails' })).body;
    expect('emails' in noEmails).toBe(false);
    expect('name' in applyPatch(User, user(), ops({ op: 'remove', path: 'name' })).body).toBe(false);
  });

  it("writes enterprise extension attributes by URN path, URN key, and takes Entra's bare manager id", () => {
    const a = applyPatch(User, user(), ops({ op: 'Add', path: `${ENT}:department`, value: 'R&D' }));
    expect(a.body[ENT]).toEqual({ department: 'R&D' });
    const b = applyPatch(User, user(), ops({ op: 'replace', value: { [ENT]: { costCenter: '42', Department: 'Ops' } } }));
    expect(b.body[ENT]).toEqual({ costCenter: '42', department: 'Ops' });
    const c = applyPatch(User, user(), ops({ op: 'Replace', path: `${ENT}:manager`, value: 'mgr-1' }));
    expect(c.body[ENT]).toEqual({ manager: { value: 'mgr-1' } });
    const d = applyPatch(User, a.body, ops({ op: 'Remove', path: `${ENT}:department` }));
    expect(ENT in d.body).toBe(false);
  });

  it('never applies a password: it only reports that one was supplied', () => {
    const a = applyPatch(User, user(), ops({ op: 'replace', value: { password: 's3cret!', active: true } }));
    expect(a).toEqual({ body: user(), passwordSupplied: true });
    const b = applyPatch(User, user(), ops({ op: 'replace', path: 'password' }));
    expect(b).toEqual({ body: user(), passwordSupplied: true });
    expect(
      JSON.stringify(applyPatch(User, user(), ops({ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: 'x' }))),
    ).not.toContain('password":');
  });

  it('refuses writes to read-only attributes by path, ignores them in a value object', () => {
    const err = scimError(() => applyPatch(User, user(), ops({ op: 'replace', path: 'id', value: 'other' })));
    expect([err.status, err.scimType]).toEqual([400, 'mutability']);
    expect(applyPatch(User, user(), ops({ op: 'replace', value: { id: 'other', meta: {}, groups: [], active: false } })).body).toEqual({
      ...user(),
      active: false,
    });
  });

  it('rejects bad requests with the scimType and the offending operation', () => {
    const cases: [unknown, number, string, RegExp][] = [
      [
        ops({ op: 'move', path: 'active', value: false }),
        400,
        'invalidSyntax',
        /Operations\[0\]\.op: expected "add", "replace" or "remove" \(any case\), got the string "move"/,
      ],
      [ops({ op: 'remove' }), 400, 'noTarget', /Operations\[0\]: "remove" needs a path/],
      [
        ops({ op: 'replace', path: 'active', value: 'maybe' }),
        400,
        'invalidValue',
        /Operations\[0\]\.value: "active" is of type boolean, expected true or false .* got the string "maybe"/,
      ],
      [ops({ op: 'add', value: 'x' }), 400, 'invalidValue', /without a path, expected an object of attributes/],
      [ops({ op: 'replace', path: 'emails[type eq "work"', value: 'x' }), 400, 'invalidPath', /missing "\]"/],
      [ops({ op: 'replace', path: 'active.sub', value: 'x' }), 400, 'invalidPath', /"active" has no sub-attributes/],
      [{ schemas: [PATCH_OP] }, 400, 'invalidSyntax', /Operations: expected a non-empty array/],
      [[], 400, 'invalidSyntax', /expected a PatchOp object/],
    ];
    for (const [body, status, type, message] of cases) {
      const err = scimError(() => applyPatch(User, user(), body));
      expect([err.status, err.scimType], JSON.stringify(body)).toEqual([status, type]);
      expect(err.detail, JSON.stringify(body)).toMatch(message);
    }
  });

  it('does not modify its input', () => {
    const before = user();
    applyPatch(User, before, ops({ op: 'replace', value: { active: false } }, { op: 'remove', path: 'emails[type eq "home"]' }));
    expect(before).toEqual(user());
  });
});

describe('applyPatch: groups', () => {
  it('adds members (Okta, with display) without duplicating an existing value', () => {
    const r = applyPatch(
      Group,
      group(),
      ops({ op: 'add', path: 'members', value: [{ value: 'u-3', display: 'three@acme.example' }, { value: 'u-1' }] }),
    );
    expect(r.body.members).toEqual([
      { value: 'u-1', display: 'one@acme.example' },
      { value: 'u-2', display: 'two@acme.example' },
      { value: 'u-3', display: 'three@acme.example' },
    ]);
  });

  it('removes a member by filter (Okta) and by value list (Entra), whatever else the stored member holds', () => {
    expect(applyPatch(Group, group(), ops({ op: 'remove', path: 'members[value eq "u-1"]' })).body.members).toEqual([
      { value: 'u-2', display: 'two@acme.example' },
    ]);
    expect(applyPatch(Group, group(), ops({ op: 'Remove', path: 'members', value: [{ value: 'u-2' }] })).body.members).toEqual([
      { value: 'u-1', display: 'one@acme.example' },
    ]);
    expect(
      'members' in applyPatch(Group, group(), ops({ op: 'Remove', path: 'members', value: [{ value: 'u-1' }, { value: 'u-2' }] })).body,
    ).toBe(false);
    // removing a member that is not there changes nothing
    expect(applyPatch(Group, group(), ops({ op: 'remove', path: 'members[value eq "nobody"]' })).body).toEqual(group());
  });

  it('renames the Okta way (value carries the read-only id) and replaces the member list', () => {
    expect(applyPatch(Group, group(), ops({ op: 'replace', value: { id: 'g-1', displayName: 'Eng' } })).body.displayName).toBe('Eng');
    expect(applyPatch(Group, group(), ops({ op: 'replace', path: 'members', value: [{ value: 'u-9' }] })).body.members).toEqual([
      { value: 'u-9' },
    ]);
  });

  it('applies the fact-sheet example: remove one member, add another', () => {
    const r = applyPatch(
      Group,
      group(),
      ops(
        { op: 'remove', path: 'members[value eq "u-1"]' },
        { op: 'add', path: 'members', value: [{ value: 'u-5', display: 'a@acme.test' }] },
      ),
    );
    expect(r.body.members).toEqual([
      { value: 'u-2', display: 'two@acme.example' },
      { value: 'u-5', display: 'a@acme.test' },
    ]);
  });
});

describe('canonicalizeResource / finishResource', () => {
  it('canonicalizes names, coerces string booleans, drops password and read-only attributes', () => {
    const body = canonicalizeResource(User, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENT],
      id: 'client-chosen',
      UserName: 'Ada@Acme.example',
      Active: 'True',
      password: 'hunter2',
      groups: [{ value: 'g' }],
      meta: { resourceType: 'User' },
      emails: [{ Value: 'Ada@Acme.example', Primary: 'true', type: 'work' }],
      [ENT.toUpperCase()]: { employeeNumber: '1234', Department: 'R&D' },
    });
    expect(body).toEqual({
      userName: 'Ada@Acme.example',
      active: true,
      emails: [{ value: 'Ada@Acme.example', primary: true, type: 'work' }],
      [ENT]: { employeeNumber: '1234', department: 'R&D' },
    });
  });

  it('RFC 7643 §3 / §2.3: refuses undeclared schemas and attributes, and values of the wrong type (400 invalidValue)', () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { userName: 'x', 'urn:example:custom:1.0:User': { tier: 'gold' } },
        'urn:example:custom:1.0:User: "urn:example:custom:1.0:User" is not a schema of the User resource type; expected urn:ietf:params:scim:schemas:core:2.0:User or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ],
      [
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:example:custom:1.0:User'], userName: 'x' },
        'schemas: "urn:example:custom:1.0:User" is not a schema of the User resource type; expected urn:ietf:params:scim:schemas:core:2.0:User or urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      ],
      [
        { userName: 'x', [ENT]: { employeNumber: '1' } },
        `${ENT}.employeNumber: "employeNumber" is not an attribute of the EnterpriseUser schema (${ENT})`,
      ],
      [{ userName: 'x', tier: 'gold' }, 'tier: "tier" is not an attribute of the User schema (urn:ietf:params:scim:schemas:core:2.0:User)'],
      [
        { userName: 'x', name: { givenNam: 'A' } },
        'name.givenNam: "givenNam" is not a sub-attribute of "name" (declared: formatted, familyName, givenName, middleName, honorificPrefix, honorificSuffix)',
      ],
      [{ userName: 'x', nickName: 7 }, 'nickName: "nickName" is of type string, expected a JSON string, got number 7'],
      [{ userName: 10 }, 'userName: "userName" is of type string, expected a JSON string, got number 10'],
      [
        { userName: 'x', [ENT]: { employeeNumber: 1234 } },
        `${ENT}.employeeNumber: "employeeNumber" is of type string, expected a JSON string, got number 1234`,
      ],
      [
        { userName: 'x', emails: 'x@acme.example' },
        'emails: "emails" is complex, expected an object of its sub-attributes, got the string "x@acme.example"',
      ],
    ];
    for (const [input, detail] of cases) {
      const err = scimError(() => canonicalizeResource(User, input));
      expect([err.status, err.scimType, err.detail], JSON.stringify(input)).toEqual([400, 'invalidValue', detail]);
    }
  });

  it('requires userName / displayName and member values, de-duplicates members', () => {
    expect(scimError(() => canonicalizeResource(User, { active: true })).detail).toBe('userName: required, a non-empty string (missing)');
    expect(scimError(() => canonicalizeResource(Group, { displayName: '  ' })).detail).toBe(
      'displayName: required, a non-empty string, got the string "  "',
    );
    expect(scimError(() => canonicalizeResource(Group, { displayName: 'G', members: [{ display: 'x' }] })).detail).toBe(
      'members[0].value: required, the id of the member resource',
    );
    expect(scimError(() => canonicalizeResource(User, { userName: 'x', active: 'yes' })).detail).toBe(
      'active: "active" is of type boolean, expected true or false (or the strings "True" / "False"), got the string "yes"',
    );
    expect(
      canonicalizeResource(Group, { displayName: 'G', members: [{ value: 'a' }, { value: 'a', display: 'dup' }, { value: 'b' }] }).members,
    ).toEqual([{ value: 'a' }, { value: 'b' }]);
  });

  it('finishResource fails a PATCH that removes the required attribute', () => {
    const patched = applyPatch(User, user(), ops({ op: 'remove', path: 'userName' })).body;
    expect(scimError(() => finishResource(User, patched)).scimType).toBe('invalidValue');
  });

  it('derives the lookup columns and the changed attributes', () => {
    expect(lookupFields(User, { ...user(), displayName: 'Ada' })).toEqual({
      user_name_lc: 'ada@acme.example',
      display_name_lc: 'ada',
      external_id: '00u1',
      emails_lc: ['ada@acme.example', 'ada@home.example'],
      active: 1,
      member_ids: [],
    });
    expect(lookupFields(Group, group())).toEqual({
      user_name_lc: null,
      display_name_lc: 'engineering',
      external_id: null,
      emails_lc: [],
      active: null,
      member_ids: ['u-1', 'u-2'],
    });
    expect(changedAttributes(user(), { ...user(), active: false, title: 'x' })).toEqual(['active', 'title']);
    expect(changedAttributes(group(), { ...group(), members: [] })).toEqual([]);
  });

  it('projects attributes and excludedAttributes (id and schemas always stay)', () => {
    const r = {
      schemas: ['s'],
      id: 'i',
      userName: 'u',
      name: { givenName: 'g', familyName: 'f' },
      members: [1],
      meta: { version: 'W/"1"' },
    };
    expect(project(r, ['userName', 'name.givenName'], null)).toEqual({ schemas: ['s'], id: 'i', userName: 'u', name: { givenName: 'g' } });
    expect(project(r, null, ['members', 'ID'])).toEqual({
      schemas: ['s'],
      id: 'i',
      userName: 'u',
      name: { givenName: 'g', familyName: 'f' },
      meta: { version: 'W/"1"' },
    });
  });
});
