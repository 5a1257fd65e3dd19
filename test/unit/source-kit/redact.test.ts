// The one redaction policy for every vendor's raw envelope (source-kit/redact.ts; issue #18
// point 5). Secret-looking members at any depth are removed whatever the vendor; ids and types
// next to them stay; a body without a secret keeps its exact bytes; JSON lines and text that is
// not JSON are covered; and for every vendor the redacted fixtures map to the same events as the
// originals (the mappers read nothing the policy removes).
import { describe, expect, it } from 'vitest';
import { isSecretKey, redactSecrets, redactSecretsParsed } from '../../../source-kit/redact.ts';
import { SOURCES } from '../../../sources/registry.ts';
import { vendorFixtures, webhookInput } from '../../helpers/map-cases.ts';

const text = (v: unknown) => redactSecrets(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))).toString('utf8');

describe('isSecretKey', () => {
  it('names secret members of every vendor', () => {
    for (const k of [
      'password',
      'Password',
      'newPassword',
      'urn:ietf:params:scim:schemas:core:2.0:User:password',
      'passwd',
      'passphrase',
      'secret',
      'client_secret',
      'clientSecret',
      'secretAccessKey',
      'SecretString',
      'secretBinary',
      'token',
      'api_token',
      'apiToken',
      'access_token',
      'refresh_token',
      'sessionToken',
      'SessionToken',
      'tokens',
      'api_key',
      'apiKey',
      'API-KEY',
      'private_key',
      'privateKey',
      'credentials',
      'credential',
      'jti',
      'access_token_jti',
      'partial_key_hint',
    ])
      expect([k, isSecretKey(k)]).toEqual([k, true]);
  });

  it('keeps ids, types and flags that merely contain a secret word', () => {
    for (const k of [
      'requestApiTokenId',
      'tokenType',
      'token_endpoint_auth_method',
      'idp_token_type',
      'id_token_signing_alg',
      'externalSessionId',
      'credentialType',
      'credentialProvider',
      'passwordless_amr',
      'accessKeyId',
      'redacted_value',
      'obscured_value',
      'key_id',
      'scope',
      'client_id',
      'session_id',
      'uuid',
    ])
      expect([k, isSecretKey(k)]).toEqual([k, false]);
  });
});

