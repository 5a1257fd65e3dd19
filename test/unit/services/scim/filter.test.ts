// SCIM filter grammar (RFC 7644 §3.4.2.2), PATCH paths, value-filter evaluation, and the
// translation of list filters to ClickHouse predicates.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eqConjunction, FilterSyntaxError, matchesElement, parseFilter, parsePatchPath } from '../../../../services/scim/filter.ts';
import { filterToSql } from '../../../../services/scim/filter-sql.ts';
import { ScimError } from '../../../../services/scim/errors.ts';

const attr = (name: string, sub: string | null = null, uri: string | null = null) => ({ uri, name, sub });

describe('parseFilter', () => {
  it('parses the filters Okta and Entra send', () => {
    expect(parseFilter('userName eq "ada@acme.example"')).toEqual({ op: 'eq', attr: attr('userName'), value: 'ada@acme.example' });
    expect(parseFilter('externalId eq "00u1abc"')).toEqual({ op: 'eq', attr: attr('externalId'), value: '00u1abc' });
    expect(parseFilter('displayName eq "Engineering"')).toEqual({ op: 'eq', attr: attr('displayName'), value: 'Engineering' });
    expect(parseFilter('emails.value eq "a@b.example"')).toEqual({ op: 'eq', attr: attr('emails', 'value'), value: 'a@b.example' });
  });

  it('is case-insensitive for operators and logical words, keeps attribute names as written', () => {
    expect(parseFilter('UserName EQ "x"')).toEqual({ op: 'eq', attr: attr('UserName'), value: 'x' });
    expect(parseFilter('a Eq "1" AND b eq "2" Or c pr')).toEqual({
      op: 'or',
      left: { op: 'and', left: { op: 'eq', attr: attr('a'), value: '1' }, right: { op: 'eq', attr: attr('b'), value: '2' } },
      right: { op: 'pr', attr: attr('c') },
    });
  });

  it('gives "and" precedence over "or", and honours parentheses and not', () => {
    expect(parseFilter('a eq "1" or b eq "2" and c eq "3"')).toEqual({
      op: 'or',
      left: { op: 'eq', attr: attr('a'), value: '1' },
      right: { op: 'and', left: { op: 'eq', attr: attr('b'), value: '2' }, right: { op: 'eq', attr: attr('c'), value: '3' } },
    });
    expect(parseFilter('not (userName eq "x")')).toEqual({ op: 'not', filter: { op: 'eq', attr: attr('userName'), value: 'x' } });
    expect(parseFilter('(a eq "1" or b eq "2") and c eq "3"')).toEqual({
      op: 'and',
      left: { op: 'or', left: { op: 'eq', attr: attr('a'), value: '1' }, right: { op: 'eq', attr: attr('b'), value: '2' } },
      right: { op: 'eq', attr: attr('c'), value: '3' },
    });
  });

  it('decodes string literals as JSON strings and reads numbers, booleans and null', () => {
    expect(parseFilter('displayName eq "caf\\u00e9 \\"quoted\\" back\\\\slash"')).toEqual({
      op: 'eq',
      attr: attr('displayName'),
      value: 'café "quoted" back\\slash',
    });
    expect(parseFilter('active eq true')).toEqual({ op: 'eq', attr: attr('active'), value: true });
    expect(parseFilter('active eq False')).toEqual({ op: 'eq', attr: attr('active'), value: false });
    expect(parseFilter('title eq null')).toEqual({ op: 'eq', attr: attr('title'), value: null });
    expect(parseFilter('count gt -1.5e2')).toEqual({ op: 'gt', attr: attr('count'), value: -150 });
  });

  it('reads schema-qualified attribute paths and value paths', () => {
    expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"')).toEqual({
      op: 'eq',
      attr: attr('userName', null, 'urn:ietf:params:scim:schemas:core:2.0:User'),
      value: 'x',
    });
    expect(parseFilter('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m"')).toEqual({
      op: 'eq',
      attr: attr('manager', 'value', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
      value: 'm',
    });
    expect(parseFilter('emails[type eq "work" and value co "@acme"]')).toEqual({
      op: 'valuePath',
      attr: attr('emails'),
      filter: {
        op: 'and',
        left: { op: 'eq', attr: attr('type'), value: 'work' },
        right: { op: 'co', attr: attr('value'), value: '@acme' },
      },
    });
  });

  it('rejects malformed filters with a message naming the problem', () => {
    const cases: [string, RegExp][] = [
      ["userName eq 'x'", /string values take double quotes/],
      ['userName eq', /expected a value .* found the end of the filter/],
      ['userName', /expected an operator/],
      ['userName like "x"', /unknown operator "like"/],
      ['userName eq "x" trailing', /expected "and", "or" or the end of the filter, found "trailing"/],
      ['(userName eq "x"', /expected "\)" to close "\("/],
      ['emails[type eq "work"', /expected "\]" to close "emails\["/],
      ['emails[members[value eq "x"]]', /cannot be nested/],
      ['userName eq "unterminated', /unterminated or invalid string literal at position 13/],
      ['', /filter is empty/],
      ['a.b.c eq "x"', /at most attribute.subAttribute/],
      ['not userName eq "x"', /expected "\(" after "not"/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseFilter(text), text).toThrow(FilterSyntaxError);
      expect(() => parseFilter(text), text).toThrow(message);
    }
  });

  it('never throws anything but FilterSyntaxError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          parseFilter(text);
        } catch (err) {
          expect(err).toBeInstanceOf(FilterSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parsePatchPath', () => {
  it('parses attribute, sub-attribute, value-filter and URN paths', () => {
    expect(parsePatchPath('active')).toEqual({ raw: 'active', attr: attr('active'), filter: null, subAfterFilter: null });
    expect(parsePatchPath('name.givenName')).toEqual({
      raw: 'name.givenName',
      attr: attr('name', 'givenName'),
      filter: null,
      subAfterFilter: null,
    });
    expect(parsePatchPath('members[value eq "89bb1940-0000-4000-8000-000000000001"]')).toEqual({
      raw: 'members[value eq "89bb1940-0000-4000-8000-000000000001"]',
      attr: attr('members'),
      filter: { op: 'eq', attr: attr('value'), value: '89bb1940-0000-4000-8000-000000000001' },
      subAfterFilter: null,
    });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      raw: 'emails[type eq "work"].value',
      attr: attr('emails'),
      filter: { op: 'eq', attr: attr('type'), value: 'work' },
      subAfterFilter: 'value',
    });
    expect(parsePatchPath('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department').attr).toEqual(
      attr('department', null, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
    );
    // a "]" inside a string literal does not close the filter
    expect(parsePatchPath('members[display eq "a]b"]').filter).toEqual({ op: 'eq', attr: attr('display'), value: 'a]b' });
  });

  it('rejects malformed paths', () => {
    expect(() => parsePatchPath('members[value eq "x"')).toThrow(/missing "\]"/);
    expect(() => parsePatchPath('emails[type eq "work"]value')).toThrow(/expected ".subAttribute" or nothing after "\]"/);
    expect(() => parsePatchPath('name.givenName[x eq "1"]')).toThrow(/not to a sub-attribute/);
    expect(() => parsePatchPath('   ')).toThrow(/path is empty/);
  });
});

