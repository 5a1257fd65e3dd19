// Specification by example of docs/IDENTITY-MODEL.md: two small companies (test/helpers/scenario/
// identity-model/acme.ts and umbrella.ts), delivered as vendor-shaped envelopes through the real
// vendor modules and normalizer into a migrated embedded ClickHouse, evaluated by the real
// detections at the scenario's NOW. The expected findings and lag figures are the companies'
// hand-written ground truth (each case carries its reason); nothing here is copied from planewatch's
// output. Compared: the exact set of open findings (detection | subject kind | subject id | tenant:
// precision and recall 100 %), the lag statistics per plane, their consistency with the findings,
// the scopes and observation basis the model puts in a finding's detail, and the same results when
// the deliveries arrive shuffled and duplicated.
//
// Readings chosen where the docs leave room (the one a demanding security user would expect):
//  1. Tenant of a finding: an account unit whose scopes are folded (OpenAI org user, Anthropic user)
//     has tenant ''; a credential keeps its own container as tenant (project / workspace; admin keys
//     ''); a WorkOS membership unit has the organisation; an AWS IAM user and its credentials the AWS
//     account id; an Auth0 user or M2M client outside any Auth0 Organization none ('': the Auth0
//     tenant is the product's own login tenant, not a customer's) — the tenant the vendor module puts
//     on the events, since the model folds only `access=scope` facts.
//  2. A pending invite of a leaver is an access path (IDENTITY-MODEL "Invites"), so it is a lag item
//     and, pending, gets PW-ORPHANED-ACCOUNT and PW-DEPROV-OVERDUE (subject kind invite). A deleted
//     Anthropic invite is closed at the listing that first shows it `deleted` (a removal like any other).
//  3. The idle gap before a credential's `observed_from` is unknown, not idle — even when the first
//     listing reports a last use long before it (key-bob-batch): only the watched part counts for
//     PW-STALE-CREDENTIAL-REUSED. PW-STALE-CREDENTIAL, a state, reads the latest listing's last use.
//  4. A person's deprovision signal governs every non-directory unit of that person, except a unit in
//     a tenant where the person has directory accounts, which that tenant's directory governs
//     (IDENTITY-MODEL "Unit of access"). pat is in Globex's directory only, so Globex's removal
//     governs both customer memberships: both pending (Globex and Initech).
//  5. AWS: the console password named by a successful ConsoleLogin is a credential of the IAM user
//     (the mapper reports the sign-in as its use), so a leaver's password is a lag item of its own; an
//     access key seen only as a caller's accessKeyId (no create / update / delete event, no inventory)
//     is not a credential planewatch knows. IAM users are accounts (AWS tells no people from
//     workloads): one seen only through API calls, with no email and no link, is unmanaged. A role
//     session is non-human (actor kind service_account) unless it is an AWSReservedSSO_ permission
//     set or named by an email, so a CI role session
//     creating an access key is PW-NHI-HUMAN-ACTION, and an SSO session doing admin work is not.
//  6. An M2M client owns its secret (model: "a non-human principal owns its own secrets"): its secret is
//     never orphaned for want of an owner; an active secret whose last exchange (seen on a log stream
//     delivering all along) is older than stale_after is stale.
//  7. An email change is a mover: PW-AMBIGUOUS-IDENTITY (DETECTIONS: "a human account whose email
//     changed") for each human account that changed — the Directory Sync user and the AuthKit user —
//     and no leaver finding, since every account is linked under its latest email.
//  8. An Okta user the System Log retention hides (created > 90 days ago) is a directory account as soon
//     as a sign-in or a lifecycle event names it (existence by observation): its platform accounts
//     are managed, and its deactivation is a deprovision signal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClickHouse, type ClickHouse } from '../../core/clickhouse/client.ts';
import { migrate } from '../../core/clickhouse/migrate.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { listFindings, type FindingJson } from '../../store/findings/findings.ts';
import { lagItemsSql, lagStatistics } from '../../store/lag/stats.ts';
import { detectionParams } from '../../store/detections/params.ts';
import { normalizeEnvelope } from '../../services/normalizer/normalize-envelope.ts';
import { SOURCES } from '../../sources/registry.ts';
import { deliver, normalizeAll, resetStore, type Normalized } from '../helpers/scenario/load.ts';
import { rng } from '../../demo/company/random.ts';
import { caseKey, lagUnitKey, type Company, type Plane } from '../helpers/scenario/identity-model/common.ts';
import { buildAcme } from '../helpers/scenario/identity-model/acme.ts';
import { buildUmbrella } from '../helpers/scenario/identity-model/umbrella.ts';

const detections = loadDetections();
const defaultPlaneOf = (vendor: string) => SOURCES[vendor]!.defaultPlane;
let ch: ClickHouse;

beforeAll(async () => {
  ch = createClickHouse({ dataDir: mkdtempSync(path.join(tmpdir(), 'pw-identity-model-')) });
  await migrate(ch.client);
});
afterAll(async () => {
  await ch?.close();
});