describe('redactSecrets', () => {
  it('removes WorkOS custom_attributes.password and raw_attributes.api_token, keeping the rest', () => {
    const body = {
      object: 'event',
      id: 'event_1',
      event: 'dsync.user.created',
      data: {
        id: 'directory_user_1',
        custom_attributes: { department: 'eng', password: 'PLANT-pw' },
        raw_attributes: { api_token: 'PLANT-tok', title: 'dev' },
      },
    };
    expect(JSON.parse(text(body))).toEqual({
      object: 'event',
      id: 'event_1',
      event: 'dsync.user.created',
      data: { id: 'directory_user_1', custom_attributes: { department: 'eng' }, raw_attributes: { title: 'dev' } },
    });
  });

  it('walks an object under a secret-looking name and keeps the ids beside its secrets', () => {
    const body = {
      responseElements: { credentials: { accessKeyId: 'ASIA1', sessionToken: 'tok', expiration: 'x' } },
      actor: { api_key: { id: 'key_1', type: 'user', value: 'sk-PLANT' } },
    };
    expect(JSON.parse(text(body))).toEqual({
      responseElements: { credentials: { accessKeyId: 'ASIA1', expiration: 'x' } },
      actor: { api_key: { id: 'key_1', type: 'user', value: 'sk-PLANT' } },
    });
  });

  it('removes arrays and nulls under secret names, and the value of a PATCH operation on a secret path', () => {
    expect(
      JSON.parse(
        text({
          tokens: ['a', 'b'],
          partial_key_hint: null,
          Operations: [
            { op: 'replace', path: 'password', value: 'pw' },
            { op: 'replace', path: 'active', value: false },
          ],
        }),
      ),
    ).toEqual({
      Operations: [
        { op: 'replace', path: 'password' },
        { op: 'replace', path: 'active', value: false },
      ],
    });
  });

  it('returns the original bytes when there is nothing to remove', () => {
    const clean = Buffer.from('{ "data": [ {"type": "user", "id": "user_1"} ],\n "has_more": false }');
    expect(redactSecrets(clean)).toBe(clean);
    const broken = Buffer.from('{"log_id": ');
    expect(redactSecrets(broken)).toBe(broken);
  });

  it('hands back the parsed body only when the body is one JSON document left as it was', () => {
    const clean = Buffer.from('\ufeff{"id":"event_1","data":{"token_type":"bearer","tags":[1,{"a":null}]}}');
    const kept = redactSecretsParsed(clean);
    expect(kept.body).toBe(clean);
    expect(kept.parsed).toEqual({ ok: true, value: { id: 'event_1', data: { token_type: 'bearer', tags: [1, { a: null }] } } });

    const secret = redactSecretsParsed(Buffer.from('{"id":"event_1","data":{"custom_attributes":{"password":"hunter2"}}}'));
    expect(secret.body.toString('utf8')).toBe('{"id":"event_1","data":{"custom_attributes":{}}}');
    expect(secret.parsed).toBeUndefined();

    const lines = redactSecretsParsed(Buffer.from('{"a":1}\n{"b":2}\n'));
    expect(lines.body.toString('utf8')).toBe('{"a":1}\n{"b":2}\n');
    expect(lines.parsed).toBeUndefined();
    expect(redactSecretsParsed(Buffer.from('{"id": ')).parsed).toBeUndefined();
  });

  it('finds a secret member in every place the copy-free check walks: deep, in arrays, after clean siblings', () => {
    expect(text({ a: [{ b: [[{ c: 1 }, { client_secret: 'x' }]] }], z: 1 })).toBe('{"a":[{"b":[[{"c":1},{}]]}],"z":1}');
    expect(text([{ id: 1 }, { id: 2, api_token: 't' }])).toBe('[{"id":1},{"id":2}]');
    // The same names answer the same way however often they are asked (the answers are remembered).
    for (let i = 0; i < 3; i++) {
      expect(isSecretKey('Client-Secret')).toBe(true);
      expect(isSecretKey('token_type')).toBe(false);
      expect(isSecretKey(`${'x'.repeat(100)}password`)).toBe(true);
    }
  });

  it('redacts JSON lines line by line and blanks secret strings in text that is not JSON', () => {
    expect(text('{"a":1,"password":"x"}\n{"b":2}\nnot json "client_secret": "PLANT" and "name": "n"\n')).toBe(
      '{"a":1}\n{"b":2}\nnot json "client_secret": "[redacted]" and "name": "n"\n',
    );
    expect(text('{"data":[{"id":"apikey_1","partial_key_hint":"sk-ant-api03-AA')).toBe(
      '{"data":[{"id":"apikey_1","partial_key_hint":"[redacted]',
    );
  });
});

