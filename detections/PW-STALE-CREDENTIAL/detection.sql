-- Active credentials whose last use (use events, actions made with them, inventory last_used_at)
-- is older than the plane's stale threshold, or never used and older than it. Kinds whose vendor
-- never reports use (detections.unobservable_credential_kinds) are skipped. Credentials of a
-- connection with credential_last_use: not_reported (its vendor reports no use, e.g. Anthropic)
-- and no observed use are judged by age: detail basis = 'age', last_used_at = 'not reported by the source'.
-- Credential-scoped (detection.yaml `scope: credential`): an unchanged credential, once stale, stays
-- stale as the clock advances; with {scoped} = 1 only the touched credentials and those that were
-- not stale yet at {since_ms} (the previous evaluation's clock) are evaluated.
SELECT kind AS subject_kind, credential_id AS subject_id, '' AS subject_email, plane, tenant, source, '' AS key, '' AS severity,
       if(last_used_ms > 0, [last_use_ev.1], [last_ev.1]) AS event_ids,
       if(last_used_ms > 0, [last_use_ev.2], [last_ev.2]) AS raw_ids,
       map('last_used_at', multiIf(last_used_ms > 0, toString(fromUnixTimestamp64Milli(toInt64(last_used_ms), 'UTC')),
                                   unreported, 'not reported by the source', 'never'),
           'basis', if(last_used_ms = 0 AND unreported, 'age', 'last use'),
           'created_at', if(created_ms > 0, toString(fromUnixTimestamp64Milli(toInt64(created_ms), 'UTC')), ''),
           'idle_ms', toString({now_ms:Int64} - ref_ms), 'stale_after_ms', toString(if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64}))) AS detail
FROM
(
    SELECT *, multiIf(last_used_ms > 0, last_used_ms, created_ms > 0, created_ms, first_seen_ms) AS ref_ms,
           has({last_use_unreported_conns:Array(String)}, connection_id) AS unreported,
           if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64}) AS stale_ms
    FROM {{credentials}}
    WHERE status = 'active' AND NOT has({unobservable_kinds:Array(String)}, kind)
)
WHERE {now_ms:Int64} - ref_ms > stale_ms
  AND ({scoped:UInt8} = 0 OR {since_ms:Int64} - ref_ms <= stale_ms
       OR (source, credential_id) IN (SELECT source, key FROM {{touched_credentials}}))
