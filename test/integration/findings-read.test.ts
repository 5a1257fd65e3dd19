// readCurrentFindings with a filter (what the API, CLI and alerter read instead of every finding
// ever made): the latest committed version per fingerprint, then the filter — a resolved latest
// version is never replaced by an older open one, an uncommitted version is never read. On real
// embedded ClickHouse with the real migrations.
import { beforeAll, describe, expect, it } from 'vitest';
import { readCurrentFindings } from '../../store/findings/findings-store.ts';
import { migratedStore } from '../helpers/migrated-store.ts';

const store = migratedStore('pw-findings-read-');

const finding = (fingerprint: string, version: number, evaluation_id: string, detection: string, plane: string, status: string) => ({
  fingerprint,
  version,
  evaluation_id,
  detection,
  kind: 'state',
  severity: 'medium',
  status,
  transition: status === 'resolved' ? 'resolved' : 'opened',
  resolution: status === 'resolved' ? 'cleared' : '',
  plane,
  tenant: '',
  source: 'openai',
  subject_kind: 'api_key',
  subject_id: `id-${fingerprint}`,
  subject_email: '',
  first_seen: '2027-01-01 00:00:00.000',
  last_seen: '2027-01-01 00:00:00.000',
  opened_at: '2027-01-01 00:00:00.000',
  resolved_at: status === 'resolved' ? '2027-01-02 00:00:00.000' : null,
  acknowledged_at: null,
  acknowledged_by: '',
  reopen_count: 0,
  evidence_event_ids: [`ev-${fingerprint}-${version}`],
  evidence_raw_ids: [],
  detail: {},
});
const evaluation = (evaluation_id: string, version: number) => ({
  evaluation_id,
  version,
  kind: 'evaluation',
  evaluated_now: '2027-01-01 00:00:00.000',
  started_at: '2027-01-01 00:00:00.000',
  finished_at: '2027-01-01 00:00:00.000',
  detections: 1,
  matches: 1,
  transitions: 1,
  published: 1,
  errors: [],
});

beforeAll(async () => {
  await store.client.insert({
    table: 'pw_findings',
    format: 'JSONEachRow',
    values: [
      finding('fa', 1, 'e1', 'PW-STALE-CREDENTIAL', 'platform', 'open'),
      finding('fa', 2, 'e2', 'PW-STALE-CREDENTIAL', 'platform', 'resolved'),
      finding('fb', 1, 'e1', 'PW-ORPHANED-CREDENTIAL', 'application', 'open'),
      finding('fb', 3, 'e3-uncommitted', 'PW-ORPHANED-CREDENTIAL', 'application', 'resolved'),
      finding('fc', 2, 'e2', 'PW-ORPHANED-ACCOUNT', 'platform', 'acknowledged'),
    ],
  });
  await store.client.insert({ table: 'pw_evaluations', format: 'JSONEachRow', values: [evaluation('e1', 1), evaluation('e2', 2)] });
});

const read = async (filter: Parameters<typeof readCurrentFindings>[1]) =>
  [...(await readCurrentFindings(store.client, filter)).values()].map((f) => [f.fingerprint, f.status, f.evidence_event_ids[0]]).sort();

describe('readCurrentFindings with a filter', () => {
  it('reads the latest committed version, then filters', async () => {
    expect(await read({})).toEqual([
      ['fa', 'resolved', 'ev-fa-2'],
      ['fb', 'open', 'ev-fb-1'],
      ['fc', 'acknowledged', 'ev-fc-2'],
    ]);
    expect(await read({ unresolved: true })).toEqual([
      ['fb', 'open', 'ev-fb-1'],
      ['fc', 'acknowledged', 'ev-fc-2'],
    ]);
    expect(await read({ fingerprint: 'fa' })).toEqual([['fa', 'resolved', 'ev-fa-2']]);
    expect(await read({ fingerprint: 'fa', unresolved: true })).toEqual([]);
    expect(await read({ fingerprint: 'nope' })).toEqual([]);
    expect(await read({ detection: 'PW-ORPHANED-CREDENTIAL' })).toEqual([['fb', 'open', 'ev-fb-1']]);
    expect(await read({ detectionContains: 'CREDENTIAL', unresolved: true })).toEqual([['fb', 'open', 'ev-fb-1']]);
    expect(await read({ plane: 'platform' })).toEqual([
      ['fa', 'resolved', 'ev-fa-2'],
      ['fc', 'acknowledged', 'ev-fc-2'],
    ]);
  });
});
