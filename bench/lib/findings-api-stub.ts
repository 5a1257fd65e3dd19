// A stand-in for the running planewatch's API, for measuring CLI start-up without starting a
// pipeline: answers GET /api/v1/findings with one fixed page of findings (the route's shape:
// { data, next_cursor }), and writes the run files (<dataDir>/run/server.json, api-token) through
// which the CLI finds a running process. Anything else is a 404.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FindingJson } from '../../store/findings/findings.ts';
import { clearRunInfo, writeRunInfo } from '../../core/run-file.ts';

export const STUB_TOKEN = 'bench-findings-stub-token';

export function stubFinding(i: number): FindingJson {
  const at = new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString();
  return {
    detection: 'PW-ORPHANED-ACCOUNT',
    fingerprint: i.toString(16).padStart(32, '0'),
    status: 'open',
    severity: i % 3 === 0 ? 'high' : 'medium',
    kind: 'state',
    plane: 'application',
    tenant: 'org_bench',
    source: 'workos',
    subject: { kind: 'user', id: `user_${i}`, email: `person${i}@example.com` },
    first_seen: at,
    last_seen: at,
    opened_at: at,
    resolved_at: null,
    resolution: null,
    acknowledged_at: null,
    acknowledged_by: null,
    reopen_count: 0,
    evidence: { event_ids: [`ev_${i}`], raw_ids: [`raw_${i}`] },
    detail: {},
  };
}

export interface FindingsApiStub {
  url: string;
  close(): Promise<void>;
}

/** Listens on a free loopback port and registers itself as the process running on `dataDir`. */
export async function startFindingsApiStub(dataDir: string, findings = 25): Promise<FindingsApiStub> {
  const body = JSON.stringify({ data: Array.from({ length: findings }, (_, i) => stubFinding(i)), next_cursor: null });
  const server = http.createServer((req, res) => {
    const ok = req.headers.authorization === `Bearer ${STUB_TOKEN}` && new URL(req.url ?? '/', 'http://x').pathname === '/api/v1/findings';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(ok ? body : JSON.stringify({ error: { message: 'not found' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The pid is this process's: the CLI checks that the process named in server.json is alive.
  writeRunInfo(dataDir, { pid: process.pid, url, startedAt: new Date().toISOString() }, STUB_TOKEN);
  return {
    url,
    close: async () => {
      clearRunInfo(dataDir);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
