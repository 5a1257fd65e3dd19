-- Scratch table of the evaluation snapshot's credential-gaps build (store/read-models/snapshot.ts):
-- the gaps found from the activity-day bounds, written once, then read twice — for the days whose
-- first event ids to merge, and to join those ids back — instead of computing them twice (ClickHouse
-- inlines a CTE or subquery at each use). Emptied at the start of every gaps build; only the
-- evaluation snapshot build reads or writes it.
CREATE TABLE IF NOT EXISTS pw_snapshot_gap_points
(
    plane          LowCardinality(String),
    source         LowCardinality(String),
    credential_id  String,
    kind           String,
    tenant         String,
    -- (previous day's last use ms, this day's first use ms, previous is the creation, this day)
    gaps           Array(Tuple(Int64, Int64, UInt8, Date))
)
ENGINE = MergeTree
ORDER BY (source, credential_id);
