// Pure parts of the detection engine: findings lifecycle, fingerprints, metadata validation,
// standard parameters.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acknowledge, diffFindings, fingerprintOf, type FindingState, type Match } from '../../../../store/findings/lifecycle.ts';
import { asDetectionRow, DetectionRowSchema, loadDetectionDir, loadDetections } from '../../../../store/detections/metadata.ts';
import { detectionParams, linkParams, paramsUsed, PARAM_TYPES } from '../../../../store/detections/params.ts';
import { validateBoundaryMap } from '../../../../core/config/load.ts';
import { ConfigError } from '../../../../core/config/errors.ts';

const row = (id: string, over: Partial<Match['row']> = {}): Match['row'] => ({
  subject_kind: 'human',
  subject_id: id,
  subject_email: `${id}@acme.example`,
  plane: 'platform',
  tenant: '',
  source: 'openai',
  key: '',
  severity: '',
  event_ids: ['e1'],
  raw_ids: ['r1'],
  detail: {},
  ...over,
});
const match = (det: string, kind: 'state' | 'incident', r: Match['row']): Match => ({
  detection: { id: det, kind, severity: 'high' },
  row: r,
  fingerprint: fingerprintOf(det, r),
});
const asMap = (fs: FindingState[]) => new Map(fs.map((f) => [f.fingerprint, f]));

describe('fingerprints', () => {
  it('depend on detection, plane, source, tenant, subject and key only', () => {
    const a = fingerprintOf('PW-X', row('u1'));
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprintOf('PW-X', row('u1', { event_ids: ['other'], subject_email: 'changed@x', detail: { a: 'b' } }))).toBe(a);
    expect(fingerprintOf('PW-Y', row('u1'))).not.toBe(a);
    expect(fingerprintOf('PW-X', row('u1', { tenant: 't' }))).not.toBe(a);
    expect(fingerprintOf('PW-X', row('u1', { key: 'period-2' }))).not.toBe(a);
  });
});

