-- 0006: findings and evaluations (docs/DETECTIONS.md "Findings").
--
-- pw_findings holds one row per (fingerprint, version): every transition an evaluation (or an
-- acknowledgement) writes. An evaluation writes ALL its rows in one insert, tagged with its
-- evaluation_id, and only then records itself in pw_evaluations. Readers take, per fingerprint,
-- the highest version among rows whose evaluation is recorded, so an evaluation interrupted
-- before its pw_evaluations row (or an insert split into several blocks) is invisible.
CREATE TABLE IF NOT EXISTS pw_findings
(
    fingerprint        String,
    version            UInt64,
    evaluation_id      String,
    detection          LowCardinality(String),
    kind               LowCardinality(String),      -- state | incident
    severity           LowCardinality(String),
    status             LowCardinality(String),      -- open | reopened | resolved | acknowledged
    transition         LowCardinality(String),      -- opened | updated | resolved | reopened | acknowledged
    resolution         LowCardinality(String),      -- '' | cleared | retracted
    plane              LowCardinality(String),
    tenant             String,
    source             LowCardinality(String),
    subject_kind       LowCardinality(String),
    subject_id         String,
    subject_email      String,
    first_seen         DateTime64(3, 'UTC'),
    last_seen          DateTime64(3, 'UTC'),
    opened_at          DateTime64(3, 'UTC'),
    resolved_at        Nullable(DateTime64(3, 'UTC')),
    acknowledged_at    Nullable(DateTime64(3, 'UTC')),
    acknowledged_by    String,
    reopen_count       UInt32,
    evidence_event_ids Array(String),
    evidence_raw_ids   Array(String),
    detail             Map(String, String),
    written_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (fingerprint, version);

CREATE TABLE IF NOT EXISTS pw_evaluations
(
    evaluation_id      String,
    version            UInt64,
    kind               LowCardinality(String),      -- evaluation | ack
    evaluated_now      DateTime64(3, 'UTC'),
    started_at         DateTime64(3, 'UTC'),
    finished_at        DateTime64(3, 'UTC'),
    detections         UInt32,
    matches            UInt32,
    transitions        UInt32,
    -- 1 once its transitions were published to planewatch.alerts.v1 (re-published otherwise)
    published          UInt8,
    errors             Array(String),
    written_at         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(written_at)
ORDER BY evaluation_id;

-- When each configured connection was first seen by an evaluation: a connection that never
-- delivered anything is silent once its threshold has passed since then.
CREATE TABLE IF NOT EXISTS pw_connection_registry
(
    connection_id      String,
    first_configured   SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY connection_id;

-- Marker written after the detection state was (re)built from identity_events / raw_envelopes
-- (store/read-models/state.ts): the detector builds it once when 0004 is applied to a store that
-- already holds events, since materialized views only see inserts made after their creation.
CREATE TABLE IF NOT EXISTS pw_state_builds
(
    built_at           DateTime64(3, 'UTC'),
    reason             String
)
ENGINE = MergeTree
ORDER BY built_at;
