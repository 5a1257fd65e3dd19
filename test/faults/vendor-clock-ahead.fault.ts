// A vendor's clock far ahead: its events come stamped three days in the future. The real pipeline
// (shared broker, embedded ClickHouse): a WorkOS directory (platform plane, authoritative for
// employees) deletes two people, Ann 30 minutes ago and Bob 3 hours ago; both signed in through
// Auth0 while employed and sign in again now, Auth0's clock right for Bob and 3 days ahead for Ann.
// Ann's future sign-in is kept (stored), flagged (attributes.clock_ahead_ms, vendor_occurred_at)
// and placed at its receipt time (services/normalizer/clock-ahead.ts), so no detection sees an
// event later than the moment it was received; the right-clock events keep their own times.
// The detector then opens PW-ACTIVITY-AFTER-DEPROVISION for Bob (control: right clock, 3 h after
// his deletion, grace 1 h) and nothing for Ann, whose sign-in in truth happened within her grace
// period (placed at its vendor time, 3 days after her deletion, it opened a finding early).
// Figures printed: sent, acknowledged, stored, lost, duplicated, flagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { FIXTURES_DIR } from '../fuzz/harness.ts';
import { waitFor } from '../helpers/wait.ts';
import { startFaultPipeline, type FaultPipeline } from './helpers.ts';

const run = randomUUID().slice(0, 8);
const WK_SECRET = `whsec_clock_${run}`;
const A0_SECRET = `auth0-clock-${run}`;
const H = 3_600_000;
const AHEAD = 3 * 24 * H;
let t: FaultPipeline;

beforeAll(async () => {
  t = await startFaultPipeline({
    configYaml: `
domains:
  corporate: [acme.example]
connections:
  - { id: wf, vendor: workos, transport: webhook, secret_env: CLOCK_WK, plane: platform, authoritative_for: employees }
  - { id: a0, vendor: auth0, transport: webhook, secret_env: CLOCK_A0, plane: platform }
detections:
  evaluate_every: 1h
`,
    env: { CLOCK_WK: WK_SECRET, CLOCK_A0: A0_SECRET },
  });
}, 180_000);

afterAll(async () => {
  await t?.stop();
});

const people = ['ann', 'bob'] as const;
const email = (p: string) => `${p}.${run}@acme.example`;

