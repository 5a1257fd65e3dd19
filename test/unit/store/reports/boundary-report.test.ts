// Pure parts of the boundary report: period parsing, the status rules of each control (on hand-made
// query rows), quantiles, and the renderers (CSV quoting, HTML escaping, no external resources).
import { describe, expect, it } from 'vitest';
import { parseReportPeriod } from '../../../../store/reports/period.ts';
import { buildSections, quantileExact, type ReportInputs } from '../../../../store/reports/build.ts';
import { ReportRequest } from '../../../../store/reports/boundary-report.ts';
import { renderCsv } from '../../../../store/reports/render-csv.ts';
import { renderHtml } from '../../../../store/reports/render-html.ts';
import { renderTable } from '../../../../store/reports/render-table.ts';
import { REPORT_SCHEMA, type BoundaryReport, type SourceCoverage } from '../../../../store/reports/types.ts';

const H = 3_600_000;
const D = 24 * H;
const FROM = Date.UTC(2026, 6, 1);
const TO = Date.UTC(2026, 9, 1);
const NOW = Date.UTC(2026, 8, 20, 12);

describe('parseReportPeriod', () => {
  it('quarter, month, year and from..to, in UTC, end exclusive', () => {
    expect(parseReportPeriod('2026-Q3')).toEqual({ label: '2026-Q3', from: Date.UTC(2026, 6, 1), to: Date.UTC(2026, 9, 1) });
    expect(parseReportPeriod('2026q4')).toEqual({ label: '2026-Q4', from: Date.UTC(2026, 9, 1), to: Date.UTC(2027, 0, 1) });
    expect(parseReportPeriod('2026-07')).toEqual({ label: '2026-07', from: Date.UTC(2026, 6, 1), to: Date.UTC(2026, 7, 1) });
    expect(parseReportPeriod('2026-12')).toEqual({ label: '2026-12', from: Date.UTC(2026, 11, 1), to: Date.UTC(2027, 0, 1) });
    expect(parseReportPeriod('2026')).toEqual({ label: '2026', from: Date.UTC(2026, 0, 1), to: Date.UTC(2027, 0, 1) });
    expect(parseReportPeriod('2026-07-01..2026-07-15T12:00:00Z')).toEqual({
      label: '2026-07-01..2026-07-15T12:00:00Z',
      from: Date.UTC(2026, 6, 1),
      to: Date.UTC(2026, 6, 15, 12),
    });
  });

  it('errors name what was expected', () => {
    expect(() => parseReportPeriod('2026-Q5')).toThrow(
      'period: expected 2026-Q3 (quarter), 2026-07 (month), 2026 (year) or 2026-07-01..2026-10-01 (ISO dates, from inclusive, to exclusive); got "2026-Q5"',
    );
    expect(() => parseReportPeriod('2026-13')).toThrow('period: month 13 is not 01..12');
    expect(() => parseReportPeriod('2026-07-01..soon')).toThrow('period: end "soon" is not an ISO 8601 date or time (e.g. 2026-10-01)');
    expect(() => parseReportPeriod('yesterday..2026-07-01')).toThrow(
      'period: start "yesterday" is not an ISO 8601 date or time (e.g. 2026-07-01)',
    );
    expect(() => parseReportPeriod('2026-08-01..2026-07-01')).toThrow('period: the end must be later than the start');
  });

  it('a request with a tenant on the platform plane is refused', () => {
    const r = ReportRequest.safeParse({ period: '2026-Q3', plane: 'platform', tenant: 'org_1' });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual(['tenant: tenants exist on the application plane only; drop --plane platform']);
    expect(ReportRequest.safeParse({ period: '2026-Q3', plane: 'both' }).error!.issues.map((i) => i.message)).toEqual([
      'plane: expected "platform" or "application"',
    ]);
  });
});

