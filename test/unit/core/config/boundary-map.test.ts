import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseBoundaryMap, loadBoundaryMap } from '../../../../core/config/load.ts';
import { ConfigError } from '../../../../core/config/errors.ts';
import { loadEnv } from '../../../../core/config/env.ts';
import { resolveSecrets, devSecretPath } from '../../../../core/config/secrets.ts';
import { parseDuration, formatDuration } from '../../../../core/config/duration.ts';

const VENDORS = ['workos', 'okta'];

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('boundary map', () => {
  it('parses the shipped example config', () => {
    const text = readFileSync(new URL('../../../../planewatch.example.yaml', import.meta.url), 'utf8');
    const map = parseBoundaryMap(text, 'planewatch.example.yaml', ['workos', 'okta', 'openai']);
    expect(map.planes.platform.deprovision_sla).toBe(24 * 3600_000);
    expect(map.planes.application.stale_after).toBe(90 * 86_400_000);
    const workos = map.connections.find((c) => c.id === 'workos-main');
    expect(workos?.plane_rules[0]).toEqual({ organization_id: 'org_01ACMEWORKFORCE', plane: 'platform', authoritative_for: 'employees' });
    expect(workos?.signature_tolerance).toBe(180_000);
  });

  it('applies defaults for an empty file', () => {
    const map = parseBoundaryMap('', 'empty.yaml');
    expect(map.planes.platform).toEqual({
      deprovision_sla: 86_400_000,
      exposure_sla: 86_400_000,
      grace: 3_600_000,
      stale_after: 7_776_000_000,
      pre_departure_window: 604_800_000,
      silent_after: 86_400_000,
      silent_poll_factor: 3,
    });
    expect(map.connections).toEqual([]);
  });

  it('names the path and the expectation of a bad duration', () => {
    expect(problemsOf(() => parseBoundaryMap('planes:\n  platform: { deprovision_sla: soon }\n', 'x.yaml'))).toEqual([
      'planes.platform.deprovision_sla: expected a duration like "90d", "24h", "5m" or "30s", got "soon"',
    ]);
  });

  it('rejects unknown keys, naming them', () => {
    const problems = problemsOf(() =>
      parseBoundaryMap('connections:\n  - { id: a, vendor: workos, transport: webhook, secret_env: S, secrte: x }\n', 'x.yaml'),
    );
    expect(problems).toEqual(['connections[0]: unknown key(s) "secrte": remove or correct them']);
  });

  it('rejects a bad transport, a bad plane, an unknown vendor and a missing webhook secret', () => {
    expect(
      problemsOf(() => parseBoundaryMap('connections:\n  - { id: a, vendor: workos, transport: carrier-pigeon }\n', 'x.yaml')),
    ).toEqual(['connections[0].transport: expected one of webhook, poll, scim, inventory']);
    expect(
      problemsOf(() => parseBoundaryMap('connections:\n  - { id: a, vendor: workos, transport: poll, plane: customer }\n', 'x.yaml')),
    ).toEqual(['connections[0].plane: expected "platform" or "application"']);
    expect(problemsOf(() => parseBoundaryMap('connections:\n  - { id: a, vendor: nope, transport: poll }\n', 'x.yaml', VENDORS))).toEqual([
      'connections[0].vendor: unknown vendor "nope"; expected one of workos, okta',
    ]);
    expect(problemsOf(() => parseBoundaryMap('connections:\n  - { id: a, vendor: workos, transport: webhook }\n', 'x.yaml'))).toEqual([
      'connections[0].secret_env: a webhook connection needs secret_env: the name of the environment variable holding its signing secret',
    ]);
  });

  it('rejects a secret pasted where an env var name belongs, and duplicate ids', () => {
    expect(
      problemsOf(() =>
        parseBoundaryMap('connections:\n  - { id: a, vendor: workos, transport: webhook, secret_env: "whsec_abc123" }\n', 'x.yaml'),
      )[0],
    ).toMatch(/^connections\[0\]\.secret_env: expected the NAME of an environment variable/);
    expect(
      problemsOf(() =>
        parseBoundaryMap(
          'connections:\n  - { id: a, vendor: workos, transport: poll }\n  - { id: a, vendor: okta, transport: poll }\n',
          'x.yaml',
        ),
      ),
    ).toEqual(['connections[1].id: duplicate connection id "a" (also connections[0])']);
  });

  it('reports invalid YAML with the file name', () => {
    const err = (() => {
      try {
        parseBoundaryMap('planes: [unclosed', 'bad.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toContain('bad.yaml');
    expect(err!.problems[0]).toMatch(/^not valid YAML: /);
  });

  it('falls back to the embedded defaults, and reports a missing PLANEWATCH_CONFIG file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-cfg-'));
    const loaded = loadBoundaryMap({ cwd: dir, knownVendors: VENDORS });
    expect(loaded.embedded).toBe(true);
    expect(loaded.map.connections.map((c) => c.id)).toEqual(['workos-demo']);
    expect(problemsOf(() => loadBoundaryMap({ cwd: dir, configPath: 'missing.yaml' }))[0]).toContain('does not exist');
    writeFileSync(path.join(dir, 'planewatch.yaml'), 'connections: []\n');
    expect(loadBoundaryMap({ cwd: dir }).embedded).toBe(false);
  });
});

describe('secrets', () => {
  const map = parseBoundaryMap('connections:\n  - { id: wk, vendor: workos, transport: webhook, secret_env: WK_SECRET }\n', 'x.yaml');

  it('reads secrets from the named variable, and names the variable when it is missing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-sec-'));
    expect(resolveSecrets(map, { env: { WK_SECRET: 's3cret' }, dataDir: dir, generateMissing: false }).get('wk')).toBe('s3cret');
    expect(problemsOf(() => resolveSecrets(map, { env: {}, dataDir: dir, generateMissing: false }))).toEqual([
      'connections[0].secret_env: environment variable WK_SECRET is not set; export it with the signing secret of connection "wk" (workos)',
    ]);
  });

  it('generates a persistent 0600 development secret only when allowed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pw-sec-'));
    const first = resolveSecrets(map, { env: {}, dataDir: dir, generateMissing: true }).get('wk');
    const second = resolveSecrets(map, { env: {}, dataDir: dir, generateMissing: true }).get('wk');
    expect(first).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(second).toBe(first);
    expect(statSync(devSecretPath(dir, 'WK_SECRET')).mode & 0o777).toBe(0o600);
  });
});

