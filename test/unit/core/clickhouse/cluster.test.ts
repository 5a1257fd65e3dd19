// The cluster renderer (core/clickhouse/cluster.ts) on hand-written statements, each against its
// hand-written expected text: ON CLUSTER placement per statement kind, the Replicated form of each
// MergeTree-family engine, what is left alone, and the errors.
import { describe, expect, it } from 'vitest';
import { ClusterRenderError, clusterNameProblem, renderForCluster } from '../../../../core/clickhouse/cluster.ts';
import { migrationStatements, MigrationError, type MigrationFile } from '../../../../core/clickhouse/migrate.ts';

const render = (sql: string) => renderForCluster(sql, 'pw', 'test statement');
const P = "'/clickhouse/tables/{shard}/{database}/{table}', '{replica}'";

describe('renderForCluster: CREATE TABLE', () => {
  it('keeps IF NOT EXISTS and replicates an engine with arguments', () => {
    expect(
      render(
        'CREATE TABLE IF NOT EXISTS events\n(\n    id String,\n    ingested_at DateTime64(3)\n)\nENGINE = ReplacingMergeTree(ingested_at)\nORDER BY id',
      ),
    ).toBe(
      `CREATE TABLE IF NOT EXISTS events ON CLUSTER 'pw'\n(\n    id String,\n    ingested_at DateTime64(3)\n)\nENGINE = ReplicatedReplacingMergeTree(${P}, ingested_at)\nORDER BY id`,
    );
  });

  it('replicates engines without parentheses: plain MergeTree, AggregatingMergeTree, ReplacingMergeTree', () => {
    expect(render('CREATE TABLE t (a UInt8) ENGINE = MergeTree ORDER BY a')).toBe(
      `CREATE TABLE t ON CLUSTER 'pw' (a UInt8) ENGINE = ReplicatedMergeTree(${P}) ORDER BY a`,
    );
    expect(
      render('CREATE TABLE IF NOT EXISTS s (k String, n AggregateFunction(uniq, String)) ENGINE = AggregatingMergeTree ORDER BY k'),
    ).toBe(
      `CREATE TABLE IF NOT EXISTS s ON CLUSTER 'pw' (k String, n AggregateFunction(uniq, String)) ENGINE = ReplicatedAggregatingMergeTree(${P}) ORDER BY k`,
    );
    expect(render('CREATE TABLE r (k String) ENGINE = ReplacingMergeTree ORDER BY k')).toBe(
      `CREATE TABLE r ON CLUSTER 'pw' (k String) ENGINE = ReplicatedReplacingMergeTree(${P}) ORDER BY k`,
    );
  });

  it('replicates empty parentheses, several arguments, other family members and ENGINE without =', () => {
    expect(render('CREATE TABLE t (a UInt8) ENGINE = MergeTree() ORDER BY a')).toBe(
      `CREATE TABLE t ON CLUSTER 'pw' (a UInt8) ENGINE = ReplicatedMergeTree(${P}) ORDER BY a`,
    );
    expect(render('CREATE TABLE t (a UInt8, v UInt64, d UInt8) ENGINE = ReplacingMergeTree(v, d) ORDER BY a')).toBe(
      `CREATE TABLE t ON CLUSTER 'pw' (a UInt8, v UInt64, d UInt8) ENGINE = ReplicatedReplacingMergeTree(${P}, v, d) ORDER BY a`,
    );
    expect(render('CREATE TABLE t (a UInt8, n UInt64) ENGINE SummingMergeTree((n)) ORDER BY a')).toBe(
      `CREATE TABLE t ON CLUSTER 'pw' (a UInt8, n UInt64) ENGINE ReplicatedSummingMergeTree(${P}, (n)) ORDER BY a`,
    );
    expect(render('CREATE TABLE t (a UInt8, s Int8, v UInt64) ENGINE = VersionedCollapsingMergeTree(s, v) ORDER BY a')).toBe(
      `CREATE TABLE t ON CLUSTER 'pw' (a UInt8, s Int8, v UInt64) ENGINE = ReplicatedVersionedCollapsingMergeTree(${P}, s, v) ORDER BY a`,
    );
  });

  it('renders CREATE TABLE ... ENGINE = MergeTree ORDER BY ... EMPTY AS SELECT, leaving the SELECT alone', () => {
    expect(
      render(
        "CREATE TABLE IF NOT EXISTS pw_eval_people ENGINE = MergeTree ORDER BY person EMPTY AS\nSELECT * FROM pw_people(link_refs = [''])",
      ),
    ).toBe(
      `CREATE TABLE IF NOT EXISTS pw_eval_people ON CLUSTER 'pw' ENGINE = ReplicatedMergeTree(${P}) ORDER BY person EMPTY AS\nSELECT * FROM pw_people(link_refs = [''])`,
    );
  });

  it('keeps a database-qualified or quoted name whole', () => {
    expect(render('CREATE TABLE db.t (a UInt8) ENGINE = MergeTree ORDER BY a')).toBe(
      `CREATE TABLE db.t ON CLUSTER 'pw' (a UInt8) ENGINE = ReplicatedMergeTree(${P}) ORDER BY a`,
    );
    expect(render('CREATE TABLE `my table` (a UInt8) ENGINE = MergeTree ORDER BY a')).toBe(
      `CREATE TABLE \`my table\` ON CLUSTER 'pw' (a UInt8) ENGINE = ReplicatedMergeTree(${P}) ORDER BY a`,
    );
  });

  it('does not rewrite the word ENGINE inside a string literal, a quoted identifier or a column list', () => {
    expect(
      render(
        "CREATE TABLE t (note String DEFAULT 'ENGINE = Memory', `engine` String) ENGINE = MergeTree ORDER BY note COMMENT 'ENGINE = Log'",
      ),
    ).toBe(
      `CREATE TABLE t ON CLUSTER 'pw' (note String DEFAULT 'ENGINE = Memory', \`engine\` String) ENGINE = ReplicatedMergeTree(${P}) ORDER BY note COMMENT 'ENGINE = Log'`,
    );
    expect(render("CREATE TABLE t (s String DEFAULT 'it''s ENGINE = X') ENGINE = MergeTree ORDER BY s")).toBe(
      `CREATE TABLE t ON CLUSTER 'pw' (s String DEFAULT 'it''s ENGINE = X') ENGINE = ReplicatedMergeTree(${P}) ORDER BY s`,
    );
  });

  it('refuses a table that could not be replicated', () => {
    expect(() => render('CREATE TABLE t (a UInt8) ENGINE = Memory')).toThrow(/engine Memory is not of the MergeTree family/);
    expect(() => render('CREATE TABLE t AS other')).toThrow(/no ENGINE clause/);
    expect(() => render(`CREATE TABLE t (a UInt8) ENGINE = ReplicatedMergeTree(${P}) ORDER BY a`)).toThrow(/already replicated/);
    expect(() => render("CREATE TABLE t ON CLUSTER 'x' (a UInt8) ENGINE = MergeTree ORDER BY a")).toThrow(/already names a cluster/);
  });
});

