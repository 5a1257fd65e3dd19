-- One row per secret scanning alert (subject `github-alert:<owner/repo>#<n>`):
--   exposed_ms         the alert's created_at: when GitHub found the secret
--   alert_open         1 while its latest fact (by time) is `exposed` (created or reopened)
--   alert_resolved_ms  the resolution time of a resolved alert, else 0
--   match              one | none | ambiguous — how many known credentials the fingerprint fits:
--                      aws_access_key_id: the AWS credential whose id is the key id; OpenAI /
--                      Anthropic types: a credential of that vendor whose key_hint prefix starts
--                      the alert's key_head and whose suffix ends its key_tail. None or several:
--                      nothing is guessed, the alert is kept and shown as such.
--   plane, source      the matched credential's (else the alert's own plane, and 'github')
--   credential_*       the matched credential (empty / 0 unless match = one)
-- The credentials are read live (pw_credentials), the exposures from identity_events FINAL.
WITH
    alerts AS (
        SELECT subject_id AS alert_id,
            argMax(CAST(plane AS String), ingested_at) AS alert_plane,
            argMax(CAST(connection_id AS String), ingested_at) AS alert_connection,
            argMax(attributes, ingested_at) AS attrs,
            attrs['secret_type'] AS secret_type,
            attrs['repository'] AS repository,
            attrs['html_url'] AS html_url,
            attrs['validity'] AS validity,
            attrs['publicly_leaked'] AS publicly_leaked,
            attrs['resolution'] AS resolution,
            attrs['exposure_vendor'] AS vendor,
            attrs['key_head'] AS key_head,
            attrs['key_tail'] AS key_tail,
            attrs['key_id'] AS key_id,
            toUnixTimestamp64Milli(minIf(occurred_at, action = 'exposed')) AS exposed_ms,
            argMinIf((event_id, raw_id), occurred_at, action = 'exposed') AS exposed_ev,
            argMax((CAST(action AS String), toUnixTimestamp64Milli(occurred_at), event_id), (occurred_at, event_id)) AS last_fact
        FROM identity_events FINAL
        WHERE source = 'github' AND category = 'credential' AND action IN ('exposed', 'exposure_resolved')
        GROUP BY subject_id
    ),
    creds AS (
        SELECT c.plane AS plane, c.source AS source, c.credential_id AS credential_id, c.kind AS kind, c.owner_id AS owner_id,
               c.tenant AS tenant, c.status AS status, c.removed_ms AS removed_ms, c.removed_event_id AS removed_event_id,
               c.last_used_ms AS last_used_ms, c.last_use_ev AS last_use_ev, ifNull(h.key_hint, '') AS key_hint,
               extract(key_hint, '^(.*?)(?:\\.{3,}|\\*{3,})') AS hint_prefix,
               extract(key_hint, '(?:\\.{3,}|\\*{3,})([^.*]*)$') AS hint_suffix
        -- Only the vendors some alert names: with no alert (most evaluations) nothing is merged or
        -- scanned (the source filter reaches the state and event reads below their GROUP BY).
        FROM (SELECT * FROM pw_credentials WHERE source IN (SELECT DISTINCT vendor FROM alerts WHERE vendor IN ('openai', 'anthropic', 'aws'))) AS c
        LEFT JOIN (SELECT * FROM pw_credential_hints WHERE source IN (SELECT DISTINCT vendor FROM alerts)) AS h
            ON h.source = c.source AND h.credential_id = c.credential_id
    ),
    candidates AS (
        SELECT a.alert_id AS alert_id, count() AS n,
               any((c.plane, c.source, c.credential_id, c.kind, c.owner_id, c.tenant, c.status, c.removed_ms, c.removed_event_id,
                    c.last_used_ms, c.last_use_ev.1)) AS cred
        FROM alerts AS a
        INNER JOIN creds AS c ON c.source = a.vendor
        WHERE (a.vendor = 'aws' AND a.key_id != '' AND c.credential_id = a.key_id)
           OR (a.vendor IN ('openai', 'anthropic') AND a.key_head != '' AND a.key_tail != ''
               AND length(c.hint_prefix) BETWEEN 3 AND 16 AND length(c.hint_suffix) BETWEEN 2 AND 4
               AND startsWith(a.key_head, c.hint_prefix) AND endsWith(a.key_tail, c.hint_suffix))
        GROUP BY a.alert_id
    )
SELECT
    a.alert_id AS alert_id, a.alert_connection AS alert_connection, a.alert_plane AS alert_plane,
    a.secret_type AS secret_type, a.repository AS repository, a.html_url AS html_url, a.validity AS validity,
    a.publicly_leaked AS publicly_leaked, a.resolution AS resolution,
    a.exposed_ms AS exposed_ms, a.exposed_ev.1 AS exposed_event_id, a.exposed_ev.2 AS exposed_raw_id,
    toUInt8(a.last_fact.1 = 'exposed') AS alert_open,
    if(alert_open = 1, 0, a.last_fact.2) AS alert_resolved_ms,
    multiIf(m.n = 1, 'one', m.n = 0, 'none', 'ambiguous') AS match,
    m.n AS n_matches,
    if(match = 'one', m.cred.1, a.alert_plane) AS plane,
    if(match = 'one', m.cred.2, 'github') AS source,
    if(match = 'one', m.cred.3, '') AS credential_id,
    if(match = 'one', m.cred.4, '') AS credential_kind,
    if(match = 'one', m.cred.5, '') AS owner_id,
    if(match = 'one', m.cred.6, '') AS tenant,
    if(match = 'one', m.cred.7, '') AS credential_status,
    if(match = 'one', m.cred.8, 0) AS revoked_ms,
    if(match = 'one', m.cred.9, '') AS revoked_event_id,
    if(match = 'one', m.cred.10, 0) AS last_used_ms,
    if(match = 'one', m.cred.11, '') AS last_use_event_id
FROM alerts AS a
LEFT JOIN candidates AS m ON m.alert_id = a.alert_id
SETTINGS join_use_nulls = 0
