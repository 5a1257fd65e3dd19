-- 0007: alert notifications and their delivery log (docs/ALERTS.md).
--
-- pw_alert_notifications: one row per (notification, channel) once its delivery is FINAL
-- (delivered | dead | suppressed). The alerter writes it BEFORE committing the Kafka offset of the
-- transition and checks it before sending, so a transition re-consumed after a restart (or
-- re-published by the detector) is not sent again on that channel.
CREATE TABLE IF NOT EXISTS pw_alert_notifications
(
    notification_id  String,
    transition_key   String,
    fingerprint      String,
    kind             LowCardinality(String),      -- open | resolve | escalate | test
    transition       LowCardinality(String),
    evaluation_id    String,
    detection        LowCardinality(String),
    severity         LowCardinality(String),
    plane            LowCardinality(String),
    subject_id       String,
    subject_email    String,
    channel          LowCardinality(String),
    channel_type     LowCardinality(String),
    state            LowCardinality(String),      -- delivered | dead | suppressed
    attempts         UInt16,
    http_status      UInt16,
    last_error       String,
    created_at       DateTime64(3, 'UTC'),
    finished_at      DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(finished_at)
ORDER BY notification_id;

-- pw_alert_attempts: every HTTP attempt (or log write) with its outcome and latency.
CREATE TABLE IF NOT EXISTS pw_alert_attempts
(
    notification_id  String,
    fingerprint      String,
    kind             LowCardinality(String),
    channel          LowCardinality(String),
    attempt          UInt16,
    outcome          LowCardinality(String),      -- ok | retry | failed
    http_status      UInt16,                      -- 0 = no answer (timeout / network)
    error            String,
    latency_ms       UInt32,
    attempted_at     DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (notification_id, attempted_at, attempt);
