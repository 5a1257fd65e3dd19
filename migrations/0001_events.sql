-- 0001: the three tables the sink writes, mirroring schemas/identity-event.v1.avsc,
-- raw-envelope.v1.avsc and dead-letter.v1.avsc (nested records flattened to prefix_field columns).
--
-- All three are ReplacingMergeTree keyed only on the immutable identity of a row, versioned by
-- ingested_at: a replay after a mapping fix (new plane, category, ...) REPLACES the old row.
-- Read with FINAL (or argMax(..., ingested_at) GROUP BY key) to see one row per key.
-- Partitions are by month of the row's time. Background merges never collapse rows of different
-- partitions, so when a replay moves an event to another month (a mapping fix corrected
-- occurred_at, or a raw envelope is redelivered next month), both rows stay on disk and a count
-- without FINAL sees two.
-- SELECT ... FINAL still returns one row: it merges across partitions as long as the setting
-- do_not_merge_across_partitions_select_final stays 0 (the default) and the partition key is not
-- a function of the ORDER BY columns (tested in test/integration/clickhouse.test.ts).
-- The month partition of occurred_at is its implicit min/max index for time-range queries.
-- non_replicated_deduplication_window: a retried insert carrying the same
-- insert_deduplication_token (the sink derives it from the batch's Kafka offsets) is dropped.
-- Timestamps are DateTime64(3, 'UTC'): Avro timestamp-millis, exact to the millisecond.

CREATE TABLE IF NOT EXISTS identity_events
(
    event_id              String,
    source                LowCardinality(String),
    connection_id         LowCardinality(String),
    plane                 LowCardinality(String),
    tenant_id             Nullable(String),
    authoritative_for     LowCardinality(Nullable(String)),
    category              LowCardinality(String),
    action                LowCardinality(String),
    outcome               LowCardinality(Nullable(String)),

    subject_kind          LowCardinality(String),
    subject_id            String,
    subject_email         Nullable(String),
    subject_name          Nullable(String),

    actor_kind            LowCardinality(Nullable(String)),
    actor_id              Nullable(String),
    actor_email           Nullable(String),
    actor_ip              Nullable(String),
    actor_user_agent      Nullable(String),
    actor_credential_id   Nullable(String),

    credential_id         Nullable(String),
    credential_kind       LowCardinality(Nullable(String)),
    credential_owner_id   Nullable(String),
    credential_owner_kind LowCardinality(Nullable(String)),
    credential_scopes     Array(String),
    credential_created_at   Nullable(DateTime64(3, 'UTC')),
    credential_last_used_at Nullable(DateTime64(3, 'UTC')),

    occurred_at           DateTime64(3, 'UTC'),
    received_at           DateTime64(3, 'UTC'),
    raw_id                String,
    vendor_type           LowCardinality(String),
    ocsf_class_uid        Nullable(Int32),
    ocsf_activity_id      Nullable(Int32),
    attributes            Map(String, String),

    ingested_at           DateTime64(3, 'UTC') DEFAULT now64(3),

    INDEX idx_subject_email subject_email TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_subject_id    subject_id    TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_plane         plane         TYPE set(4) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (source, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS raw_envelopes
(
    id                    String,
    source                LowCardinality(String),
    connection_id         LowCardinality(String),
    received_at           DateTime64(3, 'UTC'),
    transport             LowCardinality(String),
    content_type          LowCardinality(Nullable(String)),
    headers               Map(String, String),
    -- the body as UTF-8 text, or base64 of its bytes when they are not valid UTF-8
    body                  String,
    body_encoding         LowCardinality(String),
    verification_scheme   LowCardinality(String),
    verified              UInt8,
    verification_detail   Nullable(String),

    ingested_at           DateTime64(3, 'UTC') DEFAULT now64(3),

    INDEX idx_id          id          TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(received_at)
ORDER BY (source, connection_id, id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS dead_letters
(
    id                    String,
    stage                 LowCardinality(String),
    reason                String,
    source                LowCardinality(Nullable(String)),
    connection_id         LowCardinality(Nullable(String)),
    raw_id                Nullable(String),
    origin_topic          LowCardinality(Nullable(String)),
    origin_partition      Nullable(Int32),
    origin_offset         Nullable(String),
    -- base64 of the message value or envelope that failed
    payload               String,
    failed_at             DateTime64(3, 'UTC'),

    ingested_at           DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(failed_at)
ORDER BY (stage, id)
SETTINGS non_replicated_deduplication_window = 1000;
