// Bearer-token authentication and scopes for the read API. Tokens come from the config's
// `api.tokens` (each value read from its environment variable) plus the local token of the
// running process (full access, used by the CLI). Comparison is constant-time on SHA-256 digests.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { API_SCOPES, type BoundaryMap } from '../../core/config/boundary-map.ts';
import { ConfigError } from '../../core/config/errors.ts';

export type Scope = (typeof API_SCOPES)[number];

export interface Principal {
  name: string;
  scopes: ReadonlySet<Scope>;
  /** Set: the principal sees only this tenant's application-plane data. */
  tenant: string | null;
}

interface KnownToken extends Principal {
  digest: Buffer;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The configured tokens with their values from `env`; a missing or short value is an error naming the variable. */
export function resolveApiTokens(
  map: BoundaryMap,
  env: NodeJS.ProcessEnv,
): { name: string; token: string; scopes: Scope[]; tenant: string | null }[] {
  return map.api.tokens.map((t, i) => {
    const value = env[t.token_env];
    if (!value || value.length < 16) {
      throw new ConfigError(
        [`api.tokens[${i}] (${t.name}): environment variable ${t.token_env} must hold the token (at least 16 characters)`],
        'environment',
      );
    }
    return { name: t.name, token: value, scopes: [...t.scopes], tenant: t.tenant ?? null };
  });
}

export function createAuthenticator(
  localToken: string,
  tokens: readonly { name: string; token: string; scopes: readonly Scope[]; tenant: string | null }[] = [],
) {
  const known: KnownToken[] = [
    { name: 'local', digest: digest(localToken), scopes: new Set(API_SCOPES), tenant: null },
    ...tokens.map((t) => ({ name: t.name, digest: digest(t.token), scopes: new Set(t.scopes), tenant: t.tenant })),
  ];
  /** The principal of the request's bearer token, or null (missing or unknown token). */
  return (req: IncomingMessage): Principal | null => {
    // RFC 7235 §2.1: the auth-scheme is case-insensitive (`bearer x`, `BEARER x`); one or more spaces follow it.
    const m = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    const presented = m ? m[1]! : '';
    if (!presented) return null;
    const d = digest(presented);
    let found: KnownToken | null = null;
    // Compare against every token (no early exit) so timing does not tell which one matched.
    for (const k of known) if (timingSafeEqual(d, k.digest) && !found) found = k;
    return found ? { name: found.name, scopes: found.scopes, tenant: found.tenant } : null;
  };
}

/** Which scope each endpoint needs, and whether a tenant-scoped token may use it. */
export const ENDPOINT_SCOPES: readonly { prefix: string; scope: Scope; tenantAllowed: boolean }[] = [
  { prefix: '/api/v1/findings', scope: 'findings', tenantAllowed: true },
  { prefix: '/api/v1/lag', scope: 'lag', tenantAllowed: false },
  { prefix: '/api/v1/people/', scope: 'people', tenantAllowed: true },
  { prefix: '/api/v1/credentials', scope: 'credentials', tenantAllowed: true },
  { prefix: '/api/v1/evidence/', scope: 'evidence', tenantAllowed: true },
  { prefix: '/api/v1/export', scope: 'export', tenantAllowed: false },
  { prefix: '/api/v1/events', scope: 'events', tenantAllowed: false },
  { prefix: '/api/v1/status', scope: 'status', tenantAllowed: false },
  { prefix: '/api/v1/boundaries', scope: 'boundaries', tenantAllowed: false },
];

/** null = allowed; otherwise the reason for a 403. */
export function authorize(p: Principal, pathname: string): string | null {
  const rule = ENDPOINT_SCOPES.find((r) => pathname === r.prefix || (r.prefix.endsWith('/') && pathname.startsWith(r.prefix)));
  if (!rule) return null; // unknown endpoints answer 404
  if (!p.scopes.has(rule.scope)) return `token "${p.name}" lacks the "${rule.scope}" scope`;
  if (p.tenant !== null && !rule.tenantAllowed)
    return `token "${p.name}" is limited to tenant ${p.tenant}; ${rule.prefix} spans every tenant`;
  return null;
}