async function post(conn: string, headers: Record<string, string>, body: string): Promise<number> {
  const res = await fetch(`${t.pipeline.url}/webhooks/${conn === 'wf' ? 'workos' : 'auth0'}/${conn}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

function directoryEvent(p: string, kind: 'created' | 'deleted', at: number): string {
  return JSON.stringify({
    object: 'event',
    id: `event_${kind}_${p}_${run}`,
    event: `dsync.user.${kind}`,
    created_at: new Date(at).toISOString(),
    data: {
      object: 'directory_user',
      id: `directory_user_${p}_${run}`,
      directory_id: 'directory_wf',
      organization_id: 'org_wf',
      email: email(p),
      emails: [{ primary: true, value: email(p) }],
      state: kind === 'created' ? 'active' : 'inactive',
    },
  });
}

/** An Auth0 log record: n = 1 the signup (`ss`: the account exists), n = 2 a successful login (`s`). */
function signIn(p: string, at: number, n: number): string {
  const s = JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'auth0', n === 1 ? 'ss.json' : 's.json'), 'utf8')) as {
    log_id: string;
    data: Record<string, unknown>;
  };
  const id = `9002025030110${n}${p === 'ann' ? 1 : 2}${run.replace(/[^0-9]/g, '0')}`;
  return JSON.stringify([
    {
      log_id: id,
      data: {
        ...s.data,
        log_id: id,
        date: new Date(at).toISOString(),
        user_id: `auth0|${p}${run}`,
        user_name: email(p),
        organization_id: undefined,
        organization_name: undefined,
        ...(n === 1 ? { details: { body: { email: email(p), connection: 'Username-Password-Authentication' } } } : {}),
      },
    },
  ]);
}

describe("a vendor's clock far ahead", () => {
  it('keeps events from the future, flags them, and they do not open findings early', async () => {
    const now = Date.now();
    const statuses: number[] = [];
    for (const p of people) {
      for (const [kind, at] of [
        ['created', now - 10 * 24 * H],
        ['deleted', p === 'ann' ? now - 0.5 * H : now - 3 * H],
      ] as const) {
        const b = directoryEvent(p, kind, at);
        statuses.push(await post('wf', { 'workos-signature': signWorkosPayload(b, WK_SECRET, Date.now()) }, b));
      }
    }
    // Both signed up to Auth0 while employed (the account is known before the deletion).
    for (const p of people) statuses.push(await post('a0', { authorization: `Bearer ${A0_SECRET}` }, signIn(p, now - 5 * 24 * H, 1)));
    // Now Auth0's clock is right for Bob and three days ahead for Ann.
    for (const p of people)
      statuses.push(
        await post('a0', { authorization: `Bearer ${A0_SECRET}` }, signIn(p, p === 'ann' ? Date.now() + AHEAD : Date.now(), 2)),
      );
    expect(statuses).toEqual([202, 202, 202, 202, 202, 202, 202, 202]);

    const rows = await waitFor(
      async () => {
        const r = await t.query<{
          event_id: string;
          n: string;
          occurred_ms: string;
          received_ms: string;
          ahead: string;
          vendor_at: string;
          email: string | null;
        }>(
          `SELECT event_id, count() AS n, toString(toUnixTimestamp64Milli(any(occurred_at))) AS occurred_ms, toString(toUnixTimestamp64Milli(any(received_at))) AS received_ms,
                any(attributes['clock_ahead_ms']) AS ahead, any(attributes['vendor_occurred_at']) AS vendor_at, any(subject_email) AS email
         FROM identity_events FINAL WHERE connection_id IN ('wf', 'a0') AND (subject_email LIKE {pat:String} OR subject_id LIKE {idpat:String}) GROUP BY event_id ORDER BY event_id`,
          { pat: `%.${run}@acme.example`, idpat: `%${run}%` },
        );
        return r.length === 8 ? r : undefined;
      },
      'eight events stored',
      120_000,
      500,
    );
    const flagged = rows.filter((r) => r.ahead !== '');
    expect(flagged.length).toBe(1);
    const ann = flagged[0]!;
    expect(ann.email).toBe(email('ann'));
    expect(ann.occurred_ms).toBe(ann.received_ms); // placed at its receipt time
    expect(Math.abs(Number(ann.ahead) - AHEAD)).toBeLessThan(60_000); // about three days ahead (signing and receipt a few ms apart)
    expect(Date.parse(ann.vendor_at) - Number(ann.received_ms)).toBe(Number(ann.ahead));
    // The right-clock events keep the vendor's times: the five stamped more than an hour back (creations, Bob's deletion, the sign-ins 5 days ago).
    expect(rows.filter((r) => r.ahead === '' && Number(r.occurred_ms) < Number(r.received_ms) - H).length).toBe(5);

    // The detection state is written by the inserts' materialized views: wait until none is in flight.
    await waitFor(async () => (t.pipeline.sink.health.insertsInFlight === 0 ? true : undefined), 'the sink settled', 60_000, 100);
    const result = await t.pipeline.detector!.evaluateNow();
    const all = await t.query<{ detection: string; subject_id: string }>(
      'SELECT DISTINCT detection, subject_id FROM pw_findings FINAL WHERE subject_id LIKE {p:String} OR subject_email LIKE {p:String} ORDER BY detection, subject_id',
      { p: `%${run}%` },
    );
    expect(result.errors).toEqual([]);
    // Bob (right clock, 3 h after his deletion, grace 1 h) is a finding; Ann's sign-in in truth
    // happened within her grace period and is not, though its vendor stamp is 3 days after her deletion.
    expect(all.filter((f) => f.detection === 'PW-ACTIVITY-AFTER-DEPROVISION').map((f) => f.subject_id)).toEqual([`auth0|bob${run}`]);
    expect(all.filter((f) => f.subject_id.includes('ann'))).toEqual([]);
    const figures = {
      sent: 8,
      acknowledged: statuses.filter((s) => s === 202).length,
      stored: rows.length,
      lost: 8 - rows.length,
      duplicated: rows.filter((r) => r.n !== '1').length,
      flagged_clock_ahead: flagged.length,
    };
    console.log(`FAULT FIGURES vendor clock ahead: ${JSON.stringify(figures)}`);
    expect(figures.lost).toBe(0);
    expect(figures.duplicated).toBe(0);
  }, 300_000);
});
