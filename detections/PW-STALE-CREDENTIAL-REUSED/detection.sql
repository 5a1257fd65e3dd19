-- A credential used again after a gap longer than its plane's stale threshold since its previous
-- use (or since its creation when it had never been used). One incident per reuse day. Gaps are
-- exact for thresholds of one day or more (use times are kept as min/max per UTC day).
WITH
    days AS (
        SELECT source, entity_id, day, toUnixTimestamp64Milli(min(min_at)) AS mn, toUnixTimestamp64Milli(max(max_at)) AS mx,
               argMinMerge(first_ev) AS fe
        FROM pw_activity_days WHERE entity = 'credential'
        GROUP BY source, entity_id, day
    ),
    series AS (
        SELECT source, entity_id, groupArray((mn, mx, fe.1, fe.2)) AS s FROM days GROUP BY source, entity_id
    ),
    pts AS (
        SELECT c.kind AS kind, c.credential_id AS credential_id, c.plane AS plane, c.tenant AS tenant, c.source AS source,
               arraySort(x -> (x.1, x.3), if(c.created_ms > 0, arrayConcat([(c.created_ms, c.created_ms, '', '')], se.s), se.s)) AS p
        FROM pw_credentials AS c INNER JOIN series AS se ON se.source = c.source AND se.entity_id = c.credential_id
    )
SELECT kind AS subject_kind, credential_id AS subject_id, '' AS subject_email, plane, tenant, source,
       toString(toDate(fromUnixTimestamp64Milli(toInt64(p[i].1), 'UTC'))) AS key, '' AS severity,
       arrayFilter(x -> x != '', [p[i].3]) AS event_ids, arrayFilter(x -> x != '', [p[i].4]) AS raw_ids,
       map('previous_use_at', toString(fromUnixTimestamp64Milli(toInt64(p[i - 1].2), 'UTC')), 'reused_at', toString(fromUnixTimestamp64Milli(toInt64(p[i].1), 'UTC')),
           'gap_ms', toString(p[i].1 - p[i - 1].2), 'stale_after_ms', toString(if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64})),
           'previous', if(p[i - 1].3 = '', 'created', 'use')) AS detail
FROM pts
ARRAY JOIN arrayFilter(j -> j > 1 AND p[j].1 - p[j - 1].2 > if(plane = 'platform', {stale_platform_ms:UInt64}, {stale_application_ms:UInt64}), arrayEnumerate(p)) AS i