describe('findings lifecycle', () => {
  const ran = new Set(['PW-S', 'PW-I']);
  it('opens, updates on new evidence only, resolves, reopens (state findings)', () => {
    const opened = diffFindings(new Map(), [match('PW-S', 'state', row('u1'))], ran, 1000, null);
    expect(opened.map((c) => [c.transition, c.finding.status, c.finding.first_seen, c.finding.severity])).toEqual([
      ['opened', 'open', 1000, 'high'],
    ]);
    const f1 = opened[0]!.finding;
    expect(diffFindings(asMap([f1]), [match('PW-S', 'state', row('u1'))], ran, 2000, 1000)).toEqual([]);
    const upd = diffFindings(
      asMap([f1]),
      [match('PW-S', 'state', row('u1', { event_ids: ['e2', 'e1'], severity: 'critical' }))],
      ran,
      2000,
      1000,
    );
    expect(upd.map((c) => [c.transition, c.finding.evidence_event_ids, c.finding.severity, c.finding.last_seen])).toEqual([
      ['updated', ['e1', 'e2'], 'critical', 2000],
    ]);
    const res = diffFindings(asMap([f1]), [], ran, 3000, 2500);
    expect(res.map((c) => [c.transition, c.finding.status, c.finding.resolution, c.finding.resolved_at, c.finding.last_seen])).toEqual([
      ['resolved', 'resolved', 'cleared', 3000, 2500],
    ]);
    const re = diffFindings(asMap([res[0]!.finding]), [match('PW-S', 'state', row('u1'))], ran, 4000, 3000);
    expect(re.map((c) => [c.transition, c.finding.status, c.finding.reopen_count, c.finding.opened_at, c.finding.first_seen])).toEqual([
      ['reopened', 'reopened', 1, 4000, 1000],
    ]);
  });
  it("updates an open finding whose detail changed, but not for a change of the detection's volatile detail keys alone", () => {
    const stale = (detail: Record<string, string>): Match => ({
      ...match('PW-S', 'state', row('k1', { detail })),
      detection: { id: 'PW-S', kind: 'state', severity: 'high', volatileDetail: ['idle_ms'] },
    });
    const [o] = diffFindings(new Map(), [stale({ match: 'none', idle_ms: '10' })], ran, 1000, null);
    // Only the clock-driven key moved: nothing to write, the finding keeps its detail.
    expect(diffFindings(asMap([o!.finding]), [stale({ match: 'none', idle_ms: '20' })], ran, 2000, 1000)).toEqual([]);
    // The exposure's match changed (same evidence, same severity): updated, with the whole new detail.
    const upd = diffFindings(asMap([o!.finding]), [stale({ match: 'ambiguous', candidates: '2', idle_ms: '30' })], ran, 3000, 2000);
    expect(upd.map((c) => [c.transition, c.finding.detail, c.finding.last_seen])).toEqual([
      ['updated', { match: 'ambiguous', candidates: '2', idle_ms: '30' }, 3000],
    ]);
    // A key dropped from the detail is a change too; without volatile keys declared, idle_ms counts.
    expect(diffFindings(asMap([upd[0]!.finding]), [stale({ match: 'ambiguous', idle_ms: '30' })], ran, 4000, 3000)[0]?.transition).toBe(
      'updated',
    );
    expect(
      diffFindings(
        asMap([o!.finding]),
        [match('PW-S', 'state', row('k1', { detail: { match: 'none', idle_ms: '11' } }))],
        ran,
        2000,
        1000,
      )[0]?.transition,
    ).toBe('updated');
  });
  it('keeps acknowledged incidents, retracts unacknowledged incidents whose facts changed', () => {
    const [o] = diffFindings(new Map(), [match('PW-I', 'incident', row('u2'))], ran, 1000, null);
    const acked = acknowledge(o!.finding, 'me', 1500)!;
    expect(acked.finding).toMatchObject({ status: 'acknowledged', acknowledged_by: 'me', acknowledged_at: 1500 });
    expect(acknowledge(acked.finding, 'me', 1600)).toBeNull();
    expect(diffFindings(asMap([acked.finding]), [], ran, 2000, 1000)).toEqual([]);
    expect(diffFindings(asMap([o!.finding]), [], ran, 2000, 1000).map((c) => [c.transition, c.finding.resolution])).toEqual([
      ['resolved', 'retracted'],
    ]);
  });
  it('never resolves the findings of a detection whose query failed in this evaluation', () => {
    const [o] = diffFindings(new Map(), [match('PW-S', 'state', row('u3'))], ran, 1000, null);
    expect(diffFindings(asMap([o!.finding]), [], new Set(['PW-I']), 2000, 1000)).toEqual([]);
  });
  it('merges rows of one fingerprint deterministically (union of evidence, highest severity)', () => {
    const a = match('PW-S', 'state', row('u4', { event_ids: ['b'], raw_ids: ['rb'] }));
    const b = match('PW-S', 'state', row('u4', { event_ids: ['a'], raw_ids: ['ra'], severity: 'critical' }));
    const one = diffFindings(new Map(), [a, b], ran, 1000, null);
    const two = diffFindings(new Map(), [b, a], ran, 1000, null);
    expect(one).toEqual(two);
    expect(one.map((c) => [c.finding.evidence_event_ids, c.finding.severity])).toEqual([[['a', 'b'], 'critical']]);
  });
  it('a person-scoped run resolves only the findings of the people it covered', () => {
    const opened = diffFindings(
      new Map(),
      ['u9', 'u10', 'u11'].map((id) => match('PW-I', 'incident', row(id))),
      ran,
      1000,
      null,
    );
    const current = asMap(opened.map((c) => c.finding));
    // Ran for u9 and u10 only (scope by subject_email): u9 still matches, u10 no longer; u11 was not evaluated.
    const scoped = diffFindings(
      current,
      [match('PW-I', 'incident', row('u9'))],
      ran,
      2000,
      1000,
      new Map([['PW-I', new Set(['u9@acme.example', 'u10@acme.example'])]]),
    );
    expect(scoped.map((c) => [c.transition, c.finding.subject_id, c.finding.resolution])).toEqual([['resolved', 'u10', 'retracted']]);
    // The same rows from an unscoped run retract u11 too.
    expect(
      diffFindings(current, [match('PW-I', 'incident', row('u9'))], ran, 2000, 1000)
        .map((c) => c.finding.subject_id)
        .sort(),
    ).toEqual(['u10', 'u11']);
  });
  it('takes the detail and email of a merged finding from the same row whatever the order, next to unmerged ones', () => {
    const x = match('PW-S', 'state', row('u5', { subject_email: 'zed@acme.example', detail: { via: 'second join' } }));
    const y = match('PW-S', 'state', row('u5', { subject_email: 'amy@acme.example', detail: { via: 'first join' } }));
    const others = ['u6', 'u7', 'u8'].map((id) => match('PW-S', 'state', row(id)));
    const one = diffFindings(new Map(), [others[0]!, x, others[1]!, y, others[2]!], ran, 1000, null);
    const two = diffFindings(new Map(), [y, ...others.reverse(), x], ran, 1000, null);
    expect(one).toEqual(two);
    expect(one.find((c) => c.finding.subject_id === 'u5')!.finding).toMatchObject({
      subject_email: 'amy@acme.example',
      detail: { via: 'first join' },
    });
    expect(one.map((c) => c.finding.subject_id).sort()).toEqual(['u5', 'u6', 'u7', 'u8']);
  });
});

