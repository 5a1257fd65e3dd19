// Person-scoped detections (detection.yaml `scope: person`, PW-ACTIVITY-AFTER-DEPROVISION) against the
// real ClickHouse engine: after a batch, the incremental evaluation re-runs the detection for the
// people the batch may have changed only — including a human actor whose activity is not a
// subject of the batch, and the person an account moved away from — leaves everyone else's
// findings as committed, and agrees with a full evaluation at the same clock.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { insertRows } from '../../core/clickhouse/rows.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { evaluate } from '../../services/detector/evaluation/evaluate.ts';
import { cacheOf } from '../helpers/evaluation-cache.ts';
import { TOUCHED_OVERLAP_MS } from '../../store/read-models/snapshot.ts';
import { resetStore } from '../helpers/scenario/load.ts';
import type { ClickHouseClient } from '@clickhouse/client';
import { migratedStore } from '../helpers/migrated-store.ts';
import { identityEventRow } from '../helpers/identity-event.ts';

const store = migratedStore('pw-scoped-');

const AAD = 'PW-ACTIVITY-AFTER-DEPROVISION';
// A person-scoped detection that ignores its scope (one row per directory account, whoever the batch touched).
const IGNORES_SCOPE = 'ACME-IGNORES-SCOPE';
function customDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pw-scoped-custom-'));
  mkdirSync(path.join(root, IGNORES_SCOPE));
  writeFileSync(
    path.join(root, IGNORES_SCOPE, 'detection.yaml'),
    `id: ${IGNORES_SCOPE}\ntitle: t\nseverity: low\nplanes: [platform]\nkind: state\nscope: person\ndescription: d\nremediation: r\n`,
  );
  writeFileSync(
    path.join(root, IGNORES_SCOPE, 'detection.sql'),
    `SELECT kind AS subject_kind, subject_id, person AS subject_email, plane, tenant, source, '' AS key,
    '' AS severity, [] AS event_ids, [] AS raw_ids, map() AS detail FROM pw_eval_person_accounts WHERE is_directory = 1 AND {scoped:UInt8} >= 0`,
  );
  return root;
}
const detections = loadDetections({ customDir: customDir() }).filter((d) => d.id === AAD || d.id === IGNORES_SCOPE);
const map = validateBoundaryMap({}, 'test');
const defaultPlaneOf = (vendor: string) => (vendor === 'openai' ? ('platform' as const) : ('application' as const));
const NOW = Date.parse('2026-03-05T00:00:00Z');

interface Ev {
  id: string;
  at: string;
  source: 'workos' | 'openai';
  category: string;
  action: string;
  subject: { kind: string; id: string; email?: string };
  actor?: string;
}
function row(e: Ev) {
  const directory = e.source === 'workos';
  return identityEventRow({
    ...e,
    tenant: directory ? 'org_wf' : null,
    authoritative_for: directory ? 'employees' : null,
    outcome: e.category === 'authentication' ? 'success' : null,
    actor: e.actor ? { kind: 'human', id: e.actor } : null,
    attributes: directory ? { directory_id: 'dir_wf' } : {},
  });
}
const insert = (events: Ev[]) => insertRows(store.client, 'identity_events', events.map(row), `scoped-${randomUUID()}`);

/** A person with a directory account (created, optionally deleted on 1 March) and an OpenAI user. */
function person(name: string, leaves: boolean): Ev[] {
  const email = `${name}@acme.example`;
  return [
    {
      id: `${name}-dir-created`,
      at: '2026-01-01T00:00:00Z',
      source: 'workos',
      category: 'account',
      action: 'created',
      subject: { kind: 'human', id: `du_${name}`, email },
    },
    {
      id: `${name}-openai`,
      at: '2026-01-02T00:00:00Z',
      source: 'openai',
      category: 'inventory',
      action: 'observed',
      subject: { kind: 'human', id: `user-${name}`, email },
    },
    ...(leaves
      ? [
          {
            id: `${name}-dir-deleted`,
            at: '2026-03-01T00:00:00Z',
            source: 'workos' as const,
            category: 'account',
            action: 'deleted',
            subject: { kind: 'human', id: `du_${name}`, email },
          },
        ]
      : []),
  ];
}
const login = (id: string, user: string, at: string): Ev => ({
  id,
  at,
  source: 'openai',
  category: 'authentication',
  action: 'succeeded',
  subject: { kind: 'human', id: user },
});