const keyOf = (f: FindingJson) => caseKey({ detection: f.detection, kind: f.subject.kind, id: f.subject.id, tenant: f.tenant ?? '' });
const PLANES: Plane[] = ['application', 'platform'];
const LAG_DETECTIONS = new Set(['PW-ORPHANED-ACCOUNT', 'PW-DEPROV-OVERDUE', 'PW-ORPHANED-CREDENTIAL']);

async function evaluateAt(co: Company): Promise<void> {
  const result = await evaluate(ch.client, { cache: cacheOf(ch.client), detections, map: co.map, now: co.now, defaultPlaneOf });
  expect(result.errors).toEqual([]);
}

async function openFindings(): Promise<FindingJson[]> {
  return listFindings(ch.client, { status: 'open' });
}

/** Missing (recall) and extra (precision) findings against the ground truth, with the reasons of the missing ones. */
async function compareWithTruth(co: Company): Promise<{ missing: string[]; extra: string[] }> {
  const open = new Set((await openFindings()).map(keyOf));
  const truth = new Map(co.cases.map((c) => [caseKey(c), c.reason]));
  return {
    missing: [...truth.keys()]
      .filter((k) => !open.has(k))
      .sort()
      .map((k) => `${k}  ← ${truth.get(k)}`),
    extra: [...open].filter((k) => !truth.has(k)).sort(),
  };
}

async function lagPerPlane(co: Company) {
  const stats = await lagStatistics(ch.client, co.map, { from: 0, to: co.now + 1, now: co.now }, defaultPlaneOf);
  return Object.fromEntries(
    PLANES.map((plane) => {
      const row = stats.find((s) => s.plane === plane && s.source === null);
      const bySource = Object.fromEntries(stats.filter((s) => s.plane === plane && s.source !== null).map((s) => [s.source!, s.count]));
      return [
        plane,
        {
          count: row?.count ?? 0,
          removed: row?.removed ?? 0,
          pending: row?.pending ?? 0,
          overdue: row?.overdue ?? 0,
          breaches: row?.breaches ?? 0,
          bySource,
        },
      ];
    }),
  );
}

const expectedLag = (co: Company) =>
  Object.fromEntries(
    PLANES.map((p) => {
      const l = co.lag[p];
      return [
        p,
        { count: l.count, removed: l.removed, pending: l.pending, overdue: l.overdue, breaches: l.breaches, bySource: l.bySource },
      ];
    }),
  );

interface LagItemRow {
  plane: string;
  source: string;
  item: string;
  subject_kind: string;
  subject_id: string;
  tenant: string | null;
  removed_ms: string;
}
async function lagItems(co: Company): Promise<LagItemRow[]> {
  const rs = await ch.client.query({
    query: lagItemsSql(),
    query_params: { ...detectionParams(co.map, co.now, defaultPlaneOf), from_ms: 0, to_ms: co.now + 1 },
    format: 'JSONEachRow',
  });
  return rs.json<LagItemRow>();
}

