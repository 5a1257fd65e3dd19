// `planewatch` loads only what the command it runs uses (cli/command-table.ts, cli/store-context.ts):
// the CLI runs as a user runs it (node bin/planewatch.js, on the build the global setup made) with
// a module-resolution hook that records every module it loads (test/helpers/record-module-loads.mjs).
// `findings` is answered by bench/lib/findings-api-stub.ts, a stand-in for the running process's API.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../core/repo-root.ts';
import { COMMANDS, commandName } from '../../cli/command-table.ts';
import { startFindingsApiStub, stubFinding, type FindingsApiStub } from '../../bench/lib/findings-api-stub.ts';

const RECORDER = path.join(REPO_ROOT, 'test/helpers/record-module-loads.mjs');
const BIN = path.join(REPO_ROOT, 'bin/planewatch.js');
const CHDB = /\/node_modules\/chdb\//;
const CLICKHOUSE_CLIENT = /\/node_modules\/@clickhouse\//;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pw-cli-lazy-'));
let seq = 0;

/** Runs the CLI; returns its exit code, output and the URLs of the modules it loaded. */
function cli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string; loaded: string[] }> {
  const loads = path.join(tmp, `loads-${++seq}.txt`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', RECORDER, BIN, ...args],
      {
        cwd: tmp,
        env: {
          PATH: process.env.PATH,
          HOME: tmp,
          PLANEWATCH_DATA_DIR: dataDir,
          PLANEWATCH_LOG_LEVEL: 'silent',
          PLANEWATCH_RECORD_LOADS: loads,
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        let loaded: string[] = [];
        try {
          loaded = [...new Set(readFileSync(loads, 'utf8').split('\n').filter(Boolean))];
        } catch {
          // nothing recorded
        }
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr, loaded });
      },
    );
  });
}

let stub: FindingsApiStub;
const runningDir = path.join(tmp, 'running');
const stoppedDir = path.join(tmp, 'stopped');

beforeAll(async () => {
  stub = await startFindingsApiStub(runningDir, 3);
});

afterAll(async () => {
  await stub.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('planewatch loads only what the command uses', () => {
  it('--help lists every command from the build without loading any command module, chDB or the ClickHouse client', async () => {
    const r = await cli(stoppedDir, '--help');
    expect(r.code, r.stderr).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(commandName(c));
    expect(r.loaded.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(r.loaded.filter((u) => u.includes('/cli/commands/'))).toEqual([]);
    expect(r.loaded.filter((u) => CHDB.test(u) || CLICKHOUSE_CLIENT.test(u))).toEqual([]);
  });

  it("findings answered by the running process's API loads neither chDB, the ClickHouse client, Kafka, the vendor modules nor the detection engine", async () => {
    const r = await cli(runningDir, 'findings', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { fingerprint: string }[]).map((f) => f.fingerprint)).toEqual(
      [0, 1, 2].map((i) => stubFinding(i).fingerprint),
    );
    expect(r.loaded.some((u) => u.endsWith('/dist/cli/commands/findings.js'))).toBe(true);
    expect(r.loaded.filter((u) => CHDB.test(u) || CLICKHOUSE_CLIENT.test(u) || /\/node_modules\/kafkajs\//.test(u))).toEqual([]);
    expect(
      r.loaded.filter((u) => /\/sources\/registry\.js$|\/core\/detections\/engine\.js$|\/cli\/commands\/(?!findings|query-common)/.test(u)),
    ).toEqual([]);
  });

  it('migrations print --cluster reads the files only: neither chDB nor the ClickHouse client', async () => {
    const r = await cli(stoppedDir, 'migrations', 'print', '--cluster', 'pw');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("CREATE TABLE IF NOT EXISTS identity_events ON CLUSTER 'pw'");
    expect(r.loaded.some((u) => u.endsWith('/dist/cli/commands/migrations.js'))).toBe(true);
    expect(r.loaded.filter((u) => CHDB.test(u) || CLICKHOUSE_CLIENT.test(u))).toEqual([]);
  });

  it('findings with no process running opens the store itself, and only then loads chDB', async () => {
    const r = await cli(stoppedDir, 'findings', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
    expect(r.loaded.some((u) => CHDB.test(u))).toBe(true);
  });
});
