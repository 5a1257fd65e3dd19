-- A configured (enabled) connection that has delivered nothing for longer than its threshold:
-- 3 x its poll interval for pollers, 24 h for push sources (per plane: silent_poll_factor,
-- silent_after). A connection that never delivered counts from when an evaluation first saw it
-- configured.
WITH
    conns AS (
        SELECT c.1 AS connection_id, c.2 AS source, c.3 AS transport, c.4 AS plane, c.5 AS silent_ms
        FROM (SELECT arrayJoin(arrayZip({conn_ids:Array(String)}, {conn_sources:Array(String)}, {conn_transports:Array(String)},
                                        {conn_planes:Array(String)}, {conn_silent_ms:Array(UInt64)})) AS c)
    ),
    deliveries AS (
        SELECT source, connection_id, toUnixTimestamp64Milli(max(last_received)) AS last_ms, argMaxMerge(last_raw) AS last_raw
        FROM pw_source_deliveries GROUP BY source, connection_id
    ),
    registry AS (
        SELECT connection_id, toUnixTimestamp64Milli(min(first_configured)) AS configured_ms FROM pw_connection_registry GROUP BY connection_id
    )
SELECT 'connection' AS subject_kind, connection_id AS subject_id, '' AS subject_email, plane, '' AS tenant, source, '' AS key,
       '' AS severity, CAST([], 'Array(String)') AS event_ids,
       if(last_raw != '', [last_raw], CAST([], 'Array(String)')) AS raw_ids,
       map('transport', transport, 'last_delivery', if(last_ms > 0, toString(fromUnixTimestamp64Milli(toInt64(last_ms), 'UTC')), 'never'),
           'silent_after_ms', toString(silent_ms), 'silent_for_ms', toString({now_ms:Int64} - since_ms)) AS detail
FROM
(
    SELECT k.connection_id AS connection_id, k.source AS source, k.transport AS transport, k.plane AS plane, k.silent_ms AS silent_ms,
           d.last_ms AS last_ms, d.last_raw AS last_raw,
           multiIf(d.last_ms > 0, d.last_ms, r.configured_ms > 0, r.configured_ms, {now_ms:Int64}) AS since_ms
    FROM conns AS k
    LEFT JOIN deliveries AS d ON d.source = k.source AND d.connection_id = k.connection_id
    LEFT JOIN registry AS r ON r.connection_id = k.connection_id
)
WHERE {now_ms:Int64} - since_ms > silent_ms
