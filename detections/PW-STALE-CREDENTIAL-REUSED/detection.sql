-- A credential used again after a gap longer than its plane's stale threshold since its previous
-- use (or since its creation when it had never been used). One incident per reuse day. Gaps are
-- exact for thresholds of one day or more (use times are kept as min/max per UTC day).
-- Observation-bounded (docs/IDENTITY-MODEL.md): only the part of a gap after planewatch first
-- received anything about the credential (observed_from_ms) counts; history before that is unknown,
-- not idle, so a first listing of an old key in daily use raises nothing.
-- {{credential_gaps}}: per used credential, gaps (previous end, next start, event, raw id,
-- previous is the creation) longer than the smaller plane threshold, from the evaluation snapshot.
SELECT kind AS subject_kind, credential_id AS subject_id, '' AS subject_email, plane, tenant, source,
       toString(toDate(fromUnixTimestamp64Milli(toInt64(g.2), 'UTC'))) AS key, '' AS severity,
       arrayFilter(x -> x != '', [g.3]) AS event_ids, arrayFilter(x -> x != '', [g.4]) AS raw_ids,
       map('previous_use_at', toString(fromUnixTimestamp64Milli(toInt64(g.1), 'UTC')), 'reused_at', toString(fromUnixTimestamp64Milli(toInt64(g.2), 'UTC')),
           'gap_ms', toString(g.2 - g.1), 'stale_after_ms', toString(if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64})),
           'previous', if(g.5 = 1, 'created', 'use'),
           'observed_from', if(observed_from_ms > 0, toString(fromUnixTimestamp64Milli(toInt64(observed_from_ms), 'UTC')), '')) AS detail
FROM {{credential_gaps}}
ARRAY JOIN gaps AS g
WHERE g.2 - greatest(g.1, observed_from_ms) > if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64})
