// Connection secrets come from environment variables named in the boundary map. Only on the
// embedded defaults may a missing one be generated (development secret kept in the data dir, 0600),
// so `npm start` works on a fresh machine; a user's own config must provide every secret.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BoundaryMap, Connection } from './boundary-map.ts';
import { ConfigError } from './errors.ts';

export type SecretResolver = (connection: Connection) => string | undefined;

export interface ResolveSecretsOptions {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** Generate and persist missing secrets (embedded defaults only). */
  generateMissing: boolean;
}

export function resolveSecrets(map: BoundaryMap, opts: ResolveSecretsOptions): Map<string, string> {
  const secrets = new Map<string, string>();
  const problems: string[] = [];
  map.connections.forEach((c, i) => {
    if (!c.enabled || !c.secret_env) return;
    let value = opts.env[c.secret_env];
    if (!value && opts.generateMissing) value = devSecret(opts.dataDir, c.secret_env);
    if (!value) {
      problems.push(
        `connections[${i}].secret_env: environment variable ${c.secret_env} is not set; export it with the signing secret of connection "${c.id}" (${c.vendor})`,
      );
      return;
    }
    secrets.set(c.id, value);
  });
  if (problems.length) throw new ConfigError(problems, 'connection secrets');
  return secrets;
}

export function devSecretPath(dataDir: string, envName: string): string {
  return path.join(dataDir, 'secrets', envName);
}

function devSecret(dataDir: string, envName: string): string {
  const file = devSecretPath(dataDir, envName);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
