// The report runs the detections' own SQL over the live views (store/reports/detection-views.ts):
// each snapshot table is mapped to its view, and anything the report cannot read live fails with
// the detection and the table named.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_FOR_REPORT, LIVE_RELATIONS, overLiveViews, reportDetectionSql, SNAPSHOT_VIEWS } from '../../../store/reports/detection-views.ts';
import { REPORT_DETECTIONS } from '../../../store/reports/boundary-report.ts';

const ARGS = 'link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)}';
const MIGRATIONS = path.resolve(import.meta.dirname, '../../../migrations');
/** Relation names read in code (comments and string literals removed). */
const relations = (sql: string) =>
  [...new Set(sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^'\\]|\\.)*'/g, ' ').match(/\bpw_[A-Za-z0-9_]+\b/g) ?? [])].sort();

function fixture(id: string, sql: string): string {
  const root = mkdtempSync(path.join(tmpdir(), 'pw-report-det-'));
  mkdirSync(path.join(root, id));
  writeFileSync(path.join(root, id, 'detection.yaml'), `id: ${id}\ntitle: t\nseverity: high\nplanes: [platform]\nkind: state\ndescription: d\nremediation: r\n`);
  writeFileSync(path.join(root, id, 'detection.sql'), sql);
  return root;
}

describe('overLiveViews', () => {
  it('maps each snapshot table to the view it equals (the pairs the scenario test checks row for row)', () => {
    expect(SNAPSHOT_VIEWS).toEqual({
      pw_eval_accounts: 'pw_accounts',
      pw_eval_person_accounts: `pw_person_accounts(${ARGS})`,
      pw_eval_people: `pw_people(${ARGS})`,
      pw_eval_credentials: 'pw_credentials',
    });
  });

  it('rewrites table references in code only; comments and strings stay as written', () => {
    const sql = `-- reads pw_eval_credential_gaps? no: pw_eval_accounts
WITH pa AS (SELECT * FROM pw_eval_person_accounts), people AS (SELECT person FROM pw_eval_people)
SELECT a.kind, 'pw_eval_snapshots' AS label FROM pw_eval_accounts AS a /* pw_eval_x */ JOIN pw_eval_credentials AS c ON c.owner_id = a.subject_id
JOIN pw_activity_days AS d ON 1`;
    expect(overLiveViews('PW-T', sql)).toBe(`-- reads pw_eval_credential_gaps? no: pw_eval_accounts
WITH pa AS (SELECT * FROM pw_person_accounts(${ARGS})), people AS (SELECT person FROM pw_people(${ARGS}))
SELECT a.kind, 'pw_eval_snapshots' AS label FROM pw_accounts AS a /* pw_eval_x */ JOIN pw_credentials AS c ON c.owner_id = a.subject_id
JOIN pw_activity_days AS d ON 1`);
  });

  it('fails on a snapshot table with no view (pw_eval_credential_gaps), naming the detection and the table', () => {
    expect(() => overLiveViews('PW-STALE-CREDENTIAL-REUSED', 'SELECT * FROM pw_eval_credential_gaps ARRAY JOIN gaps AS g')).toThrow(
      "boundary report: PW-STALE-CREDENTIAL-REUSED cannot run at the report's as-of time: pw_eval_credential_gaps is a per-evaluation snapshot table with no live view "
      + '(known: pw_eval_accounts, pw_eval_person_accounts, pw_eval_people, pw_eval_credentials). '
      + 'Map the table to a view in store/reports/detection-views.ts (SNAPSHOT_VIEWS / LIVE_RELATIONS) or stop using this detection in the report');
  });

  it('fails on a helper table it does not know to be live, whatever its name (e.g. one a later migration adds)', () => {
    expect(() => overLiveViews('PW-ACTIVITY-AFTER-DEPROVISION', 'SELECT * FROM pw_credential_gaps AS g JOIN pw_eval_credentials AS c ON 1 JOIN pw_eval_deprovisions AS d ON 1')).toThrow(
      "boundary report: PW-ACTIVITY-AFTER-DEPROVISION cannot run at the report's as-of time: pw_credential_gaps is not known to be live data "
      + '(known: pw_accounts, pw_person_accounts, pw_people, pw_credentials, pw_subject_state, pw_credential_state, pw_activity_days, pw_nhi_actions, pw_source_deliveries, pw_credential_use, pw_connection_registry); '
      + 'pw_eval_deprovisions is a per-evaluation snapshot table with no live view (known: pw_eval_accounts, pw_eval_person_accounts, pw_eval_people, pw_eval_credentials). '
      + 'Map the table to a view in store/reports/detection-views.ts (SNAPSHOT_VIEWS / LIVE_RELATIONS) or stop using this detection in the report');
  });

  it('every mapped view and live relation exists in the migrations; the only snapshot tables without a view are the gaps and the snapshot log', () => {
    const sql = readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).map((f) => readFileSync(path.join(MIGRATIONS, f), 'utf8')).join('\n');
    const created = new Set([...sql.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_0-9]+)/gi)].map((m) => m[1]!));
    const views = Object.values(SNAPSHOT_VIEWS).map((v) => v.replace(/\(.*$/, ''));
    expect([...views, ...LIVE_RELATIONS].filter((n) => !created.has(n))).toEqual([]);
    expect([...created].filter((n) => n.startsWith('pw_eval_') && !(n in SNAPSHOT_VIEWS) && !(n in EMPTY_FOR_REPORT)).sort()).toEqual(['pw_eval_credential_gaps', 'pw_eval_snapshots']);
    expect(Object.keys(EMPTY_FOR_REPORT).filter((n) => !created.has(n))).toEqual([]);
  });
});

