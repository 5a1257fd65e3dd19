-- Active credentials whose last use (use events, actions made with them, inventory last_used_at)
-- is older than the plane's stale threshold, or never used and older than it. Kinds whose vendor
-- never reports use (detections.unobservable_credential_kinds) are skipped.
SELECT kind AS subject_kind, credential_id AS subject_id, '' AS subject_email, plane, tenant, source, '' AS key, '' AS severity,
       if(last_used_ms > 0, [last_use_ev.1], [last_ev.1]) AS event_ids,
       if(last_used_ms > 0, [last_use_ev.2], [last_ev.2]) AS raw_ids,
       map('last_used_at', if(last_used_ms > 0, toString(fromUnixTimestamp64Milli(toInt64(last_used_ms), 'UTC')), 'never'),
           'created_at', if(created_ms > 0, toString(fromUnixTimestamp64Milli(toInt64(created_ms), 'UTC')), ''),
           'idle_ms', toString({now_ms:Int64} - ref_ms), 'stale_after_ms', toString(if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64}))) AS detail
FROM
(
    SELECT *, multiIf(last_used_ms > 0, last_used_ms, created_ms > 0, created_ms, first_seen_ms) AS ref_ms
    FROM pw_credentials
    WHERE status = 'active' AND NOT has({unobservable_kinds:Array(String)}, kind)
)
WHERE {now_ms:Int64} - ref_ms > if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64})
