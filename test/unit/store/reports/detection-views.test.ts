// The report runs the detections' own SQL over the live views (store/reports/detection-views.ts):
// each read-model placeholder is bound to its view (store/detections/relations.ts), and anything
// the report cannot read live fails with the detection and the table named.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LIVE_RELATIONS, overLiveViews, reportDetectionSql } from '../../../../store/reports/detection-views.ts';
import { RELATIONS } from '../../../../store/detections/relations.ts';
import { loadDetections } from '../../../../store/detections/metadata.ts';
import { REPORT_DETECTIONS } from '../../../../store/reports/boundary-report.ts';

const ARGS =
  'link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)}';
const MIGRATIONS = path.resolve(import.meta.dirname, '../../../../migrations');
const HINT =
  'Give the read model a live view in store/detections/relations.ts, add a live table to LIVE_RELATIONS (store/reports/detection-views.ts), or stop using this detection in the report';
/** Relation names read in code (comments and string literals removed). */
const relations = (sql: string) =>
  [...new Set(sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\]|\\.)*'/g, ' ').match(/\bpw_[A-Za-z0-9_]+\b/g) ?? [])].sort();

function fixture(id: string, sql: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pw-report-det-'));
  mkdirSync(path.join(root, id));
  writeFileSync(
    path.join(root, id, 'detection.yaml'),
    `id: ${id}\ntitle: t\nseverity: high\nplanes: [platform]\nkind: state\ndescription: d\nremediation: r\n`,
  );
  writeFileSync(path.join(root, id, 'detection.sql'), sql);
  return root;
}

describe('overLiveViews', () => {
  it('binds each read model to the snapshot table in the detector and to the view it equals in the report (the pairs the scenario test checks row for row)', () => {
    expect(Object.fromEntries(Object.entries(RELATIONS).map(([k, r]) => [k, [r.snapshot, r.live]]))).toEqual({
      accounts: ['pw_eval_accounts', 'pw_accounts'],
      person_accounts: ['pw_eval_person_accounts', `pw_person_accounts(${ARGS})`],
      people: ['pw_eval_people', `pw_people(${ARGS})`],
      credentials: ['pw_eval_credentials', 'pw_credentials'],
      credential_gaps: ['pw_eval_credential_gaps', { none: 'a per-evaluation snapshot table with no live view' }],
      scope: ['pw_eval_scope', "(SELECT '' AS person LIMIT 0)"],
      touched_credentials: [
        "(SELECT source, key FROM pw_snapshot_touched WHERE kind = 'credential')",
        "(SELECT '' AS source, '' AS key LIMIT 0)",
      ],
    });
  });

  it('binds the placeholders and leaves everything else as written', () => {
    const sql = `-- reads {{credential_gaps}}? no: {{accounts}}
WITH pa AS (SELECT * FROM {{person_accounts}}), people AS (SELECT person FROM {{people}})
SELECT a.kind, 'pw_eval_snapshots' AS label FROM {{accounts}} AS a /* pw_eval_x */ JOIN {{credentials}} AS c ON c.owner_id = a.subject_id
JOIN pw_activity_days AS d ON 1`;
    expect(() => overLiveViews('PW-T', sql)).toThrow(
      '{{credential_gaps}} (pw_eval_credential_gaps) is a per-evaluation snapshot table with no live view',
    );
    expect(overLiveViews('PW-T', sql.replace('{{credential_gaps}}', 'gaps'))).toBe(`-- reads gaps? no: pw_accounts
WITH pa AS (SELECT * FROM pw_person_accounts(${ARGS})), people AS (SELECT person FROM pw_people(${ARGS}))
SELECT a.kind, 'pw_eval_snapshots' AS label FROM pw_accounts AS a /* pw_eval_x */ JOIN pw_credentials AS c ON c.owner_id = a.subject_id
JOIN pw_activity_days AS d ON 1`);
  });

  it('fails on a read model with no live view (the credential gaps), naming the detection and the table', () => {
    expect(() => overLiveViews('PW-STALE-CREDENTIAL-REUSED', 'SELECT * FROM {{credential_gaps}} ARRAY JOIN gaps AS g')).toThrow(
      "boundary report: PW-STALE-CREDENTIAL-REUSED cannot run at the report's as-of time: {{credential_gaps}} (pw_eval_credential_gaps) is a per-evaluation snapshot table with no live view. " +
        HINT,
    );
  });

  it('fails on a table it does not know to be live, whatever its name (a snapshot table named directly, a helper a later migration adds)', () => {
    expect(() =>
      overLiveViews(
        'PW-ACTIVITY-AFTER-DEPROVISION',
        'SELECT * FROM pw_credential_gaps AS g JOIN {{credentials}} AS c ON 1 JOIN pw_eval_people AS d ON 1',
      ),
    ).toThrow(
      "boundary report: PW-ACTIVITY-AFTER-DEPROVISION cannot run at the report's as-of time: pw_credential_gaps is not known to be live data " +
        '(known: pw_accounts, pw_person_accounts, pw_people, pw_credentials, pw_subject_state, pw_credential_state, pw_activity_days, pw_nhi_actions, pw_source_deliveries, pw_credential_use, pw_connection_registry); ' +
        'pw_eval_people is not known to be live data (known: pw_accounts, pw_person_accounts, pw_people, pw_credentials, pw_subject_state, pw_credential_state, pw_activity_days, pw_nhi_actions, pw_source_deliveries, pw_credential_use, pw_connection_registry). ' +
        HINT,
    );
  });

  it('every bound table and view and every live relation exists in the migrations; the only snapshot tables no read model names are the snapshot log and scratch tables', () => {
    const created = new Set(readdirSync(path.join(MIGRATIONS, 'views')).map((f) => f.replace(/\.sql$/, '')));
    const sql = readdirSync(MIGRATIONS)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => readFileSync(path.join(MIGRATIONS, f), 'utf8'))
      .join('\n');
    for (const m of sql.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_0-9]+)/gi))
      created.add(m[1]!);
    // A relation bound to a subquery names the table it reads.
    const bound = Object.values(RELATIONS).flatMap((r) => [
      r.snapshot.startsWith('(') ? /\bFROM (\w+)/.exec(r.snapshot)![1]! : r.snapshot,
      ...(typeof r.live === 'string' && r.live.startsWith('pw_') ? [r.live.replace(/\(.*$/, '')] : []),
    ]);
    expect([...bound, ...LIVE_RELATIONS].filter((n) => !created.has(n))).toEqual([]);
    const snapshots = new Set(Object.values(RELATIONS).map((r) => r.snapshot));
    expect([...created].filter((n) => n.startsWith('pw_eval_') && !snapshots.has(n)).sort()).toEqual(['pw_eval_snapshots']);
  });
});

