-- 0008: evaluation snapshots and incrementally maintained helpers (docs/DETECTIONS.md "Evaluation").
--
-- The views of 0005 merge the aggregate states and link people every time they are read; every
-- detection read them, so one evaluation recomputed them ~14 times. An evaluation now fills the
-- pw_eval_* tables below ONCE (store/read-models/snapshot.ts) and the detections read those. They
-- hold exactly what the 0005 views return (same columns, same meaning) as of the evaluation.
-- After a sink batch only the subjects and credentials the batch touched (pw_touched) are
-- recomputed in place; the rest is kept. Only evaluations read these tables (one at a time); a
-- pw_eval_snapshots row with valid = 0 is written before any change and one with valid = 1 after,
-- so a build interrupted half-way is followed by a full rebuild.

-- Last use per credential (max over use events, actions made with it, inventory last_used_at):
-- what pw_credentials computed by scanning pw_activity_days on every read.
CREATE TABLE IF NOT EXISTS pw_credential_use
(
    source         LowCardinality(String),
    credential_id  String,
    last_used      SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_use_ev    AggregateFunction(argMax, Tuple(String, String), Tuple(DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
ORDER BY (source, credential_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS pw_credential_use_mv TO pw_credential_use AS
SELECT source, _cred AS credential_id, max(_at) AS last_used, argMaxState((_event_id, _raw_id), (_at, _event_id)) AS last_use_ev
FROM
(
    SELECT source, a.1 AS _cred, a.2 AS _at, event_id AS _event_id, raw_id AS _raw_id
    FROM identity_events
    ARRAY JOIN arrayFilter(x -> x.1 != '', [
        (if(category = 'credential' AND action = 'used', ifNull(credential_id, subject_id), ''), occurred_at),
        (if(ifNull(outcome, 'success') = 'success', ifNull(actor_credential_id, ''), ''), occurred_at),
        (if(credential_last_used_at IS NOT NULL, ifNull(credential_id, ''), ''), ifNull(credential_last_used_at, occurred_at))
    ]) AS a
)
GROUP BY source, credential_id;

-- Fill it from what pw_activity_days already holds (same facts; a duplicate changes nothing).
INSERT INTO pw_credential_use
SELECT source, entity_id, max(max_at), argMaxMergeState(last_ev)
FROM pw_activity_days WHERE entity = 'credential'
GROUP BY source, entity_id;

-- Keys touched by inserts, with the insert time: subjects (source, subject id) and credentials
-- (source, credential id). An incremental evaluation recomputes the snapshot rows of the keys
-- touched since the previous snapshot (with a safety overlap); rows older than a day are dropped
-- (a snapshot older than that is rebuilt in full).
CREATE TABLE IF NOT EXISTS pw_touched
(
    touched_at     DateTime64(6, 'UTC'),
    kind           LowCardinality(String),   -- subject | credential
    source         LowCardinality(String),
    key            String
)
ENGINE = MergeTree
ORDER BY (touched_at, kind, source, key)
TTL toDateTime(touched_at) + INTERVAL 1 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS pw_touched_mv TO pw_touched AS
SELECT now64(6) AS touched_at, _kind AS kind, source, _key AS key
FROM
(
    SELECT source, k.1 AS _kind, k.2 AS _key
    FROM identity_events
    ARRAY JOIN arrayFilter(x -> x.2 != '', [
        ('subject', subject_id),
        ('credential', ifNull(credential_id, '')),
        ('credential', if(subject_kind IN ('api_key', 'admin_key'), subject_id, '')),
        ('credential', ifNull(actor_credential_id, ''))
    ]) AS k
)
GROUP BY kind, source, key;

-- Snapshot tables, typed from the views they mirror.
CREATE TABLE IF NOT EXISTS pw_eval_accounts ENGINE = MergeTree ORDER BY (source, subject_id) EMPTY AS
SELECT * FROM pw_accounts;

CREATE TABLE IF NOT EXISTS pw_eval_person_accounts ENGINE = MergeTree ORDER BY (source, subject_id) EMPTY AS
SELECT * FROM pw_person_accounts(link_refs = [''], link_emails = [''], directory_sources = ['']);

CREATE TABLE IF NOT EXISTS pw_eval_people ENGINE = MergeTree ORDER BY person EMPTY AS
SELECT * FROM pw_people(link_refs = [''], link_emails = [''], directory_sources = ['']);

CREATE TABLE IF NOT EXISTS pw_eval_credentials ENGINE = MergeTree ORDER BY (source, credential_id) EMPTY AS
SELECT * FROM pw_credentials;

-- Per used credential, its idle gaps longer than the smaller of the planes' stale_after: between
-- two consecutive points in time (its creation, if known, and each UTC day of use: first and last
-- use), the gap (previous point's end, next point's start, its first event and raw id, whether the
-- previous point is the creation). PW-STALE-CREDENTIAL-REUSED reads these.
CREATE TABLE IF NOT EXISTS pw_eval_credential_gaps
(
    plane          LowCardinality(String),
    source         LowCardinality(String),
    credential_id  String,
    kind           String,
    tenant         String,
    gaps           Array(Tuple(Int64, Int64, String, String, UInt8))
)
ENGINE = MergeTree
ORDER BY (source, credential_id);

CREATE TABLE IF NOT EXISTS pw_eval_snapshots
(
    built_at       DateTime64(6, 'UTC'),
    params_hash    String,
    watermark      DateTime64(6, 'UTC'),
    valid          UInt8,
    mode           LowCardinality(String),   -- full | incremental
    touched        UInt64
)
ENGINE = MergeTree
ORDER BY built_at
TTL toDateTime(built_at) + INTERVAL 7 DAY;
