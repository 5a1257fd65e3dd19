// `npm run test:containers` picks its Docker engine and the suites' environment here
// (scripts/test-containers/selection.ts, ping.ts). Expected values are written from Docker's
// conventions: DOCKER_HOST unix:// or tcp:// (2375 plain, 2376 with DOCKER_TLS_VERIFY=1), else the
// rootful socket, the rootless one under XDG_RUNTIME_DIR, Docker Desktop's under the home. The
// probe is exercised against real listeners: a stand-in engine on a unix socket answering
// GET /_ping, a socket file nobody listens on, a closed TCP port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  chooseEngine,
  containersEnv,
  CONTAINER_SUITES,
  dockerCandidates,
  parseDockerHost,
  type DockerEndpoint,
} from '../../../scripts/test-containers/selection.ts';
import { answering, ping } from '../../../scripts/test-containers/ping.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../core/repo-root.ts';

describe('where to look for a Docker engine', () => {
  it("DOCKER_HOST alone when set: a unix socket, or a tcp address with Docker's default ports", () => {
    expect(dockerCandidates({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, '/home/u')).toEqual({
      endpoints: [{ kind: 'socket', path: '/run/user/1000/docker.sock', from: 'DOCKER_HOST' }],
      problem: null,
    });
    expect(dockerCandidates({ DOCKER_HOST: 'tcp://docker.internal:2375' }, '/home/u').endpoints).toEqual([
      { kind: 'tcp', host: 'docker.internal', port: 2375, tls: false, from: 'DOCKER_HOST' },
    ]);
    expect(dockerCandidates({ DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1' }, '/home/u').endpoints).toEqual([
      { kind: 'tcp', host: '10.0.0.5', port: 2376, tls: true, from: 'DOCKER_HOST' },
    ]);
    expect(dockerCandidates({ DOCKER_HOST: 'tcp://10.0.0.5' }, '/home/u').endpoints).toEqual([
      { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false, from: 'DOCKER_HOST' },
    ]);
  });

  it('a DOCKER_HOST it cannot use is a reason to skip, not a silent fallback to another engine', () => {
    expect(dockerCandidates({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, '/home/u')).toEqual({
      endpoints: [],
      problem: 'DOCKER_HOST=npipe:////./pipe/docker_engine: only unix:// and tcp:// are supported here',
    });
    expect(parseDockerHost('unix://relative.sock')).toBe('DOCKER_HOST=unix://relative.sock: expected unix:///absolute/path');
    expect(chooseEngine(dockerCandidates({ DOCKER_HOST: 'ssh://me@host' }, '/home/u'), new Set())).toEqual({
      skip: 'test:containers: no Docker engine (DOCKER_HOST=ssh://me@host: only unix:// and tcp:// are supported here); skipped',
    });
  });

  it('without DOCKER_HOST: rootful socket, rootless socket (XDG_RUNTIME_DIR), Docker Desktop socket, in that order', () => {
    expect(dockerCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/u').endpoints.map((e) => (e as { path: string }).path)).toEqual([
      '/var/run/docker.sock',
      '/run/user/1000/docker.sock',
      '/home/u/.docker/run/docker.sock',
    ]);
    expect(dockerCandidates({ DOCKER_HOST: '  ' }, '/home/u').endpoints.map((e) => (e as { path: string }).path)).toEqual([
      '/var/run/docker.sock',
      '/home/u/.docker/run/docker.sock',
    ]);
  });

  it('chooses the first candidate that answered; none answering is one line naming what was tried', () => {
    const c = dockerCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/u');
    expect(chooseEngine(c, new Set(['unix:///home/u/.docker/run/docker.sock', 'unix:///run/user/1000/docker.sock']))).toEqual({
      engine: { kind: 'socket', path: '/run/user/1000/docker.sock', from: 'default socket' },
    });
    expect(chooseEngine(c, new Set())).toEqual({
      skip: 'test:containers: no Docker engine reachable (tried unix:///var/run/docker.sock, unix:///run/user/1000/docker.sock, unix:///home/u/.docker/run/docker.sock); skipped',
    });
  });
});

describe("the suites' environment", () => {
  const engine: DockerEndpoint = { kind: 'socket', path: '/var/run/docker.sock', from: 'default socket' };
  const endpoints = {
    kafka: { host: 'localhost', port: 32801 },
    clickhouse: { host: 'localhost', httpPort: 32802, user: 'test', password: 'pw', database: 'planewatch' },
  };

  it('sets KAFKA_BROKERS and the ClickHouse server, keeps the rest, drops KAFKA_PORT, pins DOCKER_HOST to the engine found', () => {
    const env = containersEnv(
      { PATH: '/usr/bin', KAFKA_PORT: '9092', CLICKHOUSE_URL: 'http://old:8123', UNSET: undefined },
      endpoints,
      engine,
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      DOCKER_HOST: 'unix:///var/run/docker.sock',
      KAFKA_BROKERS: 'localhost:32801',
      CLICKHOUSE_URL: 'http://localhost:32802',
      CLICKHOUSE_USER: 'test',
      CLICKHOUSE_PASSWORD: 'pw',
      CLICKHOUSE_DATABASE: 'planewatch',
    });
  });

  it('runs the integration and end-to-end suites', () => {
    expect([...CONTAINER_SUITES]).toEqual(['test/integration', 'test/e2e']);
  });
});

describe('probing an endpoint (GET /_ping)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pw-docker-ping-'));
  const engineSocket = path.join(dir, 'engine.sock');
  const deadSocket = path.join(dir, 'dead.sock');
  let engine: http.Server;
  let closedPort = 0;

  beforeAll(async () => {
    engine = http.createServer((req, res) => {
      res.writeHead(req.url === '/_ping' ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(req.url === '/_ping' ? 'OK' : 'no');
    });
    await new Promise<void>((resolve) => engine.listen(engineSocket, resolve));
    writeFileSync(deadSocket, ''); // a leftover file where no engine listens
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => engine.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('an engine answering /_ping is reachable; a missing socket, a dead socket file and a closed port are not', async () => {
    expect(await ping({ kind: 'socket', path: engineSocket, from: 'DOCKER_HOST' })).toBe(true);
    expect(await ping({ kind: 'socket', path: path.join(dir, 'missing.sock'), from: 'default socket' })).toBe(false);
    expect(await ping({ kind: 'socket', path: deadSocket, from: 'default socket' })).toBe(false);
    expect(await ping({ kind: 'tcp', host: '127.0.0.1', port: closedPort, tls: false, from: 'DOCKER_HOST' })).toBe(false);
  });

  it('end to end: DOCKER_HOST at the stand-in engine is chosen; pointed at a dead socket, the run is skipped', async () => {
    const live = dockerCandidates({ DOCKER_HOST: `unix://${engineSocket}` }, '/home/u');
    expect(chooseEngine(live, await answering(live.endpoints))).toEqual({
      engine: { kind: 'socket', path: engineSocket, from: 'DOCKER_HOST' },
    });
    const dead = dockerCandidates({ DOCKER_HOST: `unix://${deadSocket}` }, '/home/u');
    expect(chooseEngine(dead, await answering(dead.endpoints))).toEqual({
      skip: `test:containers: no Docker engine reachable (tried unix://${deadSocket}); skipped`,
    });
  });

  it('npm run test:containers without an engine: one line on stdout, nothing on stderr, exit 0', async () => {
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'scripts', 'test-containers.ts')], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: dir, DOCKER_HOST: `unix://${deadSocket}` },
    });
    expect(run.stdout).toBe(`test:containers: no Docker engine reachable (tried unix://${deadSocket}); skipped\n`);
    expect(run.stderr).toBe('');
  }, 30_000);
});