async function aadFindings(): Promise<string[]> {
  const rs = await store.client.query({
    query: `SELECT status, subject_email, subject_id, evidence_event_ids FROM pw_findings
            WHERE evaluation_id IN (SELECT evaluation_id FROM pw_evaluations) AND detection = {d:String}
            ORDER BY fingerprint, version DESC LIMIT 1 BY fingerprint`,
    query_params: { d: AAD },
    format: 'JSONEachRow',
  });
  const all = await rs.json<{ status: string; subject_email: string; subject_id: string; evidence_event_ids: string[] }>();
  return all.map((f) => `${f.status} ${f.subject_email} ${f.subject_id} ${f.evidence_event_ids.join(',')}`).sort();
}

describe('person-scoped evaluation after a batch', () => {
  it('re-runs PW-ACTIVITY-AFTER-DEPROVISION for the people the batch changed, keeps the others, and equals a full evaluation', async () => {
    await insert([
      ...person('ann', true),
      ...person('bob', false),
      ...person('carl', true),
      ...person('dana', true),
      login('carl-login', 'user-carl', '2026-03-02T00:00:00Z'),
      login('dana-login', 'user-dana', '2026-03-02T00:00:00Z'),
    ]);
    // Out of the touched-keys overlap of the first snapshot, so the batch below is all that is touched.
    await new Promise((r) => setTimeout(r, TOUCHED_OVERLAP_MS + 1000));
    const first = await evaluate(store.client, { cache: cacheOf(store.client), detections, map, now: NOW, defaultPlaneOf });
    expect(first.snapshot.mode).toBe('full');
    expect(first.scoped).toEqual([]);
    expect(await aadFindings()).toEqual([
      'open carl@acme.example user-carl carl-dir-deleted,carl-login',
      'open dana@acme.example user-dana dana-dir-deleted,dana-login',
    ]);

    await insert([
      // Ann's OpenAI user acts (as the actor, on someone else) after she left: only the actor key is touched.
      {
        id: 'ann-acts',
        at: '2026-03-02T00:00:00Z',
        source: 'openai',
        category: 'account',
        action: 'updated',
        subject: { kind: 'human', id: 'user-zed' },
        actor: 'user-ann',
      },
      // Dana's directory account now carries another email: it leaves Dana (and its deprovision with it).
      {
        id: 'dana-renamed',
        at: '2026-03-03T00:00:00Z',
        source: 'workos',
        category: 'account',
        action: 'updated',
        subject: { kind: 'human', id: 'du_dana', email: 'dee@acme.example' },
      },
    ]);
    const inc = await evaluate(store.client, {
      cache: cacheOf(store.client),
      detections,
      map,
      now: NOW,
      defaultPlaneOf,
      snapshot: 'incremental',
    });
    expect(inc.snapshot.mode).toBe('incremental');
    // A person-scoped detection returning rows outside its scope fails (its findings stay as they were).
    expect(inc.errors.map((e) => e.detection)).toEqual([IGNORES_SCOPE]);
    expect(inc.errors[0]!.message).toMatch(
      /^ACME-IGNORES-SCOPE: row \d+: subject_email "(bob|carl)@acme\.example" is not in pw_eval_scope, but the detection is person-scoped/,
    );
    expect(inc.scoped).toEqual([AAD]);
    // The people of the touched keys before the refresh (dana: her old directory account) and after
    // it (dee), and the touched actor's (ann); not bob or carl.
    const scope = await (
      await store.client.query({ query: 'SELECT DISTINCT person FROM pw_eval_scope ORDER BY person', format: 'JSONEachRow' })
    ).json<{ person: string }>();
    expect(scope.map((s) => s.person)).toEqual(['ann@acme.example', 'dana@acme.example', 'dee@acme.example']);
    expect(
      inc.changes
        .filter((c) => c.finding.detection === AAD)
        .map((c) => `${c.transition} ${c.finding.subject_email} ${c.finding.subject_id} ${c.finding.resolution}`)
        .sort(),
    ).toEqual(['opened ann@acme.example user-ann ', 'resolved dana@acme.example user-dana retracted']);
    expect(inc.changes.filter((c) => c.finding.detection === IGNORES_SCOPE)).toEqual([]);
    expect(await aadFindings()).toEqual([
      'open ann@acme.example user-ann ann-acts,ann-dir-deleted',
      'open carl@acme.example user-carl carl-dir-deleted,carl-login',
      'resolved dana@acme.example user-dana dana-dir-deleted,dana-login',
    ]);

    const full = await evaluate(store.client, {
      cache: cacheOf(store.client),
      detections,
      map,
      now: NOW,
      defaultPlaneOf,
      snapshot: 'full',
    });
    expect(full.scoped).toEqual([]);
    // Equal for the scoped detection; the one that failed catches up (du_dana now belongs to dee).
    expect(full.changes.map((c) => `${c.finding.detection} ${c.transition} ${c.finding.subject_email}`)).toEqual([
      `${IGNORES_SCOPE} updated dee@acme.example`,
    ]);
  }, 60_000);
});

