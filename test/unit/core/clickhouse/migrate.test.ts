import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrations, splitStatements, MigrationError, MIGRATIONS_DIR } from '../../../../core/clickhouse/migrate.ts';
import { creationOrder, readViews, viewQuery, viewStatement, VIEWS_DIR } from '../../../../core/clickhouse/views.ts';

describe('splitStatements', () => {
  it('splits at semicolons and drops comments and blank statements', () => {
    const sql = `-- header; with a semicolon
CREATE TABLE a (x UInt8) ENGINE = Memory; -- trailing comment;
/* block ;
   comment */
CREATE TABLE b (x UInt8) ENGINE = Memory
;
;
-- only a comment at the end`;
    expect(splitStatements(sql)).toEqual(['CREATE TABLE a (x UInt8) ENGINE = Memory', 'CREATE TABLE b (x UInt8) ENGINE = Memory']);
  });

  it('keeps semicolons and comment markers inside quotes', () => {
    const sql = `SELECT 'a;b', 'it''s -- not a comment', 'x\\';y', "c;d", \`e;f\` /* ; */ FROM t;SELECT 2`;
    expect(splitStatements(sql)).toEqual([`SELECT 'a;b', 'it''s -- not a comment', 'x\\';y', "c;d", \`e;f\`   FROM t`, 'SELECT 2']);
  });

  it('rejects unterminated quotes and block comments', () => {
    expect(() => splitStatements("SELECT 'oops")).toThrow(MigrationError);
    expect(() => splitStatements('SELECT 1 /* oops')).toThrow(/unterminated/);
  });

  it('splits the shipped migrations into idempotent CREATE / ALTER / backfill statements', () => {
    const all = readMigrations().map((m) => ({ name: m.name, statements: splitStatements(m.sql) }));
    // Backfills may only target AggregatingMergeTree tables: their columns are duplicate-insensitive
    // aggregates (max, argMax, groupUniqArray; migrations/0004 header), so a re-run adds nothing.
    const aggregating = new Set(
      all
        .flatMap((m) => m.statements)
        .map((s) => /^CREATE TABLE IF NOT EXISTS (\w+)[\s\S]*\bENGINE = AggregatingMergeTree\b/.exec(s)?.[1])
        .filter((t): t is string => !!t),
    );
    expect(aggregating.has('pw_subject_state')).toBe(true);
    for (const m of all) {
      expect(m.statements.length).toBeGreaterThan(0);
      // Re-running a migration must be harmless, so every statement guards itself.
      for (const s of m.statements) {
        const insert = /^INSERT INTO (\w+)\s+(?:\([^)]*\)\s+)?SELECT /.exec(s);
        if (insert?.[1] === 'pw_eval_snapshots') continue; // a marker row: re-running it only asks for one more full build
        if (insert) {
          expect([m.name, insert[1], aggregating.has(insert[1]!)]).toEqual([m.name, insert[1], true]);
          continue;
        }
        // Migration 0014 redefines state views and empties what they derive: each statement is still
        // harmless to re-run (DROP … IF EXISTS, TRUNCATE of derived tables the detector refills,
        // an 'invalidated' snapshot marker).
        expect(s).toMatch(
          /^(CREATE (TABLE|MATERIALIZED VIEW|VIEW|FUNCTION) IF NOT EXISTS |CREATE OR REPLACE VIEW |ALTER TABLE \S+ (ADD|DROP) (COLUMN|INDEX|PROJECTION) IF (NOT )?EXISTS |DROP (VIEW|TABLE) IF EXISTS pw_|TRUNCATE TABLE pw_)/,
        );
      }
    }
  });
});

