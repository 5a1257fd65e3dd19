-- The touched keys one evaluation-snapshot refresh works on (store/read-models/snapshot.ts), copied
-- from pw_touched once at its start. Every statement of the refresh — the person scope taken
-- before the recompute, each table's DELETE and its INSERT, the scope after — then sees the same
-- keys: read from pw_touched each time, a key an insert touched between two of them (the sink
-- writes on a connection of its own) could be recomputed without its old person in the scope, or
-- inserted again without having been deleted. Keys touched after the copy are picked up by the
-- next refresh (it re-reads pw_touched from before this one's start). Refilled by every refresh that
-- works on touched keys.
CREATE TABLE IF NOT EXISTS pw_snapshot_touched
(
    kind           LowCardinality(String),   -- subject | credential | actor
    source         LowCardinality(String),
    key            String
)
ENGINE = MergeTree
ORDER BY (kind, source, key);
