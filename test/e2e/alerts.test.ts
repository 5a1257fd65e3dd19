// End to end: a directory (WorkOS Directory Sync, platform plane by plane rule) deprovisions a
// person whose OpenAI account stays. With the detector's clock moved past the platform SLA (24h),
// exactly one overdue alert reaches the webhook receiver (signed); past 2x SLA exactly one
// escalation; an operator acknowledges the finding (what `planewatch findings ack` does) and the
// detector publishes it: exactly one PagerDuty `acknowledge` with the same dedup_key (and one
// webhook notification); when the OpenAI removal arrives, exactly one resolve follows on both.
// Real broker, normalizer, sink, detector and alerter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';
import { rawEnvelopePublisher } from '../../services/collector/publish.ts';
import { verifyWebhook } from '../../services/alerter/signature.ts';
import { listFindings } from '../../store/findings/findings.ts';
import { acknowledgeFinding } from '../../store/findings/findings-store.ts';
import {
  envelope,
  openaiAuditEvent,
  openaiAuditPage,
  openaiInventory,
  OPENAI_AUDIT_CONTENT_TYPE,
  workos,
} from '../../demo/company/vendor-shapes.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WF_ORG = 'org_01ACMEWORKFORCE';
const WF_DIR = 'directory_01ACMEWF';
const RUN = randomUUID().replace(/-/g, '').slice(0, 10);
const SECRET = `whsec_${randomUUID()}`;
const L = Math.floor((Date.now() - 2 * DAY) / 1000) * 1000; // the deprovisioning, at a whole second
const person = {
  id: `directory_user_${RUN}`,
  directoryId: WF_DIR,
  orgId: WF_ORG,
  email: `leaver.${RUN}@acme.example`,
  first: 'Leaver',
  last: 'Acme',
  createdAt: L - 30 * DAY,
};
const OAI_USER = `user-${RUN}`;

interface Hit {
  body: string;
  json: any;
  signature: string;
}
const hits: Hit[] = [];
const pdHits: { event_action: string; dedup_key: string; routing_key: string }[] = [];
let server: http.Server;
let t: TestPipeline;
let clock = L + 2 * HOUR;
const mine = () => hits.filter((h) => h.json.finding?.subject?.id === OAI_USER);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url?.startsWith('/pd/')) {
        pdHits.push(JSON.parse(body));
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
        return;
      }
      hits.push({ body, json: JSON.parse(body), signature: String(req.headers['planewatch-signature'] ?? '') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  process.env.E2E_ALERT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/planewatch`;
  process.env.E2E_ALERT_SECRET = SECRET;
  process.env.E2E_PD_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pd/v2/enqueue`;
  process.env.E2E_PD_KEY = `R${RUN}`;
  t = await startTestPipeline({
    configYaml: `
planes:
  platform:    { deprovision_sla: 24h, grace: 1h }
connections:
  - id: workos-main
    vendor: workos
    transport: webhook
    secret_env: E2E_WORKOS_SECRET
    plane: application
    authoritative_for: customers
    plane_rules:
      - { organization_id: ${WF_ORG}, plane: platform, authoritative_for: employees }
  - id: openai-main
    vendor: openai
    transport: poll
    api_key_env: E2E_OPENAI_KEY
    poll_interval: 5m
    enabled: false
alerts:
  channels:
    - { name: security-hook, type: webhook, url_env: E2E_ALERT_URL, secret_env: E2E_ALERT_SECRET }
    - { name: pagerduty, type: pagerduty, routing_key_env: E2E_PD_KEY, url_env: E2E_PD_URL }
  routes:
    - { detections: [PW-DEPROV-OVERDUE], channels: [security-hook, pagerduty] }
`,
    env: { E2E_WORKOS_SECRET: `whsec_${randomUUID()}` },
    ackTimeoutMs: 15_000,
    detector: { now: () => clock },
  });
}, 120_000);

