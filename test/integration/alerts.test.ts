// The alerter against the real broker and ClickHouse, with local HTTP receivers standing in for a
// generic webhook, Slack and PagerDuty. Finding transitions are published to planewatch.alerts.v1
// exactly as the detector publishes them (key = fingerprint). Detection ids are unique per run so
// other test files' alerts on the shared broker match no route here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { verifyWebhook } from '../../services/alerter/signature.ts';
import { startAlerter, type RunningAlerter } from '../../services/alerter/alerter.ts';
import type { BoundaryMap } from '../../core/config/boundary-map.ts';
import { deadAlerts, renderDeadAlerts, type DeadAlerts } from '../../store/dead-alerts.ts';
import { writeRunInfo } from '../../core/run-file.ts';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Hit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
  status: number;
}
interface Receiver {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

async function receiver(
  answer: (hit: Omit<Hit, 'status'>, n: number) => { status: number; headers?: Record<string, string> },
): Promise<Receiver> {
  const hits: Hit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const hit = { path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) };
      const a = answer(hit, hits.length + 1);
      hits.push({ ...hit, status: a.status });
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const RUN = randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
const DET = {
  main: `PW-T${RUN}-MAIN`,
  flaky: `PW-T${RUN}-FLAKY`,
  dead: `PW-T${RUN}-DEAD`,
  restart: `PW-T${RUN}-RESTART`,
  ack: `PW-T${RUN}-ACK`,
};
const SECRET = `whsec_${randomUUID()}`;
const fp = (s: string) =>
  createHash('sha256')
    .update(RUN + s)
    .digest('hex')
    .slice(0, 32);

function transition(
  detection: string,
  fingerprint: string,
  transition: 'opened' | 'resolved' | 'reopened',
  openedAt: string,
  resolvedAt: string | null = null,
) {
  const finding = {
    detection,
    fingerprint,
    status: transition === 'resolved' ? 'resolved' : transition === 'reopened' ? 'reopened' : 'open',
    severity: 'high',
    kind: 'state',
    plane: 'platform',
    tenant: null,
    source: 'openai',
    subject: { kind: 'human', id: `user-${fingerprint.slice(0, 6)}`, email: `ada.${fingerprint.slice(0, 6)}@acme.example` },
    first_seen: '2026-01-02T00:00:00.000Z',
    last_seen: openedAt,
    opened_at: openedAt,
    resolved_at: resolvedAt,
    resolution: resolvedAt ? 'cleared' : null,
    acknowledged_at: null,
    acknowledged_by: null,
    reopen_count: transition === 'reopened' ? 1 : 0,
    evidence: { event_ids: ['evt_a'], raw_ids: ['raw_a'] },
    detail: { item: 'account', signal_at: '2026-01-01 00:00:00.000', sla_ms: '86400000' },
  };
  return {
    key: fingerprint,
    value: JSON.stringify({ schema: 'planewatch.finding-transition.v1', transition, evaluation_id: `ev_${randomUUID()}`, finding }),
  };
}

/** An `acknowledged` transition as the detector publishes it after `planewatch findings ack`. */
function acknowledged(detection: string, fingerprint: string, openedAt: string, acknowledgedAt: string, by: string) {
  const m = transition(detection, fingerprint, 'opened', openedAt);
  const v = JSON.parse(m.value);
  return {
    key: m.key,
    value: JSON.stringify({
      ...v,
      transition: 'acknowledged',
      finding: { ...v.finding, status: 'acknowledged', acknowledged_at: acknowledgedAt, acknowledged_by: by },
    }),
  };
}

let t: TestPipeline;
let hook: Receiver, slack: Receiver, pd: Receiver, flaky: Receiver, dead400: Receiver, dead500: Receiver, restart: Receiver;
let main: RunningAlerter;
let mapWithout: (routes: string[]) => BoundaryMap;
const alerters: RunningAlerter[] = [];
let stopFirstRestartAlerter: (() => Promise<void>) | null = null;

beforeAll(async () => {
  hook = await receiver(() => ({ status: 202 }));
  slack = await receiver(() => ({ status: 200 }));
  pd = await receiver(() => ({ status: 202 }));
  flaky = await receiver((_h, n) =>
    n === 1 ? { status: 503 } : n === 2 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 },
  );
  dead400 = await receiver(() => ({ status: 400 }));
  dead500 = await receiver(() => ({ status: 500 }));
  restart = await receiver((_h, n) => {
    if (n === 1) void stopFirstRestartAlerter?.();
    return n === 1 ? { status: 503 } : { status: 200 };
  });
  Object.assign(process.env, {
    AT_HOOK_URL: `${hook.url}/hook`,
    AT_HOOK_SECRET: SECRET,
    AT_SLACK_URL: `${slack.url}/services/T000/B000/XXXX`,
    AT_PD_KEY: 'R0UTINGKEY0000000000000000000000',
    AT_PD_URL: `${pd.url}/v2/enqueue`,
    AT_FLAKY_URL: flaky.url,
    AT_DEAD400_URL: dead400.url,
    AT_DEAD500_URL: dead500.url,
    AT_RESTART_URL: restart.url,
  });
  const wh = (name: string, env: string) => `    - { name: ${name}, type: webhook, url_env: ${env}, secret_env: AT_HOOK_SECRET }`;
  t = await startTestPipeline({
    configYaml: `
alerts:
  finding_url: https://planewatch.example/findings/{fingerprint}
  delivery: { max_attempts: 3, initial_backoff: 200ms, max_backoff: 2s, timeout: 5s }
  channels:
${wh('hook', 'AT_HOOK_URL')}
    - { name: slack, type: slack, url_env: AT_SLACK_URL }
    - { name: pd, type: pagerduty, routing_key_env: AT_PD_KEY, url_env: AT_PD_URL }
    - { name: log, type: log }
${wh('flaky', 'AT_FLAKY_URL')}
${wh('dead400', 'AT_DEAD400_URL')}
${wh('dead500', 'AT_DEAD500_URL')}
${wh('restart', 'AT_RESTART_URL')}
  routes:
    - { detections: [${DET.main}], channels: [hook, slack, pd, log] }
    - { detections: [${DET.flaky}], channels: [flaky] }
    - { detections: [${DET.dead}], channels: [dead400, dead500] }
    - { detections: [${DET.restart}], channels: [restart] }
    - { detections: [${DET.ack}], channels: [hook, slack, pd, log, dead400] }
`,
  });
  // The pipeline started an alerter for this map; these tests drive their own instances instead.
  await t.pipeline.alerter!.stop();
  const map = t.rt.config.map;
  mapWithout = (only: string[]) => ({
    ...map,
    alerts: { ...map.alerts, routes: map.alerts.routes.filter((r) => r.detections.some((d) => only.includes(d))) },
  });
  main = await startAlerter({
    kafka: t.rt.kafka,
    producer: t.rt.producer,
    clickhouse: t.rt.clickhouse,
    map: mapWithout([DET.main, DET.flaky, DET.dead, DET.ack]),
    log: t.rt.log,
    groupId: `alerts-it-main-${RUN}`,
  });
  alerters.push(main);
}, 120_000);

