// Exposure lag in the boundary report's credentials control (docs/REPORTS.md "Credentials"), on
// hand-made query rows: exposures found in the period whose credential is known are measured from
// the alert (exposure) to the credential's revocation against the plane's exposure SLA (24 h
// here); exposures that match no credential or several are listed, never measured. Expected
// values are worked out by hand below, not by the code under test.
import { describe, expect, it } from 'vitest';
import { buildSections, NOT_MATCHED, type ExposureItemRow, type ReportInputs } from '../../../../store/reports/build.ts';
import { scopeReportToTenant } from '../../../../store/reports/tenant-scope.ts';
import { renderCsv } from '../../../../store/reports/render-csv.ts';
import { renderHtml } from '../../../../store/reports/render-html.ts';
import { renderTable } from '../../../../store/reports/render-table.ts';
import { REPORT_SCHEMA, type BoundaryReport, type Control } from '../../../../store/reports/types.ts';

const H = 3_600_000;
const D = 24 * H;
const FROM = Date.UTC(2026, 6, 1);
const TO = Date.UTC(2026, 9, 1);
const NOW = Date.UTC(2026, 8, 20, 12);
const T0 = Date.UTC(2026, 8, 1); // 2026-09-01T00:00:00Z

const exposure = (n: string, over: Partial<ExposureItemRow>): ExposureItemRow => ({
  plane: 'application',
  tenant: 'org_1',
  source: 'anthropic',
  alert_id: `github-alert:acme/app#${n}`,
  secret_type: 'anthropic_api_key',
  repository: 'acme/app',
  match: 'one',
  credential_kind: 'api_key',
  credential_id: `apikey_${n}`,
  exposed_ms: T0,
  exposed_event_id: `exp_${n}`,
  exposed_raw_id: `raw_${n}`,
  removed_ms: 0,
  removed_event_id: '',
  in_lag: 1,
  ...over,
});
// A: revoked 6 h after the exposure (within the SLA); B: revoked 30 h after (a breach); C: found 2 h
// before as_of, still active (within the SLA so far); U: matched no credential; M: matched two.
const A = exposure('1', { removed_ms: T0 + 6 * H, removed_event_id: 'rev_1' });
const B = exposure('2', { removed_ms: T0 + 30 * H, removed_event_id: 'rev_2' });
const C = exposure('3', { exposed_ms: NOW - 2 * H });
const U = exposure('4', { tenant: '', source: 'github', match: 'none', credential_kind: '', credential_id: '', in_lag: 0 });
const M = exposure('5', { tenant: '', source: 'github', match: 'ambiguous', credential_kind: '', credential_id: '', in_lag: 0 });

function inputs(over: Partial<ReportInputs> = {}): ReportInputs {
  return {
    planes: ['application'],
    tenant: null,
    from: FROM,
    to: TO,
    end: NOW,
    asOf: NOW,
    thresholds: {
      platform: { deprovision_sla_ms: D, grace_ms: H, stale_after_ms: 90 * D, exposure_sla_ms: D },
      application: { deprovision_sla_ms: 3 * D, grace_ms: H, stale_after_ms: 90 * D, exposure_sla_ms: D },
    },
    sources: [],
    accounts: [],
    directories: [],
    directoryEvents: [],
    signIns: [],
    lagItems: [],
    credentials: [],
    hits: [],
    crossingFindings: [],
    exposures: [A, B, C, U, M],
    ...over,
  };
}
const credentialsOf = (i: ReportInputs, tenant: string | null = null): Control =>
  buildSections(i)
    .find((s) => s.plane === 'application' && s.tenant === tenant)!
    .controls.find((c) => c.id === 'credentials')!;
const figures = (c: Control) => Object.fromEntries(c.figures.map((f) => [f.name, f.value]));

