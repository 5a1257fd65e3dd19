-- Person-scoped detections (docs/DETECTIONS.md "Evaluation"): after a batch, a detection whose
-- rows about a person depend only on that person's accounts, credentials and activity is re-run
-- for the people the batch may have changed, not for everyone.
--
-- A human actor's activity (pw_activity_days, entity 'account', keyed by actor_id) is the one
-- activity-day key pw_touched did not record (0008 records subjects and credentials, which is all
-- the snapshot tables need): record it too, as kind 'actor'.
CREATE MATERIALIZED VIEW IF NOT EXISTS pw_touched_actor_mv TO pw_touched AS
SELECT now64(6) AS touched_at, 'actor' AS kind, source, ifNull(actor_id, '') AS key
FROM identity_events
WHERE ifNull(actor_id, '') != ''
GROUP BY source, key;

-- The people whose person-scoped rows may differ from the previous evaluation's: written by each
-- incremental snapshot refresh (the people of the touched keys before and after it), emptied by
-- every other refresh.
CREATE TABLE IF NOT EXISTS pw_eval_scope
(
    person String
)
ENGINE = MergeTree
ORDER BY person;