describe('environment', () => {
  it('uses defaults and names a bad variable', () => {
    expect(loadEnv({}).PLANEWATCH_HTTP_PORT).toBe(8080);
    expect(problemsOf(() => loadEnv({ PLANEWATCH_HTTP_PORT: 'eighty' }))[0]).toMatch(/^PLANEWATCH_HTTP_PORT: /);
    expect(problemsOf(() => loadEnv({ KAFKA_BROKERS: 'localhost' }))).toEqual([
      'KAFKA_BROKERS: expected host:port[,host:port...] e.g. 127.0.0.1:9092',
    ]);
    expect(problemsOf(() => loadEnv({ CLICKHOUSE_URL: 'not a url' }))[0]).toMatch(/^CLICKHOUSE_URL: expected an http\(s\) URL/);
  });

  it('takes the lease session timeout in whole milliseconds, 10 s by default, at least 1 s', () => {
    expect(loadEnv({}).PLANEWATCH_LEASE_SESSION_TIMEOUT_MS).toBe(10_000);
    expect(loadEnv({ PLANEWATCH_LEASE_SESSION_TIMEOUT_MS: '6000' }).PLANEWATCH_LEASE_SESSION_TIMEOUT_MS).toBe(6000);
    expect(problemsOf(() => loadEnv({ PLANEWATCH_LEASE_SESSION_TIMEOUT_MS: '500' }))).toEqual([
      'PLANEWATCH_LEASE_SESSION_TIMEOUT_MS: expected at least 1000 ms (brokers allow 6000 ms at least by default)',
    ]);
    expect(problemsOf(() => loadEnv({ PLANEWATCH_LEASE_SESSION_TIMEOUT_MS: '10s' }))[0]).toMatch(/^PLANEWATCH_LEASE_SESSION_TIMEOUT_MS: /);
  });
});

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDuration('90d')).toBe(7_776_000_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10 minutes')).toBeNull();
    expect(formatDuration(90_061_000)).toBe('1d 1h');
    expect(formatDuration(61_000)).toBe('1m 1s');
  });
});
