// Two #5 leftovers, on real embedded ClickHouse with the real migrations and detections:
//  - the person timeline lists accounts and credentials known only from inventory listings (no
//    lifecycle event ever reported their creation);
//  - a connection whose vendor reports no last use of its keys (credential_last_use: not_reported,
//    e.g. the Anthropic Admin API) has its keys judged by age only, with a detail that says so,
//    instead of being called "never used".
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { insertRows } from '../../core/clickhouse/rows.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { detectionParams } from '../../store/detections/params.ts';
import { runDetection } from '../../services/detector/evaluation/run-detection.ts';
import { refreshSnapshot } from '../../store/read-models/snapshot.ts';
import { personTimeline } from '../../store/lag/stats.ts';
import { resetStore } from '../helpers/scenario/load.ts';
import { migratedStore } from '../helpers/migrated-store.ts';
import { identityEventRow } from '../helpers/identity-event.ts';

const plane = (vendor: string) => (vendor === 'workos' ? ('application' as const) : ('platform' as const));

function ev(e: {
  id: string;
  at: string;
  source: string;
  connection: string;
  category: string;
  action: string;
  tenant?: string;
  authoritative_for?: string;
  subject: { kind: string; id: string; email?: string };
  credential?: { id: string; kind: string; owner_id: string; created_at?: string; last_used_at?: string };
  attributes?: Record<string, string>;
}) {
  return identityEventRow({ ...e, credential: e.credential ? { ...e.credential, owner_kind: 'human' } : null });
}

const store = migratedStore('pw-timeline-');

describe('person timeline', () => {
  it('lists an account and a key seen only in inventory listings, at their creation time', async () => {
    await resetStore(store.client);
    await insertRows(
      store.client,
      'identity_events',
      [
        ev({
          id: 'd1',
          at: '2026-01-05T09:00:00Z',
          source: 'workos',
          connection: 'workos-main',
          category: 'account',
          action: 'created',
          tenant: 'org_wf',
          authoritative_for: 'employees',
          subject: { kind: 'human', id: 'du_1', email: 'Ann@acme.example' },
          attributes: { directory_id: 'dir_1' },
        }),
        ev({
          id: 'd2',
          at: '2026-03-01T12:00:00Z',
          source: 'workos',
          connection: 'workos-main',
          category: 'account',
          action: 'suspended',
          tenant: 'org_wf',
          authoritative_for: 'employees',
          subject: { kind: 'human', id: 'du_1', email: 'ann@acme.example' },
          attributes: { directory_id: 'dir_1' },
        }),
        ev({
          id: 'u1',
          at: '2026-02-01T00:00:00Z',
          source: 'openai',
          connection: 'openai-main',
          category: 'inventory',
          action: 'observed',
          subject: { kind: 'human', id: 'user-ann', email: 'ann@acme.example' },
        }),
        ev({
          id: 'k1',
          at: '2026-02-01T00:00:00Z',
          source: 'openai',
          connection: 'openai-main',
          category: 'inventory',
          action: 'observed',
          tenant: 'proj_1',
          subject: { kind: 'api_key', id: 'key_ann' },
          credential: { id: 'key_ann', kind: 'project_key', owner_id: 'user-ann', created_at: '2026-01-20T08:00:00Z' },
        }),
      ],
      `tl-${randomUUID()}`,
    );
    const map = validateBoundaryMap({}, 'test');
    const tl = await personTimeline(store.client, map, 'ann@acme.example', Date.parse('2026-03-02T00:00:00Z'), plane);
    expect(tl.map((e) => [e.at, e.source, e.entity, e.subject_id, e.what, e.event_id])).toEqual([
      ['2026-01-05T09:00:00.000Z', 'workos', 'account', 'du_1', 'created', 'd1'],
      ['2026-01-20T08:00:00.000Z', 'openai', 'credential', 'key_ann', 'created', 'k1'],
      ['2026-02-01T00:00:00.000Z', 'openai', 'account', 'user-ann', 'seen_in_inventory', 'u1'],
      ['2026-03-01T12:00:00.000Z', 'workos', 'account', 'du_1', 'deprovision_signal', 'd2'],
    ]);
  });
});

describe('PW-STALE-CREDENTIAL and sources that report no last use', () => {
  const stale = loadDetections().find((d) => d.id === 'PW-STALE-CREDENTIAL')!;
  const events = () => [
    ev({
      id: 'a1',
      at: '2026-05-30T00:00:00Z',
      source: 'anthropic',
      connection: 'anthropic-main',
      category: 'inventory',
      action: 'observed',
      subject: { kind: 'api_key', id: 'apikey_old' },
      credential: { id: 'apikey_old', kind: 'api_key', owner_id: 'user_1', created_at: '2026-01-01T00:00:00Z' },
    }),
    ev({
      id: 'a2',
      at: '2026-05-30T00:00:00Z',
      source: 'anthropic',
      connection: 'anthropic-main',
      category: 'inventory',
      action: 'observed',
      subject: { kind: 'api_key', id: 'apikey_young' },
      credential: { id: 'apikey_young', kind: 'api_key', owner_id: 'user_1', created_at: '2026-04-01T00:00:00Z' },
    }),
  ];
  const run = async (lastUse: 'reported' | 'not_reported') => {
    await resetStore(store.client);
    await insertRows(store.client, 'identity_events', events(), `stale-${randomUUID()}`);
    const map = validateBoundaryMap(
      {
        connections: [
          {
            id: 'anthropic-main',
            vendor: 'anthropic',
            transport: 'inventory',
            api_key_env: 'ANTHROPIC_ADMIN_KEY',
            credential_last_use: lastUse,
          },
        ],
      },
      'test',
    );
    const params = detectionParams(map, Date.parse('2026-06-01T00:00:00Z'), plane);
    await refreshSnapshot(store.client, params);
    return (await runDetection(store.client, stale, params)).map((r) => [r.subject_id, r.detail.last_used_at, r.detail.basis]);
  };

  it('judges keys of a not_reported connection by age, saying the source reports no use', async () => {
    expect(await run('not_reported')).toEqual([['apikey_old', 'not reported by the source', 'age']]);
  });

  it('calls the same key never used when the connection reports use', async () => {
    expect(await run('reported')).toEqual([['apikey_old', 'never', 'last use']]);
  });

  it('rejects an unknown value, naming the field', () => {
    expect(() =>
      validateBoundaryMap(
        {
          connections: [{ id: 'a', vendor: 'anthropic', transport: 'inventory', api_key_env: 'K', credential_last_use: 'sometimes' }],
        },
        'test',
      ),
    ).toThrow(/credential_last_use.*expected "reported" or "not_reported"/s);
  });
});