describe('renderForCluster: views and other DDL', () => {
  it('renders views: no engine, ON CLUSTER after the name', () => {
    expect(render('CREATE OR REPLACE VIEW pw_accounts AS\nSELECT 1 AS engine')).toBe(
      "CREATE OR REPLACE VIEW pw_accounts ON CLUSTER 'pw' AS\nSELECT 1 AS engine",
    );
    expect(render('CREATE VIEW IF NOT EXISTS v AS SELECT {p:Array(String)} AS p')).toBe(
      "CREATE VIEW IF NOT EXISTS v ON CLUSTER 'pw' AS SELECT {p:Array(String)} AS p",
    );
  });

  it('renders a materialized view TO a table without touching its SELECT; one with an inner engine gets it replicated', () => {
    expect(render('CREATE MATERIALIZED VIEW IF NOT EXISTS s_mv TO s AS\nSELECT k, uniqState(x) AS n FROM events GROUP BY k')).toBe(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS s_mv ON CLUSTER 'pw' TO s AS\nSELECT k, uniqState(x) AS n FROM events GROUP BY k",
    );
    expect(render('CREATE MATERIALIZED VIEW m ENGINE = SummingMergeTree ORDER BY k AS SELECT k, count() AS n FROM e GROUP BY k')).toBe(
      `CREATE MATERIALIZED VIEW m ON CLUSTER 'pw' ENGINE = ReplicatedSummingMergeTree(${P}) ORDER BY k AS SELECT k, count() AS n FROM e GROUP BY k`,
    );
  });

  it('renders ALTER TABLE ADD COLUMN', () => {
    expect(render('ALTER TABLE pw_subject_state ADD COLUMN IF NOT EXISTS login SimpleAggregateFunction(max, UInt8)')).toBe(
      "ALTER TABLE pw_subject_state ON CLUSTER 'pw' ADD COLUMN IF NOT EXISTS login SimpleAggregateFunction(max, UInt8)",
    );
  });

  it('renders DROP TABLE IF EXISTS with SYNC (the replica path is free for a re-create), DROP VIEW without', () => {
    expect(render('DROP TABLE IF EXISTS pw_eval_accounts')).toBe("DROP TABLE IF EXISTS pw_eval_accounts ON CLUSTER 'pw' SYNC");
    expect(render('DROP TABLE t SYNC')).toBe("DROP TABLE t ON CLUSTER 'pw' SYNC");
    expect(render('DROP VIEW IF EXISTS pw_subject_state_mv')).toBe("DROP VIEW IF EXISTS pw_subject_state_mv ON CLUSTER 'pw'");
  });

  it('renders TRUNCATE and RENAME', () => {
    expect(render('TRUNCATE TABLE pw_state_builds')).toBe("TRUNCATE TABLE pw_state_builds ON CLUSTER 'pw'");
    expect(render('TRUNCATE TABLE IF EXISTS t')).toBe("TRUNCATE TABLE IF EXISTS t ON CLUSTER 'pw'");
    expect(render('RENAME TABLE a TO b, c TO d')).toBe("RENAME TABLE a TO b, c TO d ON CLUSTER 'pw'");
  });

  it('leaves INSERT ... SELECT alone: data runs once, replication copies it', () => {
    const insert =
      "INSERT INTO pw_eval_snapshots (built_at, mode) SELECT now64(6), 'invalidated' WHERE (SELECT count() FROM pw_eval_snapshots) > 0";
    expect(render(insert)).toBe(insert);
  });

  it('accepts lower-case keywords', () => {
    expect(render('create table if not exists t (a UInt8) engine = MergeTree order by a')).toBe(
      `create table if not exists t ON CLUSTER 'pw' (a UInt8) engine = ReplicatedMergeTree(${P}) order by a`,
    );
  });
});

