// `planewatch replay` as a user runs it (node bin/planewatch.js in a child process) while planewatch
// is NOT running on the data dir: `--dry-run` opens the embedded store itself and counts exactly what
// each filter selects; a real replay refuses with exit 1 (it needs the running normalizer and sink);
// an unfinished replay's checkpoint is reported (and its stored window used) by the same command.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { rawEnvelopeToRow } from '../../core/clickhouse/rows.ts';
import { replaySpec } from '../../services/replay/filter.ts';
import { replayCheckpointPath, writeReplayCheckpoint, ZERO_TOTALS } from '../../services/replay/checkpoint.ts';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const dataDir = mkdtempSync(path.join(tmpdir(), 'pw-replay-cli-'));
const configPath = path.join(dataDir, 'planewatch.yaml');

const envelope = (id: string, source: string, connection: string, receivedAt: string, body: string) =>
  rawEnvelopeToRow({
    id,
    source,
    connection_id: connection,
    received_at: Date.parse(receivedAt),
    transport: 'webhook',
    content_type: 'application/json',
    headers: {},
    body: Buffer.from(body),
    verification: { scheme: 'test', verified: true, detail: null },
  });

beforeAll(async () => {
  writeFileSync(
    configPath,
    `
connections:
  - id: workos-main
    vendor: workos
    transport: webhook
    secret_env: TEST_WORKOS_SECRET
    plane: application
`,
  );
  const ch = createClickHouse({ dataDir });
  await migrate(ch.client);
  await ch.client.insert({
    table: 'raw_envelopes',
    format: 'JSONEachRow',
    values: [
      envelope('raw_w1', 'workos', 'workos-main', '2026-11-01T10:00:00.000Z', '{"n":1}'),
      envelope('raw_w2', 'workos', 'workos-main', '2026-11-10T10:00:00.000Z', '{"n":22}'),
      envelope('raw_o1', 'okta', 'okta-main', '2026-11-05T10:00:00.000Z', '{"n":333}'),
    ],
  });
  // The same envelope stored twice (a redelivery): FINAL counts it once.
  await ch.client.insert({
    table: 'raw_envelopes',
    format: 'JSONEachRow',
    values: [envelope('raw_w1', 'workos', 'workos-main', '2026-11-01T10:00:00.000Z', '{"n":1}')],
  });
  await ch.close();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.resolve('bin/planewatch.js'), ...args],
      {
        env: { PATH: process.env.PATH, PLANEWATCH_CONFIG: configPath, PLANEWATCH_DATA_DIR: dataDir, PLANEWATCH_LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('planewatch replay while planewatch is stopped', () => {
  it('--dry-run counts per connection; filters select exactly', async () => {
    const all = await cli('replay', '--all', '--dry-run', '--format', 'json');
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({
      dry_run: true,
      filter: { all: true, source: null, connection: null, since: null, until: null },
      matched: 3,
      bytes: 24,
      by_connection: [
        { source: 'okta', connection_id: 'okta-main', envelopes: 1, bytes: 9 },
        { source: 'workos', connection_id: 'workos-main', envelopes: 2, bytes: 15 },
      ],
      would_resume: false,
    });
    const range = await cli('replay', '--since', '2026-11-02', '--until', '2026-11-10T10:00:00.000Z', '--dry-run', '--format', 'json');
    expect(JSON.parse(range.stdout)).toMatchObject({
      matched: 1,
      by_connection: [{ source: 'okta', connection_id: 'okta-main', envelopes: 1, bytes: 9 }],
    });
    // --until is exclusive, --since inclusive
    expect(JSON.parse((await cli('replay', '--since', '2026-11-10T10:00:00.000Z', '--dry-run', '--format', 'json')).stdout).matched).toBe(
      1,
    );
    expect(JSON.parse((await cli('replay', '--source', 'okta', '--dry-run', '--format', 'json')).stdout).matched).toBe(1);
    const table = await cli('replay', '--source', 'workos', '--dry-run');
    expect(table.stdout).toBe(
      [
        'SOURCE  CONNECTION   ENVELOPES  BYTES',
        '------  -----------  ---------  -----',
        'workos  workos-main  2          15',
        'dry run: 2 envelope(s), 15 bytes would be replayed; nothing was changed',
        '',
      ].join('\n'),
    );
  });

  it('an unfinished replay: the same command reports it and keeps its stored window', async () => {
    writeReplayCheckpoint(replayCheckpointPath(dataDir), {
      replay_id: 'replay_test',
      spec: replaySpec({ since: '30d' }),
      filter: { all: false, source: null, connection: null, since: Date.parse('2026-11-04T00:00:00Z'), until: null },
      started_at: '2026-11-29T20:00:00.000Z',
      matched: 2,
      cursor: null,
      phase: 'replaying',
      totals: { ...ZERO_TOTALS },
      updated_at: '2026-11-29T20:00:00.000Z',
    });
    const r = JSON.parse((await cli('replay', '--since', '30d', '--dry-run', '--format', 'json')).stdout);
    expect(r).toMatchObject({ would_resume: true, matched: 2, filter: { since: Date.parse('2026-11-04T00:00:00Z') } });
    expect(JSON.parse((await cli('replay', '--since', '31d', '--dry-run', '--format', 'json')).stdout).would_resume).toBe(false);
  });

  it('a real replay needs the running pipeline: exit 1 with the reason', async () => {
    const r = await cli('replay', '--all');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `planewatch replay: planewatch is not running on ${dataDir}: start it (planewatch start) — a replay goes through its normalizer and sink. In a split deployment set CLICKHOUSE_URL and KAFKA_BROKERS to run it from here.\n`,
    );
  });
});
