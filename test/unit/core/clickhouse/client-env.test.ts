import { describe, expect, it } from 'vitest';
import { createClickHouse, fromEnv, DEFAULT_MAX_MEMORY_USAGE } from '../../../../core/clickhouse/client.ts';
import { ConfigError } from '../../../../core/config/errors.ts';

describe('clickhouse fromEnv', () => {
  it('defaults to embedded chDB', () => {
    expect(fromEnv({}, '/data')).toEqual({ dataDir: '/data' });
    expect(fromEnv({ CLICKHOUSE_URL: '', CLICKHOUSE_DATABASE: 'default' }, '/data')).toEqual({ dataDir: '/data', database: 'default' });
    expect(DEFAULT_MAX_MEMORY_USAGE).toBe(4 * 2 ** 30);
  });

  it('reads a server configuration', () => {
    expect(
      fromEnv(
        {
          CLICKHOUSE_URL: 'https://ch.example:8443',
          CLICKHOUSE_USER: 'planewatch',
          CLICKHOUSE_PASSWORD: 's3cret',
          CLICKHOUSE_DATABASE: 'planewatch',
          CLICKHOUSE_MAX_MEMORY_USAGE: '1073741824',
        },
        '/data',
      ),
    ).toEqual({
      dataDir: '/data',
      url: 'https://ch.example:8443',
      username: 'planewatch',
      password: 's3cret',
      database: 'planewatch',
      maxMemoryUsage: 1073741824,
    });
  });

  function problems(env: NodeJS.ProcessEnv): string {
    try {
      fromEnv(env, '/data');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  }

  it('names the variable and what it expects', () => {
    expect(problems({ CLICKHOUSE_URL: 'localhost:8123' })).toMatch(/CLICKHOUSE_URL: expected an http\(s\) URL/);
    expect(problems({ CLICKHOUSE_URL: 'ftp://x' })).toMatch(/CLICKHOUSE_URL: expected an http\(s\) URL/);
    expect(problems({ CLICKHOUSE_MAX_MEMORY_USAGE: '4G' })).toMatch(/CLICKHOUSE_MAX_MEMORY_USAGE: expected a whole number of bytes/);
    expect(problems({ CLICKHOUSE_MAX_MEMORY_USAGE: '-1' })).toMatch(/CLICKHOUSE_MAX_MEMORY_USAGE/);
    expect(problems({ CLICKHOUSE_URL: 'http://x:8123', CLICKHOUSE_DATABASE: 'plane-watch' })).toMatch(
      /CLICKHOUSE_DATABASE: expected a database name/,
    );
    expect(problems({ CLICKHOUSE_USER: 'u' })).toMatch(/CLICKHOUSE_USER: only applies to a ClickHouse server/);
    expect(problems({ CLICKHOUSE_DATABASE: 'planewatch' })).toMatch(
      /CLICKHOUSE_DATABASE: embedded chDB always uses the "default" database/,
    );
  });

  it('reads CLICKHOUSE_CLUSTER for a server, and refuses it in embedded mode (chDB has no Keeper)', () => {
    expect(fromEnv({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'pw_cluster' }, '/data')).toEqual({
      dataDir: '/data',
      url: 'http://ch:8123',
      cluster: 'pw_cluster',
    });
    expect(fromEnv({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: '{cluster}' }, '/data').cluster).toBe('{cluster}');
    expect(fromEnv({ CLICKHOUSE_CLUSTER: ' ' }, '/data')).toEqual({ dataDir: '/data' });
    expect(problems({ CLICKHOUSE_CLUSTER: 'pw_cluster' })).toMatch(
      /CLICKHOUSE_CLUSTER: cluster mode replicates through ClickHouse Keeper, which embedded chDB does not have/,
    );
    expect(problems({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: "pw'; DROP" })).toMatch(
      /CLICKHOUSE_CLUSTER: expected a cluster name/,
    );
    expect(() => createClickHouse({ dataDir: '/data', cluster: 'pw_cluster' })).toThrow(/embedded chDB does not have/);
  });

  it('reports every bad variable at once', () => {
    const msg = problems({ CLICKHOUSE_URL: 'nope', CLICKHOUSE_MAX_MEMORY_USAGE: 'lots' });
    expect(msg).toContain('CLICKHOUSE_URL');
    expect(msg).toContain('CLICKHOUSE_MAX_MEMORY_USAGE');
  });
});