describe('readMigrations', () => {
  it('orders files, computes sha256 and names', () => {
    const ms = readMigrations(MIGRATIONS_DIR);
    expect(ms[0]).toMatchObject({ version: '0001', name: 'events', file: '0001_events.sql' });
    expect(ms[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort());
  });

  it('rejects misnamed files and duplicate versions, ignores other files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planewatch-migrations-unit-'));
    try {
      writeFileSync(join(dir, 'README.md'), 'not a migration');
      writeFileSync(join(dir, '0002_b.sql'), 'SELECT 2');
      writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1');
      expect(readMigrations(dir).map((m) => m.file)).toEqual(['0001_a.sql', '0002_b.sql']);
      writeFileSync(join(dir, '0002_c.sql'), 'SELECT 3');
      expect(() => readMigrations(dir)).toThrow(/0002_b\.sql and 0002_c\.sql have the same version 0002/);
      rmSync(join(dir, '0002_c.sql'));
      writeFileSync(join(dir, '3_Bad-Name.sql'), 'SELECT 3');
      expect(() => readMigrations(dir)).toThrow(/3_Bad-Name\.sql is misnamed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('read-model view files', () => {
  const viewDir = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-views-'));
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
    return dir;
  };

  it('reads one view per file with its declared inputs, and binds them to the live relation or to a given one', () => {
    const dir = viewDir({
      'pw_b.sql': '-- b over a\n-- @input rows = pw_a(x = {x:UInt8})\nSELECT k FROM {{rows}} WHERE k > 0',
      'pw_a.sql': 'SELECT 1 AS k',
    });
    try {
      const views = readViews(dir);
      expect([...views.keys()]).toEqual(['pw_a', 'pw_b']);
      expect(views.get('pw_b')!.inputs).toEqual({ rows: 'pw_a(x = {x:UInt8})' });
      expect(viewQuery(views.get('pw_b')!)).toContain('SELECT k FROM pw_a(x = {x:UInt8}) WHERE k > 0');
      expect(viewQuery(views.get('pw_b')!, { rows: 'pw_eval_a' })).toContain('SELECT k FROM pw_eval_a WHERE k > 0');
      expect(() => viewQuery(views.get('pw_b')!, { other: 't' })).toThrow('view pw_b has no input "other" (inputs: rows)');
      expect(viewStatement(views.get('pw_a')!).sql).toBe('CREATE OR REPLACE VIEW pw_a AS\nSELECT 1 AS k');
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('orders views after the views they read, rejects cycles, undeclared inputs and misnamed files', () => {
    const ordered = viewDir({
      'pw_a.sql': 'SELECT * FROM pw_c',
      'pw_b.sql': 'SELECT 1',
      'pw_c.sql': '-- @input x = pw_b\nSELECT * FROM {{x}}',
    });
    const cycle = viewDir({ 'pw_a.sql': 'SELECT * FROM pw_b', 'pw_b.sql': 'SELECT * FROM pw_a' });
    const undeclared = viewDir({ 'pw_a.sql': 'SELECT * FROM {{x}}' });
    const misnamed = viewDir({ 'Accounts.sql': 'SELECT 1' });
    try {
      expect(creationOrder(readViews(ordered)).map((v) => v.name)).toEqual(['pw_b', 'pw_c', 'pw_a']);
      expect(() => creationOrder(readViews(cycle))).toThrow('views depend on each other in a cycle: pw_a -> pw_b -> pw_a');
      expect(() => viewQuery(readViews(undeclared).get('pw_a')!)).toThrow(
        'view pw_a uses {{x}} without declaring it (-- @input x = <relation>)',
      );
      expect(() => readViews(misnamed)).toThrow(/Accounts\.sql is misnamed/);
    } finally {
      for (const d of [ordered, cycle, undeclared, misnamed]) rmSync(d, { recursive: true });
    }
  });

  it("the repository's views: each file is one view, the snapshot's inputs declared", () => {
    const views = readViews(VIEWS_DIR);
    expect([...views.keys()]).toEqual([
      'pw_accounts',
      'pw_credential_hints',
      'pw_credentials',
      'pw_exposure_lag_items',
      'pw_exposures',
      'pw_lag_items',
      'pw_people',
      'pw_person_accounts',
    ]);
    expect(views.get('pw_person_accounts')!.inputs).toEqual({ accounts: 'pw_accounts' });
    expect(Object.keys(views.get('pw_people')!.inputs)).toEqual(['person_accounts']);
    expect(
      creationOrder(views)
        .map((v) => v.name)
        .indexOf('pw_people'),
    ).toBeGreaterThan(
      creationOrder(views)
        .map((v) => v.name)
        .indexOf('pw_person_accounts'),
    );
  });
});