describe('credentials control: exposure lag', () => {
  it('whole plane: a breach makes it not proven; lag over the revoked ones; unmatched listed, not measured', () => {
    const c = credentialsOf(inputs());
    expect(c.status).toBe('not_proven');
    expect(c.reason).toBe('exposure SLA 24.0h not met: 0 exposed credential(s) still active past it, 1 revoked after it');
    expect(figures(c)).toEqual({
      active_credentials: 0,
      living_owner: 0,
      living_owner_share: null,
      stale: 0,
      orphaned: 0,
      oldest_unused: null,
      oldest_unused_since: null,
      exposures: 3,
      exposures_revoked: 2,
      exposures_revoked_within_sla: 1,
      exposure_breaches: 1,
      exposures_active: 1,
      exposures_overdue: 0,
      // lags 6 h and 30 h: p50 = sorted[floor(0.5·2)] = 30 h, p90 = sorted[min(floor(1.8), 1)] = 30 h
      exposure_lag_p50_ms: 30 * H,
      exposure_lag_p90_ms: 30 * H,
      exposure_lag_max_ms: 30 * H,
      exposure_sla_ms: D,
      exposures_unmatched: 2,
    });
    expect(c.items.map((i) => [i.kind, i.source, i.tenant, i.id, i.detail.match, i.detail.note ?? '', i.event_ids, i.raw_ids])).toEqual([
      ['exposure_late_revocation', 'anthropic', 'org_1', 'apikey_2', 'one', '', ['exp_2', 'rev_2'], ['raw_2']],
      ['exposure_pending', 'anthropic', 'org_1', 'apikey_3', 'one', '', ['exp_3'], ['raw_3']],
      ['exposure_unmatched', 'github', null, 'github-alert:acme/app#4', 'none', NOT_MATCHED, ['exp_4'], ['raw_4']],
      ['exposure_unmatched', 'github', null, 'github-alert:acme/app#5', 'ambiguous', NOT_MATCHED, ['exp_5'], ['raw_5']],
    ]);
    expect(NOT_MATCHED).toBe('not matched: planewatch does not know which credential');
    expect(c.items[0]!.detail).toEqual({
      alert: 'github-alert:acme/app#2',
      secret_type: 'anthropic_api_key',
      repository: 'acme/app',
      match: 'one',
      exposed_at: '2026-09-01T00:00:00.000Z',
      credential_kind: 'api_key',
      revoked_at: '2026-09-02T06:00:00.000Z',
      lag_ms: String(30 * H),
    });
    expect(c.evidence).toEqual({
      fingerprints: [],
      event_ids: ['exp_1', 'exp_2', 'exp_3', 'exp_4', 'exp_5', 'rev_1', 'rev_2'],
      raw_ids: ['raw_1', 'raw_2', 'raw_3', 'raw_4', 'raw_5'],
    });
  });

  it('every exposure revoked within the SLA → proven; an unmatched one → partly; one still active within the SLA → partly; past it → not proven', () => {
    expect([credentialsOf(inputs({ exposures: [A] })).status, credentialsOf(inputs({ exposures: [A] })).reason]).toEqual([
      'proven',
      'all 1 exposed credential(s) revoked within the 24.0h exposure SLA',
    ]);
    expect([credentialsOf(inputs({ exposures: [A, U] })).status, credentialsOf(inputs({ exposures: [A, U] })).reason]).toEqual([
      'partly',
      '1 exposure(s) not matched to one credential: planewatch does not know which credential, so its revocation is not proven',
    ]);
    expect(credentialsOf(inputs({ exposures: [A, C] })).status).toBe('partly');
    const late = exposure('6', { exposed_ms: NOW - 25 * H });
    expect([
      credentialsOf(inputs({ exposures: [A, late] })).status,
      figures(credentialsOf(inputs({ exposures: [A, late] }))).exposures_overdue,
    ]).toEqual(['not_proven', 1]);
    expect(credentialsOf(inputs({ exposures: [A, late] })).items.map((i) => [i.kind, i.id, i.detail.active_for_ms])).toEqual([
      ['exposure_overdue', 'apikey_6', String(25 * H)],
    ]);
  });

  it('a credential found revoked before its exposure is not an item of the lag (in_lag 0), and a lag of exactly the SLA is within it', () => {
    const before = exposure('7', { removed_ms: T0 - H, removed_event_id: 'rev_7', in_lag: 0 });
    const exact = exposure('8', { removed_ms: T0 + D, removed_event_id: 'rev_8' });
    const c = credentialsOf(inputs({ exposures: [before, exact] }));
    expect([c.status, figures(c).exposures, figures(c).exposure_breaches, figures(c).exposure_lag_max_ms]).toEqual(['proven', 1, 0, D]);
  });

  it('the worse of the owner/staleness rule and the exposure rule decides; both reasons are given', () => {
    const cred = {
      plane: 'application',
      tenant: 'org_1',
      source: 'anthropic',
      credential_id: 'apikey_9',
      kind: 'api_key',
      owner_id: 'u1',
      owner_kind: 'human',
      created_ms: NOW - 10 * D,
      last_used_ms: 0,
      ref_ms: NOW - 10 * D,
      unobservable: 1,
      event_id: 'e9',
      raw_id: 'r9',
    };
    const c = credentialsOf(inputs({ credentials: [cred], exposures: [A, U] }));
    expect([c.status, c.reason]).toEqual([
      'partly',
      'all 1 active credentials have a living owner and none is stale; 1 exposure(s) not matched to one credential: planewatch does not know which credential, so its revocation is not proven',
    ]);
  });

  it('without a secret scanning source (no exposures input) the control has no exposure figure', () => {
    const c = credentialsOf(inputs({ exposures: undefined }));
    expect([c.status, c.figures.some((f) => f.name.startsWith('exposure'))]).toEqual(['not_applicable', false]);
  });

  it("a tenant section counts only that tenant's exposures: unmatched ones belong to no tenant", () => {
    const c = credentialsOf(inputs({ tenant: 'org_1' }), 'org_1');
    expect(figures(c)).toMatchObject({ exposures: 3, exposures_revoked: 2, exposure_breaches: 1, exposures_unmatched: 0 });
    expect(c.items.map((i) => i.kind)).toEqual(['exposure_late_revocation', 'exposure_pending']);
    expect(
      credentialsOf(inputs({ tenant: 'org_2', exposures: [A, B, C, U, M] }), 'org_2').figures.find((f) => f.name === 'exposures')!.value,
    ).toBe(0);
  });

  const report = (): BoundaryReport => ({
    schema: REPORT_SCHEMA,
    generated_at: '2026-09-20T12:05:00.000Z',
    as_of: '2026-09-20T12:00:00.000Z',
    period: { label: '2026-Q3', from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z', observed_to: '2026-09-20T12:00:00.000Z' },
    scope: { planes: ['application'], tenant: null },
    thresholds: inputs().thresholds,
    sources: [],
    sections: buildSections(inputs()),
    queries: [
      {
        id: 'exposures',
        describes: 'credential exposures',
        sql: 'SELECT … FROM pw_exposures',
        params: { from_ms: FROM, to_ms: TO, exposure_sla_application_ms: D, scope_conn_ids: ['github-main'] },
      },
    ],
  });

  it('renders in CSV, HTML and table with the figures, the items and their evidence ids', () => {
    const csv = renderCsv(report()).split('\r\n');
    expect(csv).toContain(
      '2026-Q3,application,,credentials,not_proven,exposure_breaches,revoked later than the exposure SLA,1,count,exposures',
    );
    expect(csv).toContain(`2026-Q3,application,org_1,credentials,not_proven,exposure_lag_p50_ms,exposure lag p50,${30 * H},ms,exposures`);
    const html = renderHtml(report());
    expect(html).toContain('data-figure="exposures_unmatched"');
    expect(html).toContain(
      '<span class="mono">exposure_unmatched</span> github:github-alert:acme/app#4 · events <span class="mono">exp_4</span> · raw <span class="mono">raw_4</span>',
    );
    const text = renderTable(report());
    expect(text).toContain('    - exposure_late_revocation: anthropic:apikey_2 tenant=org_1');
    expect(text).toContain('    - exposure_unmatched: github:github-alert:acme/app#5');
    expect(text).toMatch(/^ {18}exposure lag p50 +30\.0h/m);
  });

  it("scoped to a tenant: that tenant's section only, its SLA parameter kept, evidence ids kept only when the tenant's", () => {
    const r = { ...report(), sections: buildSections(inputs({ tenant: 'org_1' })) };
    const scoped = scopeReportToTenant(r, 'org_1', { eventIds: new Set(['rev_2']), rawIds: new Set() });
    const c = scoped.sections[0]!.controls.find((x) => x.id === 'credentials')!;
    expect(scoped.sections.map((s) => s.tenant)).toEqual(['org_1']);
    expect(c.items.map((i) => [i.kind, i.id, i.event_ids, i.raw_ids])).toEqual([
      ['exposure_late_revocation', 'apikey_2', ['rev_2'], []],
      ['exposure_pending', 'apikey_3', [], []],
    ]);
    expect(c.evidence.event_ids).toEqual(['rev_2']);
    expect(scoped.queries[0]!.params).toEqual({
      from_ms: FROM,
      to_ms: TO,
      exposure_sla_application_ms: D,
      scope_conn_ids: '(withheld: spans every tenant)',
    });
  });
});