describe('matchesElement and eqConjunction', () => {
  const insensitive = () => false;
  it('compares case-insensitively unless the sub-attribute is caseExact', () => {
    const f = parseFilter('type eq "WORK"');
    expect(matchesElement(f, { value: 'a@b', type: 'work' }, insensitive)).toBe(true);
    expect(matchesElement(f, { value: 'a@b', type: 'work' }, () => true)).toBe(false);
    expect(matchesElement(parseFilter('Value eq "X"'), { value: 'x' }, insensitive)).toBe(true);
  });

  it('evaluates booleans (string booleans too), pr, not, and / or', () => {
    expect(matchesElement(parseFilter('primary eq true'), { primary: true }, insensitive)).toBe(true);
    expect(matchesElement(parseFilter('primary eq true'), { primary: 'True' }, insensitive)).toBe(true);
    expect(matchesElement(parseFilter('primary eq true'), { primary: false }, insensitive)).toBe(false);
    expect(matchesElement(parseFilter('display pr'), { display: '' }, insensitive)).toBe(false);
    expect(matchesElement(parseFilter('display pr'), { display: 'x' }, insensitive)).toBe(true);
    expect(matchesElement(parseFilter('not (type eq "home") and value sw "a"'), { type: 'work', value: 'abc' }, insensitive)).toBe(true);
    expect(matchesElement(parseFilter('type eq "home" or value ew "c"'), { type: 'work', value: 'abc' }, insensitive)).toBe(true);
  });

  it('extracts the values pinned by a conjunction of eq terms, else null', () => {
    expect(eqConjunction(parseFilter('type eq "work"'))).toEqual({ type: 'work' });
    expect(eqConjunction(parseFilter('type eq "work" and primary eq true'))).toEqual({ type: 'work', primary: true });
    expect(eqConjunction(parseFilter('type eq "work" or primary eq true'))).toBeNull();
    expect(eqConjunction(parseFilter('value co "x"'))).toBeNull();
  });
});

