// Bench stage: alert latency — event accepted at the collector (its 202, after the Kafka ack) →
// notification received by a local webhook receiver, through the all-in-one process
// (services/all-in-one/main.ts: collector, normalizer, sink, embedded ClickHouse, detector,
// alerter) with the detector on, on real detections fired by real events.
//
// The events: Okta event-hook deliveries, each `user.lifecycle.create` of a new user with an email
// no directory knows, on an Okta connection that is not authoritative for anyone. Each opens one
// PW-UNMANAGED-ACCOUNT finding (an active human platform account linked to no directory account),
// routed to the signed webhook channel. The detector runs with its defaults (evaluation
// `debounce` 5 s after the last new event, `evaluate_every` 5 min), so the latency is what an
// operator sees: debounce + one evaluation + delivery.
//
// Findings are sent in waves (concurrent deliveries, then wait for all their notifications),
// the next wave after the last notification of the previous one. The all-in-one runs in a child
// process on its own topic namespace (PLANEWATCH_TOPIC_PREFIX) and data dir, so nothing earlier
// stages left on the bench broker is consumed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { REPO_ROOT } from '../../local-broker/index.ts';
import { verifyWebhook } from '../../services/alerter/signature.ts';
import { track } from '../lib/proc.ts';

export interface AlertsBenchOptions {
  brokers: string;
  /** Where the child's data dir and config go. */
  runDir: string;
  /** How many findings (default 300). */
  findings?: number;
  /** Deliveries per wave (default 20). */
  wave?: number;
  say?: (msg: string) => void;
}

export interface AlertsBenchRow {
  section: string;
  what: string;
  value: number | null;
  unit: string;
  target?: string;
  met?: boolean | null;
  note?: string;
}

export interface AlertsBenchResult {
  findings: number;
  received: number;
  waves: number;
  latencyMs: { p50: number; p95: number; p99: number; min: number; max: number; mean: number };
  detector: { debounceMs: number; evaluateEveryMs: number };
  signaturesVerified: number;
  durationSec: number;
  loadAvgAtEnd: number[];
}

const OKTA_SECRET = 'okta-bench-hook-secret-not-a-real-one';
const HOOK_SECRET = 'whsec_bench_alerts_not_a_real_secret';

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function oktaDelivery(tag: string, i: number): { body: string; subject: string } {
  const fixture = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/fixtures/okta/user.lifecycle.create.json'), 'utf8')) as Record<
    string,
    unknown
  > & { target: Record<string, unknown>[] };
  const subject = `00uBENCH${tag}${String(i).padStart(6, '0')}`;
  const email = `unmanaged.${tag}.${i}@contractor.example`;
  const event = {
    ...fixture,
    uuid: `bench-${tag}-${i}`,
    published: new Date().toISOString(),
    target: [{ ...fixture.target[0], id: subject, alternateId: email, displayName: `Bench ${i}` }],
    debugContext: { debugData: { requestId: `req-${tag}-${i}` } },
  };
  const body = JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://acme.okta.com/api/v1/eventHooks/bench',
    eventId: `bench-${tag}-${i}`,
    eventTime: new Date().toISOString(),
    contentType: 'application/json',
    data: { events: [event] },
  });
  return { body, subject };
}