describe('detection metadata', () => {
  function folder(id: string, meta: string, sql = 'SELECT 1') {
    const root = mkdtempSync(path.join(tmpdir(), 'pw-det-'));
    const dir = path.join(root, id);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'detection.yaml'), meta);
    writeFileSync(path.join(dir, 'detection.sql'), sql);
    return { root, dir };
  }
  const META = 'id: ACME-TEST\ntitle: t\nseverity: high\nplanes: [platform]\nkind: state\ndescription: d\nremediation: r\n';
  it('loads the built-ins with their mappings', () => {
    const all = loadDetections();
    expect(all).toHaveLength(16);
    for (const d of all) expect(d.mappings.nist_csf.length + d.mappings.soc2.length).toBeGreaterThan(0);
    expect(all.find((d) => d.id === 'PW-ORPHANED-ACCOUNT')?.mappings.owasp_nhi).toEqual(['NHI1:2025 Improper Offboarding']);
  });
  it('names the file and field of a bad metadata value', () => {
    const { dir } = folder('ACME-TEST', META.replace('severity: high', 'severity: severe'));
    expect(() => loadDetectionDir(dir, 'custom')).toThrow(ConfigError);
    expect(() => loadDetectionDir(dir, 'custom')).toThrow(
      /detection\.yaml[\s\S]*severity: expected one of info, low, medium, high, critical/,
    );
    const bad = folder('ACME-TEST', META + 'colour: blue\n');
    expect(() => loadDetectionDir(bad.dir, 'custom')).toThrow(/colour/);
  });
  it('refuses several statements, a non-query, a folder/id mismatch, and a custom id clashing with a built-in', () => {
    expect(() => loadDetectionDir(folder('ACME-TEST', META, 'SELECT 1; DROP TABLE x').dir, 'custom')).toThrow(/exactly one SELECT/);
    expect(() => loadDetectionDir(folder('ACME-TEST', META, 'DROP TABLE x').dir, 'custom')).toThrow(/must be a query/);
    expect(() => loadDetectionDir(folder('OTHER-NAME', META).dir, 'custom')).toThrow(/does not match its folder/);
    const clash = folder('PW-STALE-CREDENTIAL', META.replace('ACME-TEST', 'PW-STALE-CREDENTIAL'));
    expect(() => loadDetections({ customDir: clash.root })).toThrow(/duplicate detection id PW-STALE-CREDENTIAL/);
    const ok = folder('ACME-TEST', META);
    expect(loadDetections({ customDir: ok.root, disabled: ['PW-SOURCE-SILENT'] }).map((d) => d.id)).toContain('ACME-TEST');
    expect(loadDetections({ customDir: ok.root, disabled: ['PW-SOURCE-SILENT'] }).map((d) => d.id)).not.toContain('PW-SOURCE-SILENT');
  });
  it('refuses scope: person when the SQL cannot restrict itself to the scope, and defaults to scope: all', () => {
    expect(loadDetectionDir(folder('ACME-TEST', META).dir, 'custom').scope).toBe('all');
    expect(() => loadDetectionDir(folder('ACME-TEST', META + 'scope: person\n').dir, 'custom')).toThrow(
      /scope: "person" needs detection\.sql to restrict itself[\s\S]*\{scoped:UInt8\}/,
    );
    expect(() => loadDetectionDir(folder('ACME-TEST', META + 'scope: tenant\n').dir, 'custom')).toThrow(
      /scope: expected "all" \(default\), "person" or "credential"/,
    );
    const sql = 'SELECT 1 FROM pw_eval_people WHERE {scoped:UInt8} = 0 OR person IN (SELECT person FROM pw_eval_scope)';
    expect(loadDetectionDir(folder('ACME-TEST', META + 'scope: person\n', sql).dir, 'custom').scope).toBe('person');
    expect(
      loadDetections()
        .filter((d) => d.scope === 'person')
        .map((d) => d.id),
    ).toEqual(['PW-ACTIVITY-AFTER-DEPROVISION']);
  });
  it('refuses scope: credential unless the SQL restricts itself to the touched and clock-changed credentials', () => {
    const scoped = META + 'scope: credential\n';
    const without = 'SELECT 1 FROM {{credentials}} WHERE {scoped:UInt8} = 0 OR {since_ms:Int64} > 0';
    expect(() => loadDetectionDir(folder('ACME-TEST', scoped, without).dir, 'custom')).toThrow(
      /scope: "credential" needs detection\.sql to restrict itself[\s\S]*\{\{touched_credentials\}\}/,
    );
    const unscoped =
      'SELECT 1 FROM {{credentials}} WHERE {since_ms:Int64} > 0 OR (source, credential_id) IN (SELECT source, key FROM {{touched_credentials}})';
    expect(() => loadDetectionDir(folder('ACME-TEST', scoped, unscoped).dir, 'custom')).toThrow(/scope: "credential" needs detection\.sql/);
    const sql =
      'SELECT 1 FROM {{credentials}} WHERE {scoped:UInt8} = 0 OR {since_ms:Int64} > 0 OR (source, credential_id) IN (SELECT source, key FROM {{touched_credentials}})';
    expect(loadDetectionDir(folder('ACME-TEST', scoped, sql).dir, 'custom').scope).toBe('credential');
    expect(
      loadDetections()
        .filter((d) => d.scope === 'credential')
        .map((d) => d.id),
    ).toEqual(['PW-STALE-CREDENTIAL']);
  });
  it('the fast row check accepts exactly what DetectionRowSchema accepts, with the same result', () => {
    const good = {
      subject_kind: 'human',
      subject_id: 'u1',
      subject_email: null,
      plane: 'platform',
      tenant: null,
      source: 'openai',
      key: '',
      severity: 'critical',
      event_ids: ['e1'],
      raw_ids: [],
      detail: { reason: 'x' },
    };
    const variants: Record<string, unknown>[] = [
      good,
      { ...good, subject_email: 'a@b', tenant: 't', severity: '' },
      { ...good, extra: 1 },
      { ...good, subject_id: '' },
      { ...good, subject_kind: 3 },
      { ...good, severity: 'severe' },
      { ...good, event_ids: ['e', 2] },
      { ...good, raw_ids: 'r' },
      { ...good, detail: { n: 1 } },
      { ...good, detail: [] },
      { ...good, detail: null },
      { ...good, key: null },
      { ...good, plane: undefined },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'tenant')),
    ];
    const verdicts = variants.map((v) => {
      const zod = DetectionRowSchema.safeParse(structuredClone(v));
      const fast = asDetectionRow(structuredClone(v));
      if (fast) expect(fast).toEqual(zod.data);
      return [zod.success, fast !== null];
    });
    // Fast path taken for exact rows only; an extra column falls back to zod, which accepts it (and drops it).
    expect(verdicts).toEqual([
      [true, true],
      [true, true],
      [true, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
    ]);
  });
  it('every built-in uses only the standard parameters', () => {
    for (const d of loadDetections())
      expect(
        paramsUsed(d.sql).filter((p) => !(p in PARAM_TYPES)),
        d.id,
      ).toEqual([]);
  });
});

