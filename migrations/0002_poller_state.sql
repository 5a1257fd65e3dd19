-- 0002: state of the API pollers (services/poller/): checkpoints, the object set of the last complete
-- inventory snapshot per connection, and per-stream status for `planewatch status`.
--
-- Every table is a ReplacingMergeTree keyed by the connection (and stream) and versioned by
-- `version` (epoch microseconds at write time, strictly increasing per process): the newest write
-- wins. Read with FINAL. A checkpoint is written only after Kafka acknowledged the page it
-- follows, so a crash re-fetches that page (duplicates collapse downstream by event id).

CREATE TABLE IF NOT EXISTS poller_checkpoints
(
    connection_id   String,
    -- 'pages': the audit log / event feed walk
    stream          LowCardinality(String),
    -- JSON of what the vendor module returned as PolledPage.checkpoint
    checkpoint      String,
    -- one printable line (PollerModule.describeCheckpoint)
    summary         String,
    updated_at      DateTime64(3, 'UTC'),
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (connection_id, stream);

CREATE TABLE IF NOT EXISTS poller_inventory_sets
(
    connection_id   String,
    -- the last COMPLETE snapshot: a partial one never replaces it
    snapshot_id     String,
    completed_at    DateTime64(3, 'UTC'),
    -- JSON array of InventoryObject (kind, scope, id + descriptive fields)
    objects         String,
    object_count    UInt32,
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY connection_id;

CREATE TABLE IF NOT EXISTS poller_status
(
    connection_id        String,
    -- 'pages' or 'inventory'
    stream               LowCardinality(String),
    vendor               LowCardinality(String),
    last_attempt_at      Nullable(DateTime64(3, 'UTC')),
    last_success_at      Nullable(DateTime64(3, 'UTC')),
    checkpoint_summary   Nullable(String),
    last_error           Nullable(String),
    -- 'auth', 'page' (malformed page), 'http', 'config', 'other'
    last_error_kind      LowCardinality(Nullable(String)),
    last_error_at        Nullable(DateTime64(3, 'UTC')),
    consecutive_failures UInt32,
    pages_total          UInt64,
    items_total          UInt64,
    dlq_total            UInt64,
    updated_at           DateTime64(3, 'UTC'),
    version              UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (connection_id, stream);