describe('filterToSql', () => {
  const sql = (type: 'User' | 'Group', text: string) => filterToSql(type, parseFilter(text));

  it('binds values as parameters, lower-cased where RFC 7643 says caseExact false', () => {
    expect(sql('User', 'userName eq "Ada@Acme.Example"')).toEqual({
      sql: 'ifNull(user_name_lc = {f0:String}, 0)',
      params: { f0: 'ada@acme.example' },
    });
    expect(sql('User', 'USERNAME Eq "x"')).toEqual({ sql: 'ifNull(user_name_lc = {f0:String}, 0)', params: { f0: 'x' } });
    expect(sql('User', 'externalId eq "00uAbC"')).toEqual({ sql: 'ifNull(external_id = {f0:String}, 0)', params: { f0: '00uAbC' } });
    expect(sql('User', 'emails.value eq "A@B.example"')).toEqual({ sql: 'has(emails_lc, {f0:String})', params: { f0: 'a@b.example' } });
    expect(sql('User', 'emails[value eq "A@B.example"]')).toEqual({ sql: 'has(emails_lc, {f0:String})', params: { f0: 'a@b.example' } });
    expect(sql('User', 'active eq false')).toEqual({ sql: 'ifNull(active = 0, 0)', params: {} });
    expect(sql('Group', 'displayName eq "Eng"')).toEqual({ sql: 'ifNull(display_name_lc = {f0:String}, 0)', params: { f0: 'eng' } });
    expect(sql('Group', 'members[value eq "U1"]')).toEqual({ sql: 'has(member_ids, {f0:String})', params: { f0: 'U1' } });
    expect(sql('User', 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"').sql).toBe('ifNull(user_name_lc = {f0:String}, 0)');
  });

  it('combines with and / or / not', () => {
    expect(sql('User', 'userName eq "a" and not (externalId eq "b") or externalId pr')).toEqual({
      sql: "((ifNull(user_name_lc = {f0:String}, 0) AND (NOT ifNull(external_id = {f1:String}, 0))) OR (external_id IS NOT NULL AND external_id != ''))",
      params: { f0: 'a', f1: 'b' },
    });
  });

  it('answers invalidFilter for what it does not support', () => {
    const cases: [string, 'User' | 'Group', RegExp][] = [
      ['title eq "x"', 'User', /filtering on "title" is not supported; supported: id, userName/],
      ['userName co "x"', 'User', /the operator "co" \(on "userName"\) is not supported/],
      ['meta.lastModified gt "2020-01-01T00:00:00Z"', 'User', /the operator "gt" \(on "meta.lastModified"\) is not supported/],
      ['meta.lastModified eq "2020-01-01T00:00:00Z"', 'User', /filtering on "meta.lastModified" is not supported/],
      ['userName eq 12', 'User', /expected a string value in double quotes, got number/],
      ['emails[type eq "work"]', 'User', /only \[value eq/],
      ['members.value eq "x"', 'User', /filtering on "members.value" is not supported/],
      ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "x"', 'User', /not supported/],
      ['userName pr', 'User', /"userName pr" is not supported/],
    ];
    for (const [text, type, message] of cases) {
      let caught: unknown;
      try {
        sql(type, text);
      } catch (err) {
        caught = err;
      }
      expect(caught, text).toBeInstanceOf(ScimError);
      expect((caught as ScimError).scimType, text).toBe('invalidFilter');
      expect((caught as ScimError).status, text).toBe(400);
      expect((caught as ScimError).detail, text).toMatch(message);
    }
  });
});