describe('renderForCluster: errors', () => {
  it('refuses a statement kind it has no rule for, naming where it comes from', () => {
    expect(() => renderForCluster('GRANT SELECT ON t TO u', 'pw', 'migration 0099_x.sql, statement 3 of 4')).toThrow(ClusterRenderError);
    expect(() => renderForCluster('GRANT SELECT ON t TO u', 'pw', 'migration 0099_x.sql, statement 3 of 4')).toThrow(
      /^migration 0099_x\.sql, statement 3 of 4: cannot render for cluster "pw": unknown statement kind GRANT/,
    );
    expect(() => render('CREATE DICTIONARY d (k UInt64) PRIMARY KEY k SOURCE(NULL()) LAYOUT(FLAT()) LIFETIME(0)')).toThrow(
      /unknown statement kind/,
    );
    expect(() => render('DROP DATABASE x')).toThrow(/unknown statement kind/);
  });

  it('names the migration file and statement number through migrationStatements', () => {
    const f: MigrationFile = {
      version: '0099',
      name: 'x',
      file: '0099_x.sql',
      sql: 'CREATE TABLE a (k UInt8) ENGINE = MergeTree ORDER BY k;\nOPTIMIZE TABLE a FINAL;',
      checksum: '',
    };
    expect(() => migrationStatements(f, 'pw')).toThrow(MigrationError);
    expect(() => migrationStatements(f, 'pw')).toThrow(
      /migration 0099_x\.sql, statement 2 of 2: cannot render for cluster "pw": unknown statement kind OPTIMIZE/,
    );
    expect(migrationStatements(f)).toEqual(['CREATE TABLE a (k UInt8) ENGINE = MergeTree ORDER BY k', 'OPTIMIZE TABLE a FINAL']);
  });

  it('checks the cluster name', () => {
    expect(clusterNameProblem('planewatch')).toBeNull();
    expect(clusterNameProblem('pw-prod.eu_1')).toBeNull();
    expect(clusterNameProblem('{cluster}')).toBeNull();
    for (const bad of ['', "pw'", 'a b', '1pw', '{a}b']) expect(clusterNameProblem(bad)).not.toBeNull();
    expect(() => renderForCluster('TRUNCATE TABLE t', "x' --", 'here')).toThrow(/cluster name "x' --": expected a cluster name/);
  });
});