describe('the one allowance: Anthropic partial_key_hint in the shape Anthropic displays', () => {
  // Anthropic documents partial_key_hint as "Partially redacted hint for the API key", example
  // "sk-ant-api03-R2D...igAA". A whole key is built at run time so no scanner takes it for a real one.
  const wholeKey = ['sk-ant-api03-', 'PLANT'.repeat(18), '-igAA'].join('');
  const vendorText = (v: unknown, vendor?: string) => redactSecrets(Buffer.from(JSON.stringify(v)), vendor).toString('utf8');
  const keyObject = (hint: unknown) => ({ type: 'api_key', id: 'apikey_1', name: 'ci', partial_key_hint: hint });

  it('keeps the hint of an api_key object of an Anthropic page, byte for byte', () => {
    const page = Buffer.from(JSON.stringify({ data: [keyObject('sk-ant-api03-R2D...igAA')], has_more: false }));
    expect(redactSecrets(page, 'anthropic')).toBe(page);
  });

  it('removes a whole key planted in that member, or any hint not in the displayed shape', () => {
    for (const hint of [
      wholeKey,
      'sk-ant-api03-R2DigAA',
      'sk-ant-api03-R2D7...igAA',
      'sk-ant-api03-R2D...igAA7',
      'sk-ant-api03-R2D…igAA',
      ['sk-ant-api03-R2D...igAA'],
      7,
    ]) {
      expect(JSON.parse(vendorText({ data: [keyObject(hint)] }, 'anthropic'))).toEqual({
        data: [{ type: 'api_key', id: 'apikey_1', name: 'ci' }],
      });
    }
  });

  it('removes the hint outside an api_key object, for any other vendor, and with no vendor', () => {
    expect(JSON.parse(vendorText({ type: 'user', id: 'user_1', partial_key_hint: 'sk-ant-api03-R2D...igAA' }, 'anthropic'))).toEqual({
      type: 'user',
      id: 'user_1',
    });
    expect(JSON.parse(vendorText({ data: [{ id: 'apikey_1', partial_key_hint: 'sk-ant-api03-R2D...igAA' }] }, 'anthropic'))).toEqual({
      data: [{ id: 'apikey_1' }],
    });
    for (const vendor of ['openai', 'workos', 'github', undefined]) {
      expect(JSON.parse(vendorText({ data: [keyObject('sk-ant-api03-R2D...igAA')] }, vendor))).toEqual({
        data: [{ type: 'api_key', id: 'apikey_1', name: 'ci' }],
      });
    }
  });

  it('still removes a whole key under every other secret name of an Anthropic page, at any depth', () => {
    const page = {
      data: [
        {
          ...keyObject('sk-ant-api03-R2D...igAA'),
          api_key: wholeKey,
          secret: wholeKey,
          nested: { token: wholeKey, key_hint: wholeKey, partial_key_hint: wholeKey },
        },
      ],
    };
    const out = vendorText(page, 'anthropic');
    expect(JSON.parse(out)).toEqual({
      data: [{ type: 'api_key', id: 'apikey_1', name: 'ci', partial_key_hint: 'sk-ant-api03-R2D...igAA', nested: {} }],
    });
    expect(out).not.toContain('PLANT');
  });

  it('text that is not JSON gets no allowance', () => {
    expect(
      redactSecrets(Buffer.from('{"data":[{"type":"api_key","partial_key_hint":"sk-ant-api03-R2D...igAA"'), 'anthropic').toString('utf8'),
    ).toBe('{"data":[{"type":"api_key","partial_key_hint":"[redacted]"');
  });
});

describe('every vendor maps the redacted fixtures to the same events', () => {
  const deliveries: Record<string, () => unknown[]> = {
    workos: () =>
      vendorFixtures('workos')
        .all()
        .filter((f) => (f as { object?: string }).object === 'event'),
    okta: () => [
      {
        eventType: 'com.okta.event_hook',
        eventId: 'e1',
        source: 'https://acme.okta.com/api/v1/eventHooks/who1',
        data: { events: vendorFixtures('okta').all() },
      },
    ],
    // One delivery per record; sapi.update-user is checked on its own below.
    auth0: () =>
      vendorFixtures('auth0')
        .files.filter((f) => f !== 'sapi.update-user.json')
        .map((f) => [JSON.parse(vendorFixtures('auth0').read(f)) as unknown]),
    aws: () => [
      {
        Records: vendorFixtures('aws')
          .all()
          .flatMap((f) => (f as { Records?: unknown[] }).Records ?? [f]),
      },
    ],
  };
  for (const [vendor, bodies] of Object.entries(deliveries)) {
    it(vendor, () => {
      const norm = (b: Buffer) => SOURCES[vendor]!.normalize(webhookInput(b));
      let redactedAny = false;
      for (const body of bodies()) {
        const original = Buffer.from(JSON.stringify(body));
        const redacted = redactSecrets(original);
        if (redacted !== original) redactedAny = true;
        expect(norm(redacted)).toEqual(norm(original));
      }
      // Positive control: the fixtures of okta and auth0 carry planted secrets; workos and aws have none.
      expect([vendor, redactedAny]).toEqual([vendor, vendor === 'okta' || vendor === 'auth0']);
    });
  }

  it('auth0: an admin PATCH that sets a password loses the field name with its value (changed_fields, account_change)', () => {
    const original = Buffer.from(JSON.stringify([vendorFixtures('auth0').json('sapi.update-user')]));
    const [before, after] = [original, redactSecrets(original)].map(
      (b) => SOURCES.auth0!.normalize(webhookInput(b)) as { events: { attributes: Record<string, unknown> }[] },
    );
    expect([before!.events[0]!.attributes.changed_fields, before!.events[0]!.attributes.account_change]).toEqual([
      'email,password',
      'password',
    ]);
    expect([after!.events[0]!.attributes.changed_fields, after!.events[0]!.attributes.account_change]).toEqual(['email', undefined]);
  });
});