describe('quantileExact', () => {
  it('is the order statistic sorted[min(floor(q·n), n−1)]', () => {
    expect(quantileExact([], 0.5)).toBeNull();
    expect(quantileExact([30, 10, 20], 0.5)).toBe(20);
    expect(quantileExact([10, 20], 0.5)).toBe(20);
    expect(quantileExact([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(100);
    expect(quantileExact([5], 0.99)).toBe(5);
  });
});

const source = (over: Partial<SourceCoverage>): SourceCoverage => ({
  connection_id: 'dir',
  source: 'workos',
  transport: 'webhook',
  planes: ['application'],
  silent_after_ms: D,
  deliveries: 10,
  last_delivery_at: '2026-09-20T10:00:00.000Z',
  gaps: [],
  longest_gap_ms: null,
  coverage: 1,
  silent_at_end: false,
  dead_letters: 0,
  last_raw_id: 'raw_1',
  ...over,
});

function inputs(over: Partial<ReportInputs> = {}): ReportInputs {
  return {
    planes: ['application'],
    tenant: null,
    from: FROM,
    to: TO,
    end: NOW,
    asOf: NOW,
    thresholds: {
      platform: { deprovision_sla_ms: D, grace_ms: H, stale_after_ms: 90 * D },
      application: { deprovision_sla_ms: 3 * D, grace_ms: H, stale_after_ms: 90 * D },
    },
    sources: [source({})],
    accounts: [
      {
        plane: 'application',
        tenant: 'org_1',
        source: 'workos',
        subject_id: 'u1',
        person: 'a@x.example',
        link: 'email',
        managed: 1,
        event_id: 'e1',
        raw_id: 'r1',
      },
    ],
    directories: [],
    directoryEvents: [
      {
        plane: 'application',
        tenant: 'org_1',
        connection_id: 'dir',
        source: 'workos',
        events: 3,
        last_ms: NOW - D,
        last_event_id: 'e',
        last_raw_id: 'r',
      },
    ],
    signIns: [
      {
        plane: 'application',
        tenant: 'org_1',
        source: 'workos',
        subject_id: 'u1',
        email: 'a@x.example',
        sign_ins: 4,
        sso: 4,
        password: 0,
        other: 0,
        unknown: 0,
        mfa: 0,
        mfa_reported: 0,
        managed: 1,
        event_id: 'e',
        raw_id: 'r',
      },
    ],
    lagItems: [
      {
        plane: 'application',
        source: 'workos',
        item: 'account',
        subject_kind: 'human',
        subject_id: 'u2',
        tenant: 'org_1',
        person: 'b@x.example',
        signal_ms: NOW - 10 * D,
        signal_event_id: 's',
        removed_ms: NOW - 10 * D + 2 * H,
        removed_event_id: 'rm',
      },
    ],
    credentials: [],
    hits: [],
    crossingFindings: [],
    ...over,
  };
}
const statusOf = (i: ReportInputs, id: string, tenant: string | null = null) =>
  buildSections(i)
    .find((s) => s.plane === 'application' && s.tenant === tenant)!
    .controls.find((c) => c.id === id)!.status;

describe('status rules', () => {
  it('all good: provisioning, authentication, deprovisioning, audit trail and separation proven; credentials not applicable', () => {
    const s = buildSections(inputs());
    expect(s.map((x) => `${x.plane}/${x.tenant}`)).toEqual(['application/null', 'application/org_1']);
    expect(Object.fromEntries(s[0]!.controls.map((c) => [c.id, c.status]))).toEqual({
      provisioning: 'proven',
      authentication: 'proven',
      deprovisioning: 'proven',
      credentials: 'not_applicable',
      audit_trail: 'proven',
      separation: 'proven',
    });
  });

  it('provisioning: no directory events → not proven; silent directory → not proven; disabled → not proven; unmanaged → partly', () => {
    expect(statusOf(inputs({ directoryEvents: [] }), 'provisioning')).toBe('not_proven');
    expect(statusOf(inputs({ sources: [source({ silent_at_end: true })] }), 'provisioning')).toBe('not_proven');
    expect(
      statusOf(
        inputs({
          directories: [
            {
              plane: 'application',
              tenant: 'org_1',
              source: 'workos',
              connection_id: 'dir',
              subject_id: 'd1',
              kind: 'directory',
              name: 'X',
              last_action: 'deleted',
              state: 'deleting',
              event_id: 'e',
              raw_id: 'r',
              disabled: 1,
            },
          ],
        }),
        'provisioning',
      ),
    ).toBe('not_proven');
    const unmanaged = inputs({
      accounts: [
        ...inputs().accounts,
        {
          plane: 'application',
          tenant: '',
          source: 'workos',
          subject_id: 'u9',
          person: 'z@y.example',
          link: 'email',
          managed: 0,
          event_id: 'e9',
          raw_id: 'r9',
        },
      ],
    });
    expect(statusOf(unmanaged, 'provisioning')).toBe('partly');
    expect(statusOf(unmanaged, 'provisioning', 'org_1')).toBe('proven');
  });

  it('authentication: no sign-in → not proven; none through SSO → not proven; mixed → partly', () => {
    expect(statusOf(inputs({ signIns: [] }), 'authentication')).toBe('not_proven');
    expect(statusOf(inputs({ signIns: [], accounts: [] }), 'authentication')).toBe('not_applicable');
    const row = inputs().signIns[0]!;
    expect(statusOf(inputs({ signIns: [{ ...row, sso: 0, password: 4 }] }), 'authentication')).toBe('not_proven');
    expect(statusOf(inputs({ signIns: [{ ...row, sso: 3, password: 1 }] }), 'authentication')).toBe('partly');
    expect(statusOf(inputs({ signIns: [{ ...row, managed: 0 }] }), 'authentication')).toBe('partly');
  });

  it('deprovisioning: overdue → not proven; late removal or pending within SLA → partly; nobody left → not applicable', () => {
    const item = inputs().lagItems[0]!;
    expect(statusOf(inputs({ lagItems: [{ ...item, removed_ms: 0 }] }), 'deprovisioning')).toBe('not_proven');
    expect(statusOf(inputs({ lagItems: [{ ...item, removed_ms: item.signal_ms + 4 * D }] }), 'deprovisioning')).toBe('partly');
    expect(statusOf(inputs({ lagItems: [{ ...item, signal_ms: NOW - D, removed_ms: 0 }] }), 'deprovisioning')).toBe('partly');
    expect(statusOf(inputs({ lagItems: [] }), 'deprovisioning')).toBe('not_applicable');
    expect(statusOf(inputs({ lagItems: [], directoryEvents: [] }), 'deprovisioning')).toBe('not_proven');
    const aad = {
      detection: 'PW-ACTIVITY-AFTER-DEPROVISION',
      fingerprint: 'f'.repeat(32),
      plane: 'application',
      tenant: '',
      source: 'workos',
      subject_kind: 'human',
      subject_id: 'u2',
      subject_email: 'b@x.example',
      event_ids: ['s', 'a'],
      raw_ids: [],
      detail: { activity_at: '2026-09-11 10:00:00.000', signal_at: '2026-09-10 12:00:00.000' },
    };
    expect(statusOf(inputs({ hits: [aad] }), 'deprovisioning')).toBe('not_proven');
    expect(
      statusOf(inputs({ hits: [{ ...aad, detail: { ...aad.detail, activity_at: '2026-06-11 10:00:00.000' } }] }), 'deprovisioning'),
    ).toBe('proven');
  });

  it('credentials: orphaned → not proven; stale only → partly; fine → proven', () => {
    const cred = {
      plane: 'application',
      tenant: 'org_1',
      source: 'workos',
      credential_id: 'k1',
      kind: 'api_key',
      owner_id: 'u1',
      owner_kind: 'human',
      created_ms: NOW - 10 * D,
      last_used_ms: NOW - D,
      ref_ms: NOW - D,
      unobservable: 0,
      event_id: 'e',
      raw_id: 'r',
    };
    const hit = (detection: string) => ({
      detection,
      fingerprint: 'a'.repeat(32),
      plane: 'application',
      tenant: 'org_1',
      source: 'workos',
      subject_kind: 'api_key',
      subject_id: 'k1',
      subject_email: '',
      event_ids: [],
      raw_ids: [],
      detail: {},
    });
    expect(statusOf(inputs({ credentials: [cred] }), 'credentials')).toBe('proven');
    expect(statusOf(inputs({ credentials: [cred], hits: [hit('PW-STALE-CREDENTIAL')] }), 'credentials')).toBe('partly');
    expect(
      statusOf(inputs({ credentials: [cred], hits: [hit('PW-STALE-CREDENTIAL'), hit('PW-ORPHANED-CREDENTIAL')] }), 'credentials'),
    ).toBe('not_proven');
  });

  it('audit trail: silent or never delivered → not proven; gaps or dead letters → partly', () => {
    expect(statusOf(inputs({ sources: [] }), 'audit_trail')).toBe('not_proven');
    expect(statusOf(inputs({ sources: [source({ deliveries: 0, silent_at_end: true })] }), 'audit_trail')).toBe('not_proven');
    expect(statusOf(inputs({ sources: [source({ gaps: [{ from: 'a', to: 'b', ms: 2 * D }] })] }), 'audit_trail')).toBe('partly');
    expect(statusOf(inputs({ sources: [source({ dead_letters: 2 })] }), 'audit_trail')).toBe('partly');
  });

  it('separation: a crossing open in the period (now or from the findings history) → not proven', () => {
    const crossing = {
      detection: 'PW-PLATFORM-IN-TENANT',
      fingerprint: 'c'.repeat(32),
      plane: 'application',
      tenant: 'org_1',
      source: 'workos',
      subject_kind: 'human',
      subject_id: 'u7',
      subject_email: 'e@acme.example',
      event_ids: [],
      raw_ids: [],
      detail: {},
    };
    expect(statusOf(inputs({ hits: [crossing] }), 'separation')).toBe('not_proven');
    expect(statusOf(inputs({ crossingFindings: [crossing] }), 'separation', 'org_1')).toBe('not_proven');
    expect(statusOf(inputs({ crossingFindings: [{ ...crossing, tenant: 'org_2' }] }), 'separation', 'org_1')).toBe('proven');
  });

  it("a tenant scope gives only that tenant's section", () => {
    expect(buildSections(inputs({ tenant: 'org_1' })).map((s) => `${s.plane}/${s.tenant}`)).toEqual(['application/org_1']);
  });
});

describe('renderers', () => {
  const report = (): BoundaryReport => ({
    schema: REPORT_SCHEMA,
    generated_at: '2026-09-20T12:05:00.000Z',
    as_of: '2026-09-20T12:00:00.000Z',
    period: { label: '2026-Q3', from: '2026-07-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z', observed_to: '2026-09-20T12:00:00.000Z' },
    scope: { planes: ['application'], tenant: null },
    thresholds: inputs().thresholds,
    sources: [source({})],
    sections: buildSections(
      inputs({
        accounts: [
          ...inputs().accounts,
          {
            plane: 'application',
            tenant: '',
            source: 'workos',
            subject_id: '<script>alert(1)</script>',
            person: 'x"y@z.example',
            link: 'email',
            managed: 0,
            event_id: 'e',
            raw_id: 'r',
          },
        ],
      }),
    ),
    queries: [{ id: 'accounts', describes: 'accounts', sql: "SELECT 1 WHERE a < 'b'", params: { from_ms: 1 } }],
  });

  it('CSV: one row per figure and one status row per control, RFC 4180 quoting', () => {
    const lines = renderCsv(report()).split('\r\n');
    expect(lines[0]).toBe('period,plane,tenant,control,status,figure,label,value,unit,queries');
    expect(lines[1]).toBe(
      '2026-Q3,application,,provisioning,partly,status,"a directory delivers, but 1 of 2 active accounts are unmanaged (50.0% managed)",partly,text,',
    );
    expect(lines).toContain(
      '2026-Q3,application,,provisioning,partly,managed_share,share of active accounts that are directory-managed,0.5,ratio,accounts',
    );
  });

  it('HTML: escaped, self-contained (no external URL), every figure with its query', () => {
    const html = renderHtml(report());
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('SELECT 1 WHERE a &lt; &#39;b&#39;');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('table: the statuses on the control line, plane-wide sections first, then the tenants', () => {
    const text = renderTable(report());
    expect(text.split('\n').filter((l) => l.startsWith('Provisioning'))).toEqual(['Provisioning      PARTLY', 'Provisioning      PROVEN']);
    expect(text.split('\n').filter((l) => l.startsWith('CONTROL'))).toEqual([
      'CONTROL           application plane',
      'CONTROL           application plane, tenant org_1',
    ]);
    expect(text).toContain('    - unmanaged_account: workos:<script>alert(1)</script> <x"y@z.example>');
  });
});