describe('an insert landing in the middle of a snapshot refresh', () => {
  it("is left to the next refresh, which still takes its account's old person into the scope", async () => {
    await resetStore(store.client);
    // The engine keeps its state per client object: every evaluation here goes through this one,
    // which can run an insert right before the refresh's first DELETE (after the touched keys were read).
    let beforeDelete: (() => Promise<void>) | null = null;
    const client = new Proxy(store.client, {
      get(target, prop) {
        if (prop === 'command') {
          return async (p: Parameters<ClickHouseClient['command']>[0]) => {
            if (beforeDelete && p.query.startsWith('DELETE FROM pw_eval_accounts')) {
              const run = beforeDelete;
              beforeDelete = null;
              await run();
            }
            return target.command(p);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await insert([...person('ann', true), ...person('dana', true), login('dana-login', 'user-dana', '2026-03-02T00:00:00Z')]);
    await new Promise((r) => setTimeout(r, TOUCHED_OVERLAP_MS + 1000));
    expect((await evaluate(client, { cache: cacheOf(client), detections, map, now: NOW, defaultPlaneOf })).snapshot.mode).toBe('full');

    await insert([
      {
        id: 'ann-acts',
        at: '2026-03-02T00:00:00Z',
        source: 'openai',
        category: 'account',
        action: 'updated',
        subject: { kind: 'human', id: 'user-zed' },
        actor: 'user-ann',
      },
    ]);
    beforeDelete = () =>
      insert([
        {
          id: 'dana-renamed',
          at: '2026-03-03T00:00:00Z',
          source: 'workos',
          category: 'account',
          action: 'updated',
          subject: { kind: 'human', id: 'du_dana', email: 'dee@acme.example' },
        },
      ]);
    const first = await evaluate(client, { cache: cacheOf(client), detections, map, now: NOW, defaultPlaneOf, snapshot: 'incremental' });
    expect(beforeDelete).toBeNull();
    expect(first.scoped).toEqual([AAD]);
    // The rename came after this refresh took its keys: du_dana is not recomputed yet, Dana's incident stands.
    expect(first.changes.filter((c) => c.finding.detection === AAD).map((c) => `${c.transition} ${c.finding.subject_email}`)).toEqual([
      'opened ann@acme.example',
    ]);
    const second = await evaluate(client, { cache: cacheOf(client), detections, map, now: NOW, defaultPlaneOf, snapshot: 'incremental' });
    expect(second.scoped).toEqual([AAD]);
    expect(
      second.changes
        .filter((c) => c.finding.detection === AAD)
        .map((c) => `${c.transition} ${c.finding.subject_email} ${c.finding.resolution}`),
    ).toEqual(['resolved dana@acme.example retracted']);
    const full = await evaluate(client, { cache: cacheOf(client), detections, map, now: NOW, defaultPlaneOf, snapshot: 'full' });
    expect(full.changes.filter((c) => c.finding.detection === AAD)).toEqual([]);
  }, 60_000);
});
