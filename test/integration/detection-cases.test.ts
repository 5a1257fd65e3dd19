// Each detection folder's cases.yaml: compact identity events (and deliveries), a `now`, and the
// exact rows the detection must return (subject kind / id / tenant, and severity or key where
// given). Runs the detection's SQL on real embedded ClickHouse against the real migrations, and
// again one millisecond later: only the detail keys the detection declares volatile may change.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { identityEventToRow, insertRows, rawEnvelopeToRow } from '../../core/clickhouse/rows.ts';
import { validateBoundaryMap } from '../../core/config/load.ts';
import { loadDetections } from '../../store/detections/metadata.ts';
import { detectionParams } from '../../store/detections/params.ts';
import { runDetection } from '../../services/detector/evaluation/run-detection.ts';
import { refreshSnapshot } from '../../store/read-models/snapshot.ts';
import { fingerprintOf, materialDetail } from '../../store/findings/lifecycle.ts';
import { resetStore } from '../helpers/scenario/load.ts';
import { migratedStore } from '../helpers/migrated-store.ts';
import { identityEvent, ms, type TestEvent } from '../helpers/identity-event.ts';

/** A case's event: a test event whose source defaults to workos. */
type CaseEvent = Omit<TestEvent, 'source'> & { source?: string };
interface Case {
  name: string;
  now: string;
  config?: Record<string, unknown>;
  events?: CaseEvent[];
  deliveries?: { connection: string; source: string; at: string }[];
  expect: { subject_kind: string; subject_id: string; tenant?: string; severity?: string; key?: string }[];
}

const toEvent = (e: CaseEvent) => identityEvent({ ...e, source: e.source ?? 'workos' });

type Sortable = { subject_kind: string; subject_id: string; tenant: string; key?: string };
const byRow = (a: Sortable, b: Sortable) =>
  `${a.subject_kind}|${a.subject_id}|${a.tenant}|${a.key ?? ''}`.localeCompare(
    `${b.subject_kind}|${b.subject_id}|${b.tenant}|${b.key ?? ''}`,
  );

const store = migratedStore('pw-cases-');

const detections = loadDetections();

describe('every built-in detection has cases', () => {
  it('ships the 16 detections of the issues, each with a cases.yaml holding a positive and a negative case', () => {
    expect(detections.map((d) => d.id).sort()).toEqual([
      'PW-ACTIVITY-AFTER-DEPROVISION',
      'PW-AMBIGUOUS-IDENTITY',
      'PW-CUSTOMER-IN-PLATFORM',
      'PW-DEPROV-OVERDUE',
      'PW-EXPOSED-CREDENTIAL-ACTIVE',
      'PW-EXPOSED-CREDENTIAL-USED',
      'PW-NHI-HUMAN-ACTION',
      'PW-ORPHANED-ACCOUNT',
      'PW-ORPHANED-CREDENTIAL',
      'PW-PLATFORM-IN-TENANT',
      'PW-PRE-DEPARTURE-KEY',
      'PW-PROVISIONING-DISABLED',
      'PW-SOURCE-SILENT',
      'PW-STALE-CREDENTIAL',
      'PW-STALE-CREDENTIAL-REUSED',
      'PW-UNMANAGED-ACCOUNT',
    ]);
    for (const d of detections) {
      const file = path.join(d.dir, 'cases.yaml');
      expect(existsSync(file), `${d.id}/cases.yaml`).toBe(true);
      const cases = YAML.parse(readFileSync(file, 'utf8')) as Case[];
      expect(
        cases.some((c) => c.expect.length > 0),
        `${d.id}: a case that fires`,
      ).toBe(true);
      expect(
        cases.some((c) => c.expect.length === 0),
        `${d.id}: a case that does not fire`,
      ).toBe(true);
    }
  });
});

for (const d of detections) {
  const file = path.join(d.dir, 'cases.yaml');
  if (!existsSync(file)) continue;
  const cases = YAML.parse(readFileSync(file, 'utf8')) as Case[];
  describe(d.id, () => {
    for (const c of cases) {
      it(c.name, async () => {
        await resetStore(store.client);
        const events = (c.events ?? []).map(toEvent);
        await insertRows(store.client, 'identity_events', events.map(identityEventToRow), `case-${randomUUID()}`);
        const deliveries = (c.deliveries ?? []).map((dl, i) =>
          rawEnvelopeToRow({
            id: `raw-delivery-${i}`,
            source: dl.source,
            connection_id: dl.connection,
            received_at: ms(dl.at),
            transport: 'webhook',
            content_type: 'application/json',
            headers: {},
            body: Buffer.from('{}'),
            verification: { scheme: 'none', verified: true, detail: null },
          }),
        );
        await insertRows(store.client, 'raw_envelopes', deliveries, `case-raw-${randomUUID()}`);
        const map = validateBoundaryMap(c.config ?? {}, `${d.id}/cases.yaml`);
        const params = detectionParams(map, ms(c.now), (vendor) => (vendor === 'openai' ? 'platform' : 'application'));
        await refreshSnapshot(store.client, params);
        const rows = await runDetection(store.client, d, params);
        const got = rows
          .map((r) => {
            const want = c.expect.find(
              (x) =>
                x.subject_id === r.subject_id &&
                x.subject_kind === r.subject_kind &&
                (x.tenant ?? '') === r.tenant &&
                (x.key === undefined || x.key === r.key),
            );
            return {
              subject_kind: r.subject_kind,
              subject_id: r.subject_id,
              tenant: r.tenant,
              ...(want?.severity !== undefined ? { severity: r.severity } : {}),
              ...(want?.key !== undefined ? { key: r.key } : {}),
            };
          })
          .sort(byRow);
        const expected = c.expect.map((x) => ({ ...x, tenant: x.tenant ?? '' })).sort(byRow);
        expect(got).toEqual(expected);

        // One millisecond later no row's detail may differ but in its volatile_detail keys: a value
        // that follows the clock and is not declared there would update its finding at every
        // evaluation (store/findings/lifecycle.ts).
        if (rows.length === 0) return;
        const later = await runDetection(
          store.client,
          d,
          detectionParams(map, ms(c.now) + 1, (v) => (v === 'openai' ? 'platform' : 'application')),
        );
        const details = (rs: typeof rows) => {
          const byFingerprint = new Map<string, string[]>();
          for (const r of rs) {
            const fp = fingerprintOf(d.id, r);
            byFingerprint.set(fp, [...(byFingerprint.get(fp) ?? []), materialDetail(r.detail, d.volatile_detail)].sort());
          }
          return byFingerprint;
        };
        const [now, next] = [details(rows), details(later)];
        for (const [fp, detail] of now) if (next.has(fp)) expect(next.get(fp), `${d.id}: a detail key follows the clock`).toEqual(detail);
      });
    }
  });
}