describe('reportDetectionSql', () => {
  it('reads each detection the report uses from detections/<ID>/detection.sql and leaves no snapshot table in it', () => {
    expect(REPORT_DETECTIONS).toEqual([
      'PW-UNMANAGED-ACCOUNT',
      'PW-PROVISIONING-DISABLED',
      'PW-DEPROV-OVERDUE',
      'PW-ACTIVITY-AFTER-DEPROVISION',
      'PW-STALE-CREDENTIAL',
      'PW-ORPHANED-CREDENTIAL',
      'PW-SOURCE-SILENT',
      'PW-CUSTOMER-IN-PLATFORM',
      'PW-PLATFORM-IN-TENANT',
      'PW-NHI-HUMAN-ACTION',
    ]);
    for (const id of REPORT_DETECTIONS) {
      const sql = reportDetectionSql(id);
      const read = relations(sql);
      expect({ id, snapshot: read.filter((n) => n.startsWith('pw_eval_')) }).toEqual({ id, snapshot: [] });
      expect(read.length).toBeGreaterThan(0);
    }
  });

  it('no built-in detection names a snapshot table directly: each reads the read models through placeholders', () => {
    for (const d of loadDetections())
      expect({ id: d.id, direct: relations(d.template).filter((n) => n.startsWith('pw_eval_')) }).toEqual({ id: d.id, direct: [] });
  });

  it("PW-STALE-CREDENTIAL (credential-scoped) reads an empty set of touched credentials, never the detector's", () => {
    const sql = reportDetectionSql('PW-STALE-CREDENTIAL');
    expect(sql).toContain("(source, credential_id) IN (SELECT source, key FROM (SELECT '' AS source, '' AS key LIMIT 0))");
    expect(relations(sql)).not.toContain('pw_snapshot_touched');
  });

  it("PW-ACTIVITY-AFTER-DEPROVISION (person-scoped) reads an empty person scope, never the detector's", () => {
    const sql = reportDetectionSql('PW-ACTIVITY-AFTER-DEPROVISION');
    expect(sql).toContain("({scoped:UInt8} = 0 OR person IN (SELECT person FROM (SELECT '' AS person LIMIT 0)))");
    expect(relations(sql)).not.toContain('pw_eval_scope');
  });

  it('PW-STALE-CREDENTIAL-REUSED (not used by the report) reads the credential-gaps snapshot and cannot run live', () => {
    expect(() => reportDetectionSql('PW-STALE-CREDENTIAL-REUSED')).toThrow(
      "PW-STALE-CREDENTIAL-REUSED cannot run at the report's as-of time: {{credential_gaps}} (pw_eval_credential_gaps) is a per-evaluation snapshot table with no live view",
    );
  });

  it('goes through the engine loader: a folder it rejects is rejected here too, and a detection reading an unknown table fails', () => {
    expect(() => reportDetectionSql('PW-BAD-SQL', fixture('PW-BAD-SQL', 'SELECT 1; SELECT 2'))).toThrow(
      'detection.sql must hold exactly one SELECT statement',
    );
    expect(() => reportDetectionSql('PW-BAD-MODEL', fixture('PW-BAD-MODEL', 'SELECT person FROM {{persons}}'))).toThrow(
      'detection.sql reads unknown read model(s) {{persons}}',
    );
    expect(() =>
      reportDetectionSql('PW-NEW-HELPER', fixture('PW-NEW-HELPER', 'SELECT * FROM {{people}} JOIN pw_deprovision_windows USING person')),
    ).toThrow("boundary report: PW-NEW-HELPER cannot run at the report's as-of time: pw_deprovision_windows is not known to be live data");
    expect(reportDetectionSql('PW-GOOD', fixture('PW-GOOD', '-- ok\nSELECT person FROM {{people}};\n'))).toBe(
      `-- ok\nSELECT person FROM pw_people(${ARGS})`,
    );
  });
});