describe('reportDetectionSql', () => {
  it('reads each detection the report uses from detections/<ID>/detection.sql and leaves no snapshot table in it', () => {
    expect(REPORT_DETECTIONS).toEqual([
      'PW-UNMANAGED-ACCOUNT', 'PW-PROVISIONING-DISABLED', 'PW-DEPROV-OVERDUE', 'PW-ACTIVITY-AFTER-DEPROVISION', 'PW-STALE-CREDENTIAL',
      'PW-ORPHANED-CREDENTIAL', 'PW-SOURCE-SILENT', 'PW-CUSTOMER-IN-PLATFORM', 'PW-PLATFORM-IN-TENANT', 'PW-NHI-HUMAN-ACTION',
    ]);
    for (const id of REPORT_DETECTIONS) {
      const sql = reportDetectionSql(id);
      const read = relations(sql);
      expect({ id, snapshot: read.filter((n) => n.startsWith('pw_eval_')) }).toEqual({ id, snapshot: [] });
      expect(read.length).toBeGreaterThan(0);
    }
  });

  it('PW-ACTIVITY-AFTER-DEPROVISION (person-scoped) reads an empty person scope, never the detector\'s', () => {
    const sql = reportDetectionSql('PW-ACTIVITY-AFTER-DEPROVISION');
    expect(sql).toContain("({scoped:UInt8} = 0 OR person IN (SELECT person FROM (SELECT '' AS person LIMIT 0)))");
    expect(relations(sql)).not.toContain('pw_eval_scope');
  });

  it('PW-STALE-CREDENTIAL-REUSED (not used by the report) reads the credential-gaps snapshot and cannot run live', () => {
    expect(() => reportDetectionSql('PW-STALE-CREDENTIAL-REUSED')).toThrow('PW-STALE-CREDENTIAL-REUSED cannot run at the report\'s as-of time: pw_eval_credential_gaps is a per-evaluation snapshot table with no live view');
  });

  it('goes through the engine loader: a folder it rejects is rejected here too, and a detection reading an unknown table fails', () => {
    expect(() => reportDetectionSql('PW-BAD-SQL', fixture('PW-BAD-SQL', 'SELECT 1; SELECT 2'))).toThrow('detection.sql must hold exactly one SELECT statement');
    expect(() => reportDetectionSql('PW-NEW-HELPER', fixture('PW-NEW-HELPER', 'SELECT * FROM pw_eval_people JOIN pw_deprovision_windows USING person'))).toThrow(
      "boundary report: PW-NEW-HELPER cannot run at the report's as-of time: pw_deprovision_windows is not known to be live data");
    expect(reportDetectionSql('PW-GOOD', fixture('PW-GOOD', '-- ok\nSELECT person FROM pw_eval_people;\n'))).toBe(`-- ok\nSELECT person FROM pw_people(${ARGS})`);
  });
});