export async function runAlertsBench(opts: AlertsBenchOptions): Promise<{ rows: AlertsBenchRow[]; result: AlertsBenchResult }> {
  const say = opts.say ?? (() => undefined);
  const total = opts.findings ?? 300;
  const waveSize = opts.wave ?? 20;
  const tag = Date.now().toString(36);
  const started = performance.now();

  // The webhook receiver: one notification per finding, keyed by the finding's subject id.
  const receivedAt = new Map<string, number>();
  let verified = 0;
  let unexpected = 0;
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const json = JSON.parse(body) as { kind?: string; finding?: { detection?: string; subject?: { id?: string } } };
        if (verifyWebhook(HOOK_SECRET, body, String(req.headers['planewatch-signature'] ?? ''), Math.floor(Date.now() / 1000)).ok)
          verified++;
        const id = json.finding?.subject?.id;
        if (json.kind === 'open' && json.finding?.detection === 'PW-UNMANAGED-ACCOUNT' && id && !receivedAt.has(id)) receivedAt.set(id, at);
        else unexpected++;
      } catch {
        unexpected++;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

  const dataDir = path.join(opts.runDir, 'alerts-all-in-one');
  mkdirSync(dataDir, { recursive: true });
  const configPath = path.join(dataDir, 'planewatch.yaml');
  writeFileSync(
    configPath,
    `
connections:
  - { id: okta-bench, vendor: okta, transport: webhook, secret_env: PW_BENCH_OKTA_SECRET }
alerts:
  channels:
    - { name: bench-hook, type: webhook, url_env: PW_BENCH_ALERT_URL, secret_env: PW_BENCH_ALERT_SECRET }
  routes:
    - { detections: [PW-UNMANAGED-ACCOUNT], channels: [bench-hook] }
`,
  );
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'services/all-in-one/main.ts')], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        KAFKA_BROKERS: opts.brokers,
        PLANEWATCH_TOPIC_PREFIX: `bench-alerts-${tag}.`,
        PLANEWATCH_DATA_DIR: dataDir,
        PLANEWATCH_CONFIG: configPath,
        PLANEWATCH_HTTP_PORT: '0',
        PLANEWATCH_LOG_LEVEL: 'warn',
        PW_BENCH_OKTA_SECRET: OKTA_SECRET,
        PW_BENCH_ALERT_URL: hookUrl,
        PW_BENCH_ALERT_SECRET: HOOK_SECRET,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-8000);
  });
  const runFile = path.join(dataDir, 'run', 'server.json');
  try {
    const t0 = Date.now();
    let url = '';
    while (!url) {
      if (child.exitCode !== null) throw new Error(`all-in-one exited during start-up: ${stderr}`);
      if (Date.now() - t0 > 180_000) throw new Error(`all-in-one did not start within 180 s: ${stderr}`);
      if (existsSync(runFile)) {
        const run = JSON.parse(readFileSync(runFile, 'utf8')) as { pid: number; url: string };
        if (run.pid === child.pid) url = run.url;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    say(
      `alerts: all-in-one up at ${url} (detector on, its defaults: debounce 1 s, max_wait 2 s, evaluate_every 5 min); ${total} findings in waves of ${waveSize}`,
    );

    const latencies: number[] = [];
    let waves = 0;
    for (let first = 0; first < total; first += waveSize) {
      const batch = Array.from({ length: Math.min(waveSize, total - first) }, (_, k) => oktaDelivery(tag, first + k));
      const acceptedAt = new Map<string, number>();
      await Promise.all(
        batch.map(async (d) => {
          for (let attempt = 1; ; attempt++) {
            const res = await fetch(`${url}/webhooks/okta/okta-bench`, {
              method: 'POST',
              body: d.body,
              headers: { 'content-type': 'application/json', authorization: OKTA_SECRET },
            });
            await res.arrayBuffer();
            if (res.status === 202 || res.status === 200) {
              acceptedAt.set(d.subject, performance.now());
              return;
            }
            if (attempt >= 5) throw new Error(`delivery answered ${res.status}`);
            await new Promise((r) => setTimeout(r, 500));
          }
        }),
      );
      const deadline = performance.now() + 600_000;
      while (batch.some((d) => !receivedAt.has(d.subject))) {
        if (performance.now() > deadline)
          throw new Error(
            `wave ${waves + 1}: only ${batch.filter((d) => receivedAt.has(d.subject)).length}/${batch.length} notifications within 10 min`,
          );
        if (child.exitCode !== null) throw new Error(`all-in-one exited: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const d of batch) latencies.push(receivedAt.get(d.subject)! - acceptedAt.get(d.subject)!);
      waves++;
      if (waves % 5 === 0) say(`alerts: ${latencies.length}/${total} notifications received`);
    }

    const sorted = [...latencies].sort((a, b) => a - b);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    const result: AlertsBenchResult = {
      findings: total,
      received: receivedAt.size,
      waves,
      latencyMs: {
        p50: r1(quantile(sorted, 0.5)),
        p95: r1(quantile(sorted, 0.95)),
        p99: r1(quantile(sorted, 0.99)),
        min: r1(sorted[0] ?? NaN),
        max: r1(sorted[sorted.length - 1] ?? NaN),
        mean: r1(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
      },
      detector: { debounceMs: 5000, evaluateEveryMs: 300_000 },
      signaturesVerified: verified,
      durationSec: Math.round((performance.now() - started) / 1000),
      loadAvgAtEnd: os.loadavg().map((x) => Math.round(x * 10) / 10),
    };
    if (unexpected > 0)
      say(`alerts: ${unexpected} notifications that were not a first PW-UNMANAGED-ACCOUNT open (duplicates would count here)`);
    const note =
      `${total} PW-UNMANAGED-ACCOUNT findings from ${total} Okta event-hook deliveries in ${waves} waves of ${waveSize}; ` +
      `accepted (202) → signed webhook received; detector defaults (evaluation 1 s after the last event, at most 2 s after the first unevaluated one); min ${result.latencyMs.min} ms, max ${result.latencyMs.max} ms; ` +
      `${verified}/${receivedAt.size + unexpected} signatures verified, ${unexpected} unexpected notifications; machine load average ${result.loadAvgAtEnd.join(' / ')}`;
    return {
      result,
      rows: [
        {
          section: 'alerts',
          what: 'alert latency p50 (event accepted → notification received), detector on',
          value: result.latencyMs.p50,
          unit: 'ms',
          note,
        },
        {
          section: 'alerts',
          what: 'alert latency p95 (event accepted → notification received), detector on',
          value: result.latencyMs.p95,
          unit: 'ms',
          target: '≤ 5000 ms',
          met: result.latencyMs.p95 <= 5000,
        },
      ],
    };
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 35_000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
    await new Promise<void>((r) => receiver.close(() => r()));
  }
}

// `npx tsx bench/stages/alerts.ts` with KAFKA_BROKERS set: this stage alone (prints the result as JSON).
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS not set (run it through `npm run bench -- --only=alerts`, or point it at a broker)');
  const runDir = path.join(os.tmpdir(), `planewatch-bench-alerts-${randomBytes(4).toString('hex')}`);
  const n = Number(process.argv.find((a) => a.startsWith('--findings='))?.slice('--findings='.length) ?? 300);
  const out = await runAlertsBench({
    brokers,
    runDir,
    findings: n,
    say: (m) => process.stdout.write(`[alerts ${new Date().toISOString().slice(11, 19)}] ${m}\n`),
  });
  process.stdout.write(JSON.stringify(out) + '\n');
}