describe('standard parameters', () => {
  const map = validateBoundaryMap(
    {
      planes: { platform: { deprovision_sla: '12h', silent_after: '6h' }, application: { silent_poll_factor: 4 } },
      domains: { corporate: ['Acme.Example'] },
      connections: [
        { id: 'hook', vendor: 'workos', transport: 'webhook', secret_env: 'S', plane: 'platform' },
        { id: 'poller', vendor: 'openai', transport: 'poll', api_key_env: 'K', poll_interval: '10m' },
        { id: 'off', vendor: 'workos', transport: 'webhook', secret_env: 'S2', enabled: false },
      ],
      links: [
        { email: 'Ann@Acme.example', accounts: ['openai:user-1', 'workos:u2'] },
        { email: 'bob@acme.example', accounts: ['openai:user-1'] },
      ],
    },
    'test',
  );
  it('binds thresholds per plane, silence per connection, links and domains', () => {
    const p = detectionParams(map, Date.UTC(2026, 2, 1, 12, 0, 0, 7), () => 'application');
    expect(p).toMatchObject({
      now: '2026-03-01 12:00:00.007',
      now_ms: Date.UTC(2026, 2, 1, 12, 0, 0, 7),
      sla_platform_ms: 12 * 3_600_000,
      sla_application_ms: 24 * 3_600_000,
      grace_platform_ms: 3_600_000,
      stale_application_ms: 90 * 86_400_000,
      predeparture_platform_ms: 7 * 86_400_000,
      corporate_domains: ['acme.example'],
      customer_domains: [],
      conn_ids: ['hook', 'poller'],
      conn_planes: ['platform', 'application'],
      conn_transports: ['webhook', 'poll'],
      conn_silent_ms: [6 * 3_600_000, 4 * 10 * 60_000],
      link_refs: ['openai:user-1', 'workos:u2'],
      link_emails: ['ann@acme.example', 'ann@acme.example'],
      link_conflicts: ['openai:user-1'],
      directory_sources: ['okta', 'scim'],
      nhi_planes: ['platform'],
      unobservable_kinds: ['saml_certificate', 'scim_token'],
    });
    expect(linkParams(map).conflicts).toEqual(['openai:user-1']);
  });
  it('validates the detections block and names the key', () => {
    expect(() => validateBoundaryMap({ detections: { evaluate_every: 'soon' } }, 'x.yaml')).toThrow(/detections\.evaluate_every/);
    expect(() => validateBoundaryMap({ detections: { nhi_planes: ['moon'] } }, 'x.yaml')).toThrow(/detections\.nhi_planes/);
    expect(() => validateBoundaryMap({ detections: { typo: 1 } }, 'x.yaml')).toThrow(/typo/);
    expect(validateBoundaryMap({}, 'x').detections).toEqual({
      evaluate_every: 300_000,
      debounce: 1_000,
      max_wait: 2_000,
      directory_sources: ['okta', 'scim'],
      nhi_planes: ['platform'],
      unobservable_credential_kinds: ['saml_certificate', 'scim_token'],
      disabled: [],
    });
  });
});
