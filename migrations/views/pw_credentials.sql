-- Credentials (0009's pw_credentials) plus:
--   owner_id / owner_kind  when no listing or event named an owner, the person or service
--                          account whose action created it (owner_from = 'creator')
--   observed_from_ms       when planewatch first received anything about it
SELECT
    c.plane AS plane, c.source AS source, c.credential_id AS credential_id, c.kind AS kind,
    if(c.owner_id != '', c.owner_id, if(c.creator.1 IN ('human', 'service_account'), c.creator.2, '')) AS owner_id,
    if(c.owner_id != '', c.owner_kind, if(c.creator.1 IN ('human', 'service_account'), c.creator.1, '')) AS owner_kind,
    c.scopes AS scopes, c.tenant AS tenant, c.connection_id AS connection_id, c.name AS name,
    c.created_ms AS created_ms, c.creator AS creator, c.lc AS lc, c.last_ev AS last_ev, c.first_seen_ms AS first_seen_ms,
    multiIf(
        c.inv_last > toDateTime64(0, 3, 'UTC') AND c.inv_last > c.last_fact.1, 'active',
        empty(c.lc), 'active',
        c.last_fact.4 IN ('create', 'up'), 'active',
        'revoked') AS status,
    if(status = 'active', 0, toUnixTimestamp64Milli(c.removal.1)) AS removed_ms,
    if(status = 'active', '', c.removal.2) AS removed_event_id,
    if(status = 'active', '', c.removal.3) AS removed_raw_id,
    ifNull(u.last_used_ms, 0) AS last_used_ms,
    ifNull(u.last_use_ev, ('', '')) AS last_use_ev,
    multiIf(c.owner_id != '', 'record', owner_id != '', 'creator', '') AS owner_from,
    c.observed_from_ms AS observed_from_ms
FROM
(
    SELECT *,
        lc[-1] AS last_fact,
        arrayFilter(x -> x.4 IN ('create', 'up'), lc)[-1] AS up_last,
        arrayFirst(x -> x.4 = 'delete' AND (x.1, x.2) > (up_last.1, up_last.2) AND x.1 > inv_last, lc) AS removal
    FROM
    (
        SELECT plane, source, credential_id,
            multiIf(argMaxMerge(kind_inv) != '', argMaxMerge(kind_inv), argMaxMerge(kind) != '', argMaxMerge(kind), 'unknown') AS kind,
            argMaxMerge(owner_id) AS owner_id,
            argMaxMerge(owner_kind) AS owner_kind,
            argMaxMerge(scopes) AS scopes,
            argMaxMerge(tenant) AS tenant,
            argMaxMerge(connection_id) AS connection_id,
            argMaxMerge(name) AS name,
            if(min(created_min) >= toDateTime64('2299-01-01 00:00:00', 3, 'UTC'), 0, toUnixTimestamp64Milli(min(created_min))) AS created_ms,
            argMinMerge(creator) AS creator,
            arraySort(x -> (x.1, x.2), groupUniqArrayMerge(lifecycle)) AS lc,
            max(inv_last) AS inv_last,
            argMaxMerge(last_ev) AS last_ev,
            toUnixTimestamp64Milli(min(first_seen)) AS first_seen_ms,
            if(min(first_received) >= toDateTime64('2299-01-01 00:00:00', 3, 'UTC'), 0, toUnixTimestamp64Milli(min(first_received))) AS observed_from_ms
        FROM pw_credential_state
        GROUP BY plane, source, credential_id
    )
) AS c
LEFT JOIN
(
    SELECT source, credential_id AS entity_id, toUnixTimestamp64Milli(max(last_used)) AS last_used_ms, argMaxMerge(last_use_ev) AS last_use_ev
    FROM pw_credential_use
    GROUP BY source, credential_id
) AS u ON u.source = c.source AND u.entity_id = c.credential_id
SETTINGS join_use_nulls = 1
