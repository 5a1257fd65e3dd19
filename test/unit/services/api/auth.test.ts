// API tokens from the boundary map: values only from the named environment variables, scopes per
// endpoint, tenant-scoped tokens kept to per-tenant endpoints.
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';
import { authorize, createAuthenticator, resolveApiTokens } from '../../../../services/api/auth.ts';

const map = BoundaryMapSchema.parse({
  api: {
    tokens: [
      { name: 'auditor', token_env: 'PW_TOKEN_AUDITOR', scopes: ['findings', 'export'] },
      { name: 'globex', token_env: 'PW_TOKEN_GLOBEX', scopes: ['findings'], tenant: 'org_01GLOBEX' },
    ],
  },
});
const req = (auth?: string) => ({ headers: auth ? { authorization: auth } : {} }) as IncomingMessage;

describe('api tokens', () => {
  it('the config names environment variables and scopes; a typo is an error naming the field', () => {
    const bad = BoundaryMapSchema.safeParse({ api: { tokens: [{ name: 'x', token_env: 'sk-live-123', scopes: ['findigns'] }] } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      'api.tokens.0.token_env: expected the NAME of an environment variable (A-Z, 0-9, _), not the secret itself',
      'api.tokens.0.scopes.0: expected one of findings, lag, people, credentials, evidence, export, events, status, boundaries',
    ]);
    expect(BoundaryMapSchema.parse({}).api).toEqual({ tokens: [] });
  });

  it('values come from the environment; a missing or short one is an error naming the variable', () => {
    expect(() => resolveApiTokens(map, { PW_TOKEN_AUDITOR: 'a'.repeat(20) })).toThrow(
      'api.tokens[1] (globex): environment variable PW_TOKEN_GLOBEX must hold the token (at least 16 characters)',
    );
    expect(() => resolveApiTokens(map, { PW_TOKEN_AUDITOR: 'short', PW_TOKEN_GLOBEX: 'g'.repeat(20) })).toThrow('PW_TOKEN_AUDITOR');
    expect(resolveApiTokens(map, { PW_TOKEN_AUDITOR: 'a'.repeat(20), PW_TOKEN_GLOBEX: 'g'.repeat(20) })).toEqual([
      { name: 'auditor', token: 'a'.repeat(20), scopes: ['findings', 'export'], tenant: null },
      { name: 'globex', token: 'g'.repeat(20), scopes: ['findings'], tenant: 'org_01GLOBEX' },
    ]);
  });

  it('authenticates by bearer token and authorizes by scope and tenant', () => {
    const auth = createAuthenticator(
      'l'.repeat(20),
      resolveApiTokens(map, { PW_TOKEN_AUDITOR: 'a'.repeat(20), PW_TOKEN_GLOBEX: 'g'.repeat(20) }),
    );
    expect(auth(req())).toBeNull();
    expect(auth(req('Bearer nope'))).toBeNull();
    expect(auth(req('Basic ' + 'a'.repeat(20)))).toBeNull();
    const local = auth(req('Bearer ' + 'l'.repeat(20)))!;
    const auditor = auth(req('Bearer ' + 'a'.repeat(20)))!;
    const globex = auth(req('Bearer ' + 'g'.repeat(20)))!;
    expect([local.name, auditor.name, globex.name, globex.tenant]).toEqual(['local', 'auditor', 'globex', 'org_01GLOBEX']);
    expect(authorize(local, '/api/v1/lag')).toBeNull();
    expect(authorize(auditor, '/api/v1/export')).toBeNull();
    expect(authorize(auditor, '/api/v1/people/a@b.example')).toBe('token "auditor" lacks the "people" scope');
    expect(authorize(globex, '/api/v1/findings')).toBeNull();
    expect(authorize(globex, '/api/v1/export')).toBe('token "globex" lacks the "export" scope');
  });
});