afterAll(async () => {
  for (const a of alerters) await a.stop();
  await t?.stop();
  for (const r of [hook, slack, pd, flaky, dead400, dead500, restart]) await r?.close();
});

const publish = (...messages: { key: string; value: string }[]) => t.rt.producer.send({ topic: TOPICS.alerts, acks: -1, messages });

describe('alerter channels', () => {
  const F = fp('main');
  it('open: webhook (signed), Slack blocks and PagerDuty trigger, each once; resolve: PagerDuty resolve with the same dedup_key', async () => {
    await publish(transition(DET.main, F, 'opened', '2026-01-02T00:00:00.000Z'));
    await waitFor(async () => hook.hits.length === 1 && slack.hits.length === 1 && pd.hits.length === 1, 'one open on each channel');

    const h = hook.hits[0]!;
    expect(h.path).toBe('/hook');
    expect(verifyWebhook(SECRET, h.body, h.headers['planewatch-signature'] as string, Math.floor(Date.now() / 1000))).toMatchObject({
      ok: true,
    });
    expect(h.headers['planewatch-delivery-id']).toBe(`${F}:open:2026-01-02T00:00:00.000Z`);
    expect(h.json).toMatchObject({
      schema: 'planewatch.alert.v1',
      kind: 'open',
      test: false,
      transition: 'opened',
      id: `${F}:open:2026-01-02T00:00:00.000Z`,
      finding: { detection: DET.main, fingerprint: F, plane: 'platform' },
      links: { finding: `https://planewatch.example/findings/${F}` },
    });

    const s = slack.hits[0]!;
    expect(s.path).toBe('/services/T000/B000/XXXX');
    expect(s.json.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(s.json.blocks[1].fields.map((f: { text: string }) => f.text)).toEqual([
      `*Who*\nada.${F.slice(0, 6)}@acme.example (human user-${F.slice(0, 6)})`,
      '*Plane*\nplatform / openai',
      '*Since*\n2026-01-01 00:00:00.000 (deprovisioned in the directory)',
      `*Finding*\n\`${F}\``,
    ]);
    expect(s.json.blocks[2].text.text).toBe(
      `*Evidence*\n<https://planewatch.example/findings/${F}|Open the finding> · 1 event(s): \`evt_a\``,
    );
    expect(s.json.blocks[3].text.text).toBe('*Remediation*\nSee the finding for details.');

    const p = pd.hits[0]!;
    expect(p.path).toBe('/v2/enqueue');
    expect(p.json).toMatchObject({
      routing_key: 'R0UTINGKEY0000000000000000000000',
      event_action: 'trigger',
      dedup_key: F,
      payload: {
        source: 'planewatch/platform/openai',
        severity: 'error',
        class: DET.main,
        custom_details: { detection: DET.main, plane: 'platform' },
      },
    });
    expect(p.json.payload.summary).toBe(
      `${DET.main} opened: ${DET.main} — ada.${F.slice(0, 6)}@acme.example (human user-${F.slice(0, 6)}) on platform / openai`,
    );

    await publish(transition(DET.main, F, 'resolved', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z'));
    await waitFor(async () => pd.hits.length === 2 && hook.hits.length === 2 && slack.hits.length === 2, 'one resolve on each channel');
    expect(pd.hits[1]!.json).toEqual({ routing_key: 'R0UTINGKEY0000000000000000000000', event_action: 'resolve', dedup_key: F });
    expect(hook.hits[1]!.json).toMatchObject({ kind: 'resolve', transition: 'resolved' });

    const rows = await waitFor(async () => {
      const r = await t.query<{ channel: string; kind: string; state: string; attempts: string; http_status: string }>(
        `SELECT channel, kind, state, attempts, http_status FROM pw_alert_notifications FINAL WHERE fingerprint = {f:String} ORDER BY kind, channel`,
        { f: F },
      );
      return r.length === 8 ? r : undefined;
    }, 'eight notifications recorded');
    expect(rows).toEqual([
      { channel: 'hook', kind: 'open', state: 'delivered', attempts: 1, http_status: 202 },
      { channel: 'log', kind: 'open', state: 'delivered', attempts: 1, http_status: 0 },
      { channel: 'pd', kind: 'open', state: 'delivered', attempts: 1, http_status: 202 },
      { channel: 'slack', kind: 'open', state: 'delivered', attempts: 1, http_status: 200 },
      { channel: 'hook', kind: 'resolve', state: 'delivered', attempts: 1, http_status: 202 },
      { channel: 'log', kind: 'resolve', state: 'delivered', attempts: 1, http_status: 0 },
      { channel: 'pd', kind: 'resolve', state: 'delivered', attempts: 1, http_status: 202 },
      { channel: 'slack', kind: 'resolve', state: 'delivered', attempts: 1, http_status: 200 },
    ]);
  }, 60_000);

  it('retries 503 and 429 (Retry-After) then succeeds; the delivery log has every attempt', async () => {
    const F2 = fp('flaky');
    await publish(transition(DET.flaky, F2, 'opened', '2026-01-02T00:00:00.000Z'));
    await waitFor(
      async () => (await t.query(`SELECT 1 FROM pw_alert_notifications FINAL WHERE fingerprint = {f:String}`, { f: F2 })).length === 1,
      'flaky notification finished',
      30_000,
    );
    expect(flaky.hits.map((h) => h.status)).toEqual([503, 429, 200]);
    const attempts = await t.query<{ attempt: number; outcome: string; http_status: number }>(
      `SELECT attempt, outcome, http_status FROM pw_alert_attempts WHERE fingerprint = {f:String} ORDER BY attempt`,
      { f: F2 },
    );
    expect(attempts).toEqual([
      { attempt: 1, outcome: 'retry', http_status: 503 },
      { attempt: 2, outcome: 'retry', http_status: 429 },
      { attempt: 3, outcome: 'ok', http_status: 200 },
    ]);
    const [n] = await t.query(`SELECT state, attempts FROM pw_alert_notifications FINAL WHERE fingerprint = {f:String}`, { f: F2 });
    expect(n).toEqual({ state: 'delivered', attempts: 3 });
  }, 60_000);

  it('permanent failure: 400 is not retried, 500 is retried up to max_attempts; both dead-lettered (stage alerter)', async () => {
    const F3 = fp('dead');
    await publish(transition(DET.dead, F3, 'opened', '2026-01-02T00:00:00.000Z'));
    const dls = await waitFor(
      async () => {
        const r = await t.query<{ stage: string; reason: string; origin_topic: string }>(
          `SELECT stage, reason, origin_topic FROM dead_letters FINAL WHERE stage = 'alerter' AND position(reason, {f:String}) > 0 ORDER BY reason`,
          { f: F3 },
        );
        return r.length === 2 ? r : undefined;
      },
      'two dead letters',
      45_000,
    );
    expect(dls).toEqual([
      {
        stage: 'alerter',
        reason: `open notification of finding ${F3} (${DET.dead}) to channel dead400 (webhook): not retried: HTTP 400`,
        origin_topic: TOPICS.alerts,
      },
      {
        stage: 'alerter',
        reason: `open notification of finding ${F3} (${DET.dead}) to channel dead500 (webhook): gave up after 3 attempts, last: HTTP 500`,
        origin_topic: TOPICS.alerts,
      },
    ]);
    expect(dead400.hits.length).toBe(1);
    expect(dead500.hits.length).toBe(3);
    const rows = await t.query(
      `SELECT channel, state, attempts, http_status FROM pw_alert_notifications FINAL WHERE fingerprint = {f:String} ORDER BY channel`,
      { f: F3 },
    );
    expect(rows).toEqual([
      { channel: 'dead400', state: 'dead', attempts: 1, http_status: 400 },
      { channel: 'dead500', state: 'dead', attempts: 3, http_status: 500 },
    ]);
  }, 60_000);

  it('dead alerts appear in `planewatch status` (API and text): count per channel and the most recent with their last error', async () => {
    const F3 = fp('dead');
    const res = await fetch(`${t.pipeline.url}/api/v1/status`, { headers: { authorization: `Bearer ${t.apiToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: unknown[]; dead_alerts: DeadAlerts };
    expect(body.data).toEqual([]);
    const d = body.dead_alerts;
    expect(d).toEqual(await deadAlerts(t.rt.clickhouse));
    expect(d.total).toBe(2);
    expect(d.by_channel.map((c) => [c.channel, c.channel_type, c.dead])).toEqual([
      ['dead400', 'webhook', 1],
      ['dead500', 'webhook', 1],
    ]);
    for (const c of d.by_channel) expect(c.last_dead_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(d.recent.map(({ finished_at: _f, ...r }) => r).sort((a, b) => a.channel.localeCompare(b.channel))).toEqual([
      {
        channel: 'dead400',
        channel_type: 'webhook',
        kind: 'open',
        detection: DET.dead,
        fingerprint: F3,
        subject_id: `user-${F3.slice(0, 6)}`,
        attempts: 1,
        http_status: 400,
        last_error: 'not retried: HTTP 400',
      },
      {
        channel: 'dead500',
        channel_type: 'webhook',
        kind: 'open',
        detection: DET.dead,
        fingerprint: F3,
        subject_id: `user-${F3.slice(0, 6)}`,
        attempts: 3,
        http_status: 500,
        last_error: 'gave up after 3 attempts, last: HTTP 500',
      },
    ]);

    // What an operator sees under `planewatch status` (the text block the command prints after the sources).
    const lines = renderDeadAlerts(d).split('\n');
    expect(lines).toContain('alerts  (notifications that exhausted their retries or were refused: `planewatch alerts list --state dead`)');
    expect(lines).toContain('  dead alerts    2');
    expect(lines.filter((l) => /^ {4}dead(400|500) \(webhook\) +1 dead, last at /.test(l))).toHaveLength(2);
    expect(lines.filter((l) => l.endsWith(`open ${DET.dead} finding ${F3} (user-${F3.slice(0, 6)})`))).toHaveLength(2);
    expect(lines).toContain('      last error: not retried: HTTP 400');
    expect(lines).toContain('      last error: gave up after 3 attempts, last: HTTP 500');

    // `planewatch status` itself, as an operator runs it while planewatch runs: the pipeline of this
    // test file is the running process (its run file written as the all-in-one writes it).
    writeRunInfo(t.dataDir, { pid: process.pid, url: t.pipeline.url, startedAt: new Date().toISOString() }, t.apiToken);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'bin/planewatch.js'), 'status'], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        PLANEWATCH_DATA_DIR: t.dataDir,
        PLANEWATCH_CONFIG: path.join(t.dataDir, 'planewatch.yaml'),
        PLANEWATCH_LOG_LEVEL: 'silent',
      },
    });
    expect(stdout).toBe(`(no connections configured)\n${renderDeadAlerts(d)}`);
  }, 60_000);

  it('acknowledge: PagerDuty `acknowledge` with the same dedup_key and the webhook, once each; not Slack, not a channel whose open was not delivered', async () => {
    const FA = fp('ack');
    const mine = (r: Receiver) => r.hits.filter((h) => h.body.includes(FA));
    const OPENED = '2026-01-02T00:00:00.000Z';
    const ACKED = '2026-01-02T01:00:00.000Z';
    await publish(transition(DET.ack, FA, 'opened', OPENED));
    await waitFor(
      async () => mine(hook).length === 1 && mine(slack).length === 1 && mine(pd).length === 1 && mine(dead400).length === 1,
      'the open on every channel',
    );

    const ack = acknowledged(DET.ack, FA, OPENED, ACKED, 'alice');
    await publish(ack);
    await waitFor(async () => mine(pd).length === 2 && mine(hook).length === 2, 'the acknowledgement at PagerDuty and the webhook');
    expect(mine(pd)[1]!.json).toEqual({ routing_key: 'R0UTINGKEY0000000000000000000000', event_action: 'acknowledge', dedup_key: FA });
    const h = mine(hook)[1]!;
    expect(verifyWebhook(SECRET, h.body, h.headers['planewatch-signature'] as string, Math.floor(Date.now() / 1000))).toMatchObject({
      ok: true,
    });
    expect(h.headers['planewatch-event']).toBe('acknowledge');
    expect(h.json).toMatchObject({
      kind: 'acknowledge',
      transition: 'acknowledged',
      id: `${FA}:acknowledge:${ACKED}`,
      finding: { fingerprint: FA, status: 'acknowledged', acknowledged_at: ACKED, acknowledged_by: 'alice' },
    });
    expect(h.json.summary).toBe(
      `${DET.ack} acknowledged: ${DET.ack} — ada.${FA.slice(0, 6)}@acme.example (human user-${FA.slice(0, 6)}) on platform / openai`,
    );

    // The detector re-publishing the acknowledgement, then the resolve behind it on the same partition.
    await publish(ack, transition(DET.ack, FA, 'resolved', OPENED, '2026-01-03T00:00:00.000Z'));
    await waitFor(
      async () => mine(pd).length === 3 && mine(hook).length === 3 && mine(slack).length === 2 && mine(dead400).length === 2,
      'the resolve',
    );
    expect(mine(pd).map((x) => x.json.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(mine(pd).map((x) => x.json.dedup_key)).toEqual([FA, FA, FA]);
    expect(mine(hook).map((x) => x.json.kind)).toEqual(['open', 'acknowledge', 'resolve']);
    expect(mine(slack).map((x) => x.json.blocks[0].text.text)).toEqual([`${DET.ack} — opened`, `${DET.ack} — resolved`]);
    expect(mine(dead400).map((x) => x.json.kind)).toEqual(['open', 'resolve']); // both answered 400 (dead); no acknowledge after a dead open

    const rows = await waitFor(async () => {
      const r = await t.query<{ kind: string; channel: string; state: string }>(
        `SELECT kind, channel, state FROM pw_alert_notifications FINAL WHERE fingerprint = {f:String} ORDER BY kind, channel`,
        { f: FA },
      );
      return r.length === 13 ? r : undefined;
    }, 'the notifications recorded');
    expect(rows.filter((r) => r.kind === 'acknowledge')).toEqual([
      { kind: 'acknowledge', channel: 'hook', state: 'delivered' },
      { kind: 'acknowledge', channel: 'log', state: 'delivered' },
      { kind: 'acknowledge', channel: 'pd', state: 'delivered' },
    ]);
  }, 60_000);

  it('no duplicate: an alerter stopped in the middle of a delivery, its successor, a re-published transition and a fresh consumer group', async () => {
    const FR = fp('restart');
    const restartMap = mapWithout([DET.restart]);
    const group = `alerts-it-restart-${RUN}`;
    const first = await startAlerter({
      kafka: t.rt.kafka,
      producer: t.rt.producer,
      clickhouse: t.rt.clickhouse,
      map: restartMap,
      log: t.rt.log,
      groupId: group,
    });
    let firstStopped: Promise<void> | null = null;
    stopFirstRestartAlerter = () => (firstStopped = first.stop());
    const open = transition(DET.restart, FR, 'opened', '2026-01-02T00:00:00.000Z');
    await publish(open);
    // The receiver answers the first attempt with 503 and stops the alerter while it waits to retry.
    await waitFor(async () => firstStopped !== null, 'first attempt reached the receiver', 30_000);
    await firstStopped;
    expect(restart.hits.map((h) => h.status)).toEqual([503]);

    const second = await startAlerter({
      kafka: t.rt.kafka,
      producer: t.rt.producer,
      clickhouse: t.rt.clickhouse,
      map: restartMap,
      log: t.rt.log,
      groupId: group,
    });
    alerters.push(second);
    await waitFor(async () => restart.hits.length === 2, 'the successor delivers', 60_000);
    // The detector re-publishing the same transition, then the resolve behind it on the same partition.
    await publish(open, transition(DET.restart, FR, 'resolved', '2026-01-02T00:00:00.000Z', '2026-01-03T00:00:00.000Z'));
    await waitFor(async () => restart.hits.some((h) => h.json.kind === 'resolve'), 'resolve delivered', 30_000);
    await second.stop();

    // A new consumer group re-reads the whole topic (as after lost offsets): only the new reopen is sent.
    const third = await startAlerter({
      kafka: t.rt.kafka,
      producer: t.rt.producer,
      clickhouse: t.rt.clickhouse,
      map: restartMap,
      log: t.rt.log,
      groupId: `${group}-fresh`,
    });
    alerters.push(third);
    await publish(transition(DET.restart, FR, 'reopened', '2026-01-04T00:00:00.000Z'));
    await waitFor(async () => restart.hits.some((h) => h.json.transition === 'reopened'), 'reopen delivered', 60_000);
    expect(restart.hits.map((h) => `${h.status} ${h.json.kind} ${h.json.id}`)).toEqual([
      `503 open ${FR}:open:2026-01-02T00:00:00.000Z`,
      `200 open ${FR}:open:2026-01-02T00:00:00.000Z`,
      `200 resolve ${FR}:resolve:2026-01-03T00:00:00.000Z`,
      `200 open ${FR}:open:2026-01-04T00:00:00.000Z`,
    ]);
    // open, the re-published open, resolve: all already delivered
    expect(third.health.duplicates).toBe(3);
  }, 180_000);
});