afterAll(async () => {
  await t?.stop();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

async function eventsFor(ids: string[]): Promise<number> {
  const [r] = await t.query<{ n: string }>('SELECT count() AS n FROM identity_events FINAL WHERE subject_id IN {ids:Array(String)}', {
    ids,
  });
  return Number(r!.n);
}

describe('deprovisioning lag → one overdue alert, one resolve', () => {
  it('directory deprovisions, platform account stays past the SLA, then is removed', async () => {
    const publish = rawEnvelopePublisher(t.rt.producer);
    const hook = (body: string, at: number) => envelope('workos', 'workos-main', 'webhook', 'application/json', body, at + 5000);
    await publish(hook(workos.dsyncUserCreated(`evt_c_${RUN}`, person), person.createdAt));
    await publish(
      envelope(
        'openai',
        'openai-main',
        'inventory',
        openaiInventory.contentType('users', null),
        openaiInventory.usersPage([{ id: OAI_USER, email: person.email, name: 'leaver', addedAt: L - 20 * DAY }]),
        L - 3 * DAY,
      ),
    );
    await publish(hook(workos.dsyncUserSuspended(`evt_s_${RUN}`, person, L), L));
    await t.waitStored(
      async () => (await eventsFor([person.id, OAI_USER])) === 3,
      'the directory user (2 events) and the OpenAI user in ClickHouse',
      90_000,
    );

    // Within the SLA: nothing for the webhook (PW-ORPHANED-ACCOUNT opens, but is not routed there).
    // (The detector also evaluates on its own after new events, with the same clock: assert on the findings, not on one evaluation's changes.)
    const findingsOf = async (status: 'open' | 'resolved') =>
      (await listFindings(t.rt.clickhouse, { status }))
        .filter((f) => f.subject.id === OAI_USER)
        .map((f) => f.detection)
        .sort();
    await t.pipeline.detector!.evaluateNow();
    expect(await findingsOf('open')).toEqual(['PW-ORPHANED-ACCOUNT']);

    // The clock crosses the 24h SLA.
    clock = L + 25 * HOUR;
    await t.pipeline.detector!.evaluateNow();
    expect(await findingsOf('open')).toEqual(['PW-DEPROV-OVERDUE', 'PW-ORPHANED-ACCOUNT']);
    const fp = (await listFindings(t.rt.clickhouse, { status: 'open', detection: 'PW-DEPROV-OVERDUE' })).find(
      (f) => f.subject.id === OAI_USER,
    )!.fingerprint;
    await waitFor(async () => mine().length === 1, 'the overdue alert at the webhook', 60_000);
    // Later evaluations see the same open finding: no new transition, so no new alert.
    clock = L + 26 * HOUR;
    await t.pipeline.detector!.evaluateNow();
    expect(await findingsOf('open')).toEqual(['PW-DEPROV-OVERDUE', 'PW-ORPHANED-ACCOUNT']);

    // Still open at 2x SLA: one escalation, even when two checks (two alerter instances) publish it.
    clock = L + 49 * HOUR;
    await t.pipeline.alerter!.checkEscalations();
    await t.pipeline.alerter!.checkEscalations();
    await waitFor(async () => mine().length === 2, 'the 2x SLA escalation at the webhook', 60_000);

    // An operator acknowledges it (`planewatch findings ack <fp>` runs exactly this); the detector
    // publishes the acknowledgement with its next evaluation.
    const pdMine = () => pdHits.filter((h) => h.dedup_key === fp);
    await waitFor(async () => pdMine().length === 2, 'the trigger and the escalation at PagerDuty', 60_000);
    clock = L + 49 * HOUR + 10 * 60_000;
    expect((await acknowledgeFinding(t.rt.clickhouse, fp, 'alice', clock))?.transition).toBe('acknowledged');
    expect(await acknowledgeFinding(t.rt.clickhouse, fp, 'alice', clock + 1000)).toBeNull(); // a second ack is no change
    await t.pipeline.detector!.evaluateNow();
    await t.pipeline.detector!.evaluateNow();
    await waitFor(async () => mine().length === 3 && pdMine().length === 3, 'the acknowledgement at the webhook and PagerDuty', 60_000);
    expect(pdMine()[2]).toEqual({ routing_key: `R${RUN}`, event_action: 'acknowledge', dedup_key: fp });
    expect(mine()[2]!.json).toMatchObject({
      kind: 'acknowledge',
      transition: 'acknowledged',
      finding: { fingerprint: fp, status: 'acknowledged', acknowledged_by: 'alice', acknowledged_at: new Date(clock).toISOString() },
    });

    // The platform removal arrives (OpenAI audit log: user.deleted by an admin).
    const removedAt = L + 25 * HOUR + 30 * 60_000;
    await publish(
      envelope(
        'openai',
        'openai-main',
        'poll',
        OPENAI_AUDIT_CONTENT_TYPE,
        openaiAuditPage([
          openaiAuditEvent(
            `audit_log-${RUN}`,
            'user.deleted',
            removedAt,
            { type: 'session', userId: 'user-ITADMIN', email: 'it.admin@acme.example' },
            { id: OAI_USER },
          ),
        ]),
        removedAt + 60_000,
      ),
    );
    await t.waitStored(async () => (await eventsFor([person.id, OAI_USER])) === 4, 'the removal in ClickHouse', 90_000);
    clock = L + 50 * HOUR;
    await t.pipeline.detector!.evaluateNow();
    expect(await findingsOf('resolved')).toEqual(['PW-DEPROV-OVERDUE', 'PW-ORPHANED-ACCOUNT']);
    expect(await findingsOf('open')).toEqual([]);
    await waitFor(async () => mine().length === 4 && pdMine().length === 4, 'the resolve at the webhook and PagerDuty', 60_000);
    // In partition order: a second escalation or acknowledgement would have arrived before the resolve.
    expect(mine().map((h) => h.json.kind)).toEqual(['open', 'escalate', 'acknowledge', 'resolve']);
    expect(pdMine().map((h) => h.event_action)).toEqual(['trigger', 'trigger', 'acknowledge', 'resolve']);
    // Recorded as delivered once each, on each channel.
    const rows = await waitFor(async () => {
      const r = await t.query<{ kind: string; channel: string; state: string; attempts: number }>(
        'SELECT kind, channel, state, attempts FROM pw_alert_notifications FINAL WHERE fingerprint = {fp:String} ORDER BY kind, channel',
        { fp },
      );
      return r.length === 8 ? r : undefined;
    }, 'the eight notifications recorded');
    expect(rows).toEqual(
      ['acknowledge', 'escalate', 'open', 'resolve'].flatMap((kind) => [
        { kind, channel: 'pagerduty', state: 'delivered', attempts: 1 },
        { kind, channel: 'security-hook', state: 'delivered', attempts: 1 },
      ]),
    );

    const [open, escalate, , resolve] = mine();
    expect(escalate!.json).toMatchObject({
      kind: 'escalate',
      transition: 'escalated',
      summary: `PW-DEPROV-OVERDUE escalated (2x SLA): Deprovisioning overdue — ${person.email} (human ${OAI_USER}) on platform / openai`,
    });
    for (const h of [open!, escalate!, resolve!])
      expect(verifyWebhook(SECRET, h.body, h.signature, Math.floor(Date.now() / 1000))).toMatchObject({ ok: true });
    expect(open!.json).toMatchObject({
      schema: 'planewatch.alert.v1',
      kind: 'open',
      transition: 'opened',
      title: 'Deprovisioning overdue',
      finding: {
        detection: 'PW-DEPROV-OVERDUE',
        fingerprint: fp,
        status: 'open',
        severity: 'high',
        plane: 'platform',
        source: 'openai',
        subject: { kind: 'human', id: OAI_USER, email: person.email },
      },
    });
    expect(open!.json.finding.detail.signal_at).toBe(new Date(L).toISOString().replace('T', ' ').replace('Z', ''));
    expect(resolve!.json).toMatchObject({
      kind: 'resolve',
      transition: 'resolved',
      finding: { fingerprint: fp, status: 'resolved', resolution: 'cleared' },
    });
  }, 300_000);
});