/** `a, b` / `["a","b"]` / `[a, b]` → sorted list. */
const scopeList = (v: unknown): string[] =>
  String(v ?? '')
    .replace(/[[\]"' ]/g, '')
    .split(',')
    .filter(Boolean)
    .sort();

for (const build of [buildAcme, buildUmbrella]) {
  const co = build();
  describe(`${co.name}: the identity model on a realistic company`, () => {
    let items: Normalized[] = [];

    it('the ground truth is well formed: one case per key, a reason for each, lag figures that add up', () => {
      const keys = co.cases.map(caseKey);
      expect(new Set(keys).size).toBe(keys.length);
      for (const c of co.cases) expect(c.reason.length, caseKey(c)).toBeGreaterThan(10);
      for (const p of PLANES) {
        const l = co.lag[p];
        expect(l.removed + l.pending, `${p}: removed + pending`).toBe(l.count);
        expect(l.items.length, `${p}: listed items`).toBe(l.count);
        expect(
          Object.values(l.bySource).reduce((a, b) => a + b, 0),
          `${p}: items per source`,
        ).toBe(l.count);
        expect(l.items.filter((i) => i.removed).length, `${p}: removed items`).toBe(l.removed);
        expect(new Set(l.items.map(lagUnitKey)).size, `${p}: distinct items`).toBe(l.count);
        expect(l.overdue).toBeLessThanOrEqual(l.pending);
        expect(l.breaches).toBeLessThanOrEqual(l.removed);
      }
      // Both planes carry leavers.
      expect(co.lag.platform.count).toBeGreaterThan(0);
      expect(co.lag.application.count).toBeGreaterThan(0);
    });

    it('every envelope is accepted by its vendor module: no dead letter, every source delivers', () => {
      const dead: string[] = [];
      let events = 0;
      for (const e of co.envelopes) {
        const r = normalizeEnvelope(e, co.map, SOURCES, null, e.received_at);
        dead.push(...r.deadLetters.map((d) => `${e.source}/${e.connection_id} ${e.content_type}: ${d.reason}`));
        events += r.events.length;
      }
      expect(dead).toEqual([]);
      expect(events).toBeGreaterThan(co.envelopes.length / 2);
      expect([...new Set(co.envelopes.map((e) => e.source))].sort()).toEqual([...co.sources].sort());
      expect(new Set(co.envelopes.map((e) => e.connection_id))).toEqual(new Set(co.map.connections.map((c) => c.id)));
      items = normalizeAll(co.envelopes, co.map);
    });

    it('delivered in order: the open findings are exactly the ground truth (precision and recall 100 %)', async () => {
      await resetStore(ch.client);
      await deliver(ch.client, items);
      const [dead] = await ch.client
        .query({ query: 'SELECT count() AS n FROM dead_letters', format: 'JSONEachRow' })
        .then((r) => r.json<{ n: string }>());
      expect(dead!.n).toBe('0');
      await evaluateAt(co);
      expect(await compareWithTruth(co)).toEqual({ missing: [], extra: [] });
    });

    it('lag statistics per plane equal the hand count (count, removed, pending, overdue, breaches)', async () => {
      expect(await lagPerPlane(co)).toEqual(expectedLag(co));
    });

    it('lag items are exactly the hand-listed units, removed or pending', async () => {
      const rows = await lagItems(co);
      const got = Object.fromEntries(
        PLANES.map((p) => [
          p,
          rows
            .filter((r) => r.plane === p)
            .map((r) => lagUnitKey({ source: r.source, id: r.subject_id, tenant: r.tenant ?? '', removed: Number(r.removed_ms) > 0 }))
            .sort(),
        ]),
      );
      const want = Object.fromEntries(PLANES.map((p) => [p, co.lag[p].items.map(lagUnitKey).sort()]));
      expect(got).toEqual(want);
    });

    it('lag and findings agree: every pending removal has an open finding, every overdue / orphaned account is a pending removal', async () => {
      const rows = await lagItems(co);
      const open = await openFindings();
      const unit = (source: string | null, id: string, tenant: string | null) => `${source ?? ''}|${id}|${tenant ?? ''}`;
      const covered = new Set(open.filter((f) => LAG_DETECTIONS.has(f.detection)).map((f) => unit(f.source, f.subject.id, f.tenant)));
      const pending = rows.filter((r) => Number(r.removed_ms) === 0);
      expect(
        pending
          .map((r) => unit(r.source, r.subject_id, r.tenant))
          .filter((u) => !covered.has(u))
          .sort(),
        'pending removals without an open finding',
      ).toEqual([]);
      const pendingUnits = new Set(pending.map((r) => unit(r.source, r.subject_id, r.tenant)));
      const accountFindings = open.filter((f) => f.detection === 'PW-DEPROV-OVERDUE' || f.detection === 'PW-ORPHANED-ACCOUNT');
      expect(
        accountFindings
          .map((f) => `${f.detection} ${unit(f.source, f.subject.id, f.tenant)}`)
          .filter((s) => !pendingUnits.has(s.split(' ')[1]!))
          .sort(),
        'overdue / orphaned findings that lag does not count as pending',
      ).toEqual([]);
      // And the ground truth itself is consistent in the same way: one pending lag item per overdue unit.
      const truthOverdue = co.cases.filter((c) => c.detection === 'PW-DEPROV-OVERDUE').length;
      expect(truthOverdue).toBe(co.lag.platform.overdue + co.lag.application.overdue);
    });

    it('account findings name the scopes their unit reaches and say when the account is known by observation', async () => {
      const open = new Map((await openFindings()).map((f) => [keyOf(f), f]));
      const scopes = Object.fromEntries(Object.keys(co.scopes).map((k) => [k, scopeList(open.get(k)?.detail.scopes)]));
      expect(scopes).toEqual(Object.fromEntries(Object.entries(co.scopes).map(([k, v]) => [k, [...v].sort()])));
      const basis = Object.fromEntries(co.observed.map((k) => [k, open.get(k)?.detail.basis ?? null]));
      expect(basis).toEqual(Object.fromEntries(co.observed.map((k) => [k, 'observed'])));
    });

    it('half delivered and evaluated, the rest as a late backfill: ends on the same findings and lag figures', async () => {
      await resetStore(ch.client);
      const shuffled = rng(co.name.length * 104729).shuffle(items);
      const half = Math.floor(shuffled.length / 2);
      await deliver(ch.client, shuffled.slice(0, half));
      await evaluateAt(co);
      await deliver(ch.client, shuffled.slice(half));
      await evaluateAt(co);
      expect(await compareWithTruth(co)).toEqual({ missing: [], extra: [] });
      expect(await lagPerPlane(co)).toEqual(expectedLag(co));
    });

    it('shuffled and duplicated (late redeliveries): the same findings and the same lag figures', async () => {
      await resetStore(ch.client);
      const r = rng(co.name.length * 7919);
      const redelivered = r.shuffle([...items, ...items.filter(() => r.next() < 0.4), ...items.filter(() => r.next() < 0.15)]);
      expect(redelivered.length).toBeGreaterThan(items.length);
      await deliver(ch.client, redelivered, 17);
      await evaluateAt(co);
      expect(await compareWithTruth(co)).toEqual({ missing: [], extra: [] });
      expect(await lagPerPlane(co)).toEqual(expectedLag(co));
    });
  });
}
