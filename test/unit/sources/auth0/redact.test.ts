import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auth0 } from '../../../../sources/auth0/index.ts';
import { isSecretKey, redactAuth0Body } from '../../../../sources/auth0/redact.ts';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/auth0/', import.meta.url));
const fixtureText = (name: string) => readFileSync(FIXTURES + name + '.json', 'utf8');
const SECRETS = ['JTI-SECRET-MUST-NOT-LEAK', 'ATJTI-MUST-NOT-LEAK', 'ROTATED-SECRET-MUST-NOT-LEAK', 'hunter2-PLAINTEXT', 'ADMIN-SET-PLAINTEXT', 'INITIAL-PLAINTEXT', 'SCIM-PLAINTEXT-PASSWORD'];

describe('Auth0 redaction before the raw envelope', () => {
  it('names the secret members', () => {
    for (const k of ['credentials', 'password', 'Password', 'urn:ietf:params:scim:schemas:core:2.0:User:password', 'client_secret', 'secret', 'refresh_token', 'access_token', 'access_token_jti', 'jti', 'token']) expect(isSecretKey(k), k).toBe(true);
    for (const k of ['token_endpoint_auth_method', 'idp_token_type', 'id_token_signing_alg', 'session_id', 'scope', 'client_id', 'user_name', 'passwordless_amr', 'mtls_thumbprint_sha256']) expect(isSecretKey(k), k).toBe(false);
  });

  it('removes credentials, passwords, secrets and token ids in every content format', () => {
    const records = ['sapi.delete-user', 'ss', 'sapi.update-user', 'sapi.create-user', 'sapi.rotate-secret', 'seccft', 'sscim.post-user'].map((n) => JSON.parse(fixtureText(n)) as unknown);
    const bodies = {
      array: JSON.stringify(records),
      lines: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
      object: JSON.stringify(records[0]),
    };
    for (const [format, body] of Object.entries(bodies)) {
      const out = redactAuth0Body(Buffer.from(body)).toString('utf8');
      for (const s of SECRETS.slice(0, format === 'object' ? 1 : SECRETS.length)) expect(out, `${format}: ${s}`).not.toContain(s);
      expect(out).not.toContain('"credentials"');
      expect(out).not.toContain('"password"');
    }
    const lines = redactAuth0Body(Buffer.from(bodies.lines)).toString('utf8').split('\n');
    expect(lines).toHaveLength(records.length + 1);
    const first = JSON.parse(lines[0]!) as { data: { details: { request: { auth: Record<string, unknown>; path: string } } } };
    expect(first.data.details.request.auth).toEqual({ user: { user_id: 'google-oauth2|100000000000000000001', name: 'Tenant Admin', email: 'Admin@Acme.example' }, strategy: 'jwt' });
    expect(first.data.details.request.path).toBe('/api/v2/users/auth0%7C65f0000000000000000000a1');
  });

  it('drops the value of a SCIM PATCH that sets the password, keeping op and path', () => {
    const body = JSON.stringify({ log_id: 'L1', data: { type: 'sscim', details: { request: { method: 'PATCH', body: { Operations: [{ op: 'replace', path: 'password', value: 'PATCHED-PLAINTEXT' }, { op: 'replace', path: 'active', value: false }] } } } } });
    const out = JSON.parse(redactAuth0Body(Buffer.from(body)).toString('utf8')) as { data: { details: { request: { body: unknown } } } };
    expect(out.data.details.request.body).toEqual({ Operations: [{ op: 'replace', path: 'password' }, { op: 'replace', path: 'active', value: false }] });
  });

  it('returns the original bytes when there is nothing to remove, and leaves non-JSON alone', () => {
    const clean = Buffer.from(`[ ${fixtureText('s')} ]`);
    expect(redactAuth0Body(clean)).toBe(clean);
    const broken = Buffer.from('{"log_id": ');
    expect(redactAuth0Body(broken)).toBe(broken);
    const mixed = Buffer.from(`${JSON.stringify(JSON.parse(fixtureText('ss')))}\nnot json "password": "x"\n`);
    const out = redactAuth0Body(mixed).toString('utf8');
    expect(out).not.toContain('hunter2-PLAINTEXT');
    expect(out.split('\n')[1]).toBe('not json "password": "x"');
  });

  it('is the module webhook redactor, and the redacted body still maps to the same events', () => {
    const body = Buffer.from(JSON.stringify(['sapi.delete-user', 'seccft', 'sscim.post-user'].map((n) => JSON.parse(fixtureText(n)) as unknown)));
    const redacted = auth0.webhook!.redactBody!(body);
    const norm = (b: Buffer) => auth0.normalize({ body: b, contentType: 'application/json', transport: 'webhook', receivedAt: 1, rawId: 'r' });
    expect(norm(redacted)).toEqual(norm(body));
  });
});
