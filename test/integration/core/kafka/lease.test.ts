// core/kafka/lease.ts against the shared test broker, with two candidates as child processes
// (test/fixtures/lease/candidate.ts) recording each unit of work they did while holding the lease.
// A standby joining leaves the lease with the live leader (sticky); a leader killed with SIGKILL
// or frozen with SIGSTOP past its session is replaced within the session timeout plus a few
// seconds; and the units of the two never overlap, the frozen one's after it resumes included.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createKafka } from '../../../../core/kafka/client.ts';
import { startLease, withLease } from '../../../../core/kafka/lease.ts';
import { registry } from '../../../../core/metrics.ts';
import { REPO_ROOT } from '../../../../core/repo-root.ts';
import { waitFor } from '../../../helpers/wait.ts';

const SESSION_MS = 6000; // the broker's group.min.session.timeout.ms (Kafka's default; not lowered in kafka/server.properties.template)
const TAKEOVER_BOUND_MS = SESSION_MS + 5000;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pw-lease-'));
const children: ChildProcess[] = [];

interface Unit {
  start: number;
  end: number;
}

interface Candidate {
  proc: ChildProcess;
  file: string;
  units(): Unit[];
  events: { event: string; at: number }[];
}

function candidate(role: string, name: string): Candidate {
  const file = path.join(dir, `${role}-${name}.jsonl`);
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/fixtures/lease/candidate.ts'), role, file, name], {
    cwd: REPO_ROOT,
    env: { ...process.env, LEASE_SESSION_TIMEOUT_MS: String(SESSION_MS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  const events: { event: string; at: number }[] = [];
  let buffered = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) if (line.trim()) events.push(JSON.parse(line) as { event: string; at: number });
  });
  const units = () =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Unit)
      : [];
  return { proc, file, units, events };
}

const ready = (c: Candidate) => waitFor(async () => c.events.some((e) => e.event === 'ready'), 'candidate ready', 30_000);
const hasUnits = (c: Candidate, n: number) => waitFor(async () => c.units().length >= n, `${n} units recorded`, 30_000, 100);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pairs of units of `a` and `b` that overlap in time. */
function overlaps(a: Unit[], b: Unit[]): [Unit, Unit][] {
  const out: [Unit, Unit][] = [];
  for (const x of a) for (const y of b) if (x.start < y.end && y.start < x.end) out.push([x, y]);
  return out;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('KafkaLease across processes', () => {
  it('keeps the lease with a live leader when a standby joins, and hands it over within the session after SIGKILL', async () => {
    const role = `kill${process.pid}`;
    // Named so that b's member id sorts first: kafkajs's round-robin assigner would give b the lease.
    const a = candidate(role, 'z-first');
    await ready(a);
    await hasUnits(a, 3);
    const spawnedB = Date.now();
    const b = candidate(role, 'a-second');
    await ready(b);
    // (c) sticky: b's join made a rebalance (a dropped the lease and regained it), then a goes on
    // working and b does nothing.
    expect(a.events.some((e) => e.event === 'acquired' && e.at > spawnedB)).toBe(true);
    const joinedAt = Date.now();
    await sleep(3000);
    expect(a.units().some((u) => u.start > joinedAt + 1000)).toBe(true);
    expect(b.units()).toEqual([]);

    const killedAt = Date.now();
    a.proc.kill('SIGKILL');
    await waitFor(async () => b.units().length > 0, 'the standby working', TAKEOVER_BOUND_MS + 5000, 100);
    const takeover = b.units()[0]!.start - killedAt;
    console.log(`lease takeover after SIGKILL: ${takeover} ms (session ${SESSION_MS} ms)`);
    expect(takeover).toBeLessThan(TAKEOVER_BOUND_MS);
    await hasUnits(b, 3);
    expect(overlaps(a.units(), b.units())).toEqual([]);
    b.proc.kill('SIGKILL');
  }, 90_000);

  it('never lets a leader frozen past its session act alongside the one that took over', async () => {
    const role = `freeze${process.pid}`;
    const a = candidate(role, 'z-first');
    await ready(a);
    await hasUnits(a, 3);
    const b = candidate(role, 'a-second');
    await ready(b);
    await sleep(1000);
    expect(b.units()).toEqual([]);

    const frozenAt = Date.now();
    a.proc.kill('SIGSTOP');
    await waitFor(async () => b.units().length > 0, 'the standby working', TAKEOVER_BOUND_MS + 5000, 100);
    const takeover = b.units()[0]!.start - frozenAt;
    console.log(`lease takeover after SIGSTOP: ${takeover} ms (session ${SESSION_MS} ms)`);
    expect(takeover).toBeLessThan(TAKEOVER_BOUND_MS);
    // Frozen longer than its session, then resumed while b works.
    await sleep(Math.max(0, frozenAt + SESSION_MS + 2000 - Date.now()));
    const resumedAt = Date.now();
    a.proc.kill('SIGCONT');
    await sleep(SESSION_MS);

    expect(overlaps(a.units(), b.units())).toEqual([]);
    // b keeps the lease: a came back claiming an expired lease, so nothing it did since is recorded.
    expect(a.units().filter((u) => u.end > resumedAt)).toEqual([]);
    expect(b.units().some((u) => u.start > resumedAt + 2000)).toBe(true);
    a.proc.kill('SIGKILL');
    b.proc.kill('SIGKILL');
  }, 90_000);

  it('withLease is a mutex: concurrent callers run one after another, each after the previous released', async () => {
    const kafka = createKafka(process.env.KAFKA_BROKERS!.split(','), 'lease-mutex-test', { log: pino({ level: 'silent' }) });
    const role = `mutex${process.pid}`;
    const runs: Unit[] = [];
    const critical = async () => {
      const start = Date.now();
      await sleep(300);
      runs.push({ start, end: Date.now() });
    };
    await Promise.all([0, 1, 2].map(() => withLease(kafka, role, critical, { sessionTimeoutMs: SESSION_MS })));
    expect(runs).toHaveLength(3);
    const sorted = [...runs].sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
  }, 60_000);

  it('a single candidate on a fresh group leads once start() resolves', async () => {
    const kafka = createKafka(process.env.KAFKA_BROKERS!.split(','), 'lease-single-test', { log: pino({ level: 'silent' }) });
    const started = Date.now();
    const lease = await startLease(kafka, `single${process.pid}`, { sessionTimeoutMs: SESSION_MS });
    // Informational (start-up cost of one lease: topic, connect, first join); not asserted.
    console.log(`startLease on a fresh group: ${Date.now() - started} ms`);
    const metric = async (name: string) =>
      (await registry.getSingleMetric(name)!.get()).values.find((v) => v.labels.role === lease.role)?.value;
    try {
      expect(lease.holds()).toBe(true);
      expect(await lease.fence()).toBe(true);
      expect(await metric('planewatch_lease_leader')).toBe(1);
      // Several heartbeats later it still holds, never having dropped it: one change, the gain.
      await sleep(4000);
      expect(lease.holds()).toBe(true);
      expect(await metric('planewatch_lease_changes_total')).toBe(1);
    } finally {
      await lease.stop();
    }
    expect(lease.holds()).toBe(false);
    expect(await lease.fence()).toBe(false);
    expect(await metric('planewatch_lease_leader')).toBe(0);
    expect(await metric('planewatch_lease_changes_total')).toBe(2);
  }, 60_000);
});
