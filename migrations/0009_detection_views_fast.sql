-- 0009: the same views as 0005, computed without their two costly shapes (docs/DETECTIONS.md
-- "Evaluation"). Same columns, same meaning; test/integration/detections-scenario.test.ts checks
-- the evaluation snapshot (built from these) row for row against them.
--   pw_accounts     `periods` looked at the previous lifecycle fact with lc[i - 1] inside a lambda,
--                   which copies the whole lifecycle array for every element (quadratic: > 8 GiB
--                   at 10 M events); it now compares with the array shifted by one.
--   pw_credentials  the last use comes from pw_credential_use (0008, maintained by a materialized
--                   view) instead of a scan of every credential activity day.

CREATE OR REPLACE VIEW pw_accounts AS
SELECT
    plane, source, tenant, subject_id, kind, connection_id, email, name, emails, authoritative_for,
    directory_attr, is_account, is_provisioning, lc, inv_last, inv_last_ev, conn_last, last_ev, first_seen, last_seen,
    up_last,
    multiIf(
        inv_last > toDateTime64(0, 3, 'UTC') AND inv_last > last_fact.1, 'active',
        empty(lc), 'active',
        last_fact.4 IN ('create', 'up'), 'active',
        last_fact.4 = 'deprov', 'suspended',
        'deleted') AS status,
    if(status = 'active', 0, toUnixTimestamp64Milli(removal.1)) AS removed_ms,
    if(status = 'active', '', removal.2) AS removed_event_id,
    if(status = 'active', '', removal.3) AS removed_raw_id,
    toUnixTimestamp64Milli(open_deprov.1) AS open_ms,
    open_deprov.2 AS open_event_id,
    open_deprov.3 AS open_raw_id,
    arrayMap(x -> (toUnixTimestamp64Milli(x.1), x.2, x.3,
                   toUnixTimestamp64Milli(arrayFirst(y -> y.4 IN ('create', 'up') AND (y.1, y.2) > (x.1, x.2), ups).1)),
             arrayFilter((x, prev) -> x.4 IN ('deprov', 'delete') AND (prev = '' OR prev IN ('create', 'up')),
                         lc, arrayPopBack(arrayPushFront(arrayMap(y -> y.4, lc), '')))) AS periods,
    toUnixTimestamp64Milli(arrayFirst(x -> x.4 = 'create', lc).1) AS created_ms,
    toUnixTimestamp64Milli(first_seen) AS first_seen_ms,
    toUnixTimestamp64Milli(inv_last) AS inv_last_ms
FROM
(
    SELECT *,
        lc[-1] AS last_fact,
        arrayFilter(x -> x.4 IN ('create', 'up'), lc) AS ups,
        ups[-1] AS up_last,
        arrayFirst(x -> x.4 IN ('deprov', 'delete') AND (x.1, x.2) > (up_last.1, up_last.2) AND x.1 > inv_last, lc) AS removal,
        arrayFirst(x -> x.4 IN ('deprov', 'delete') AND (x.1, x.2) > (up_last.1, up_last.2), lc) AS open_deprov
    FROM
    (
        SELECT plane, source, tenant, subject_id,
            argMaxMerge(subject_kind) AS kind,
            argMaxMerge(connection_id) AS connection_id,
            argMaxMerge(email) AS email,
            argMaxMerge(name) AS name,
            arraySort(groupUniqArrayMerge(emails)) AS emails,
            max(authoritative_for) AS authoritative_for,
            max(directory_attr) AS directory_attr,
            max(is_account) AS is_account,
            max(is_provisioning) AS is_provisioning,
            arraySort(x -> (x.1, x.2), groupUniqArrayMerge(lifecycle)) AS lc,
            max(inv_last) AS inv_last,
            argMaxMerge(inv_last_ev) AS inv_last_ev,
            argMaxMerge(conn_last) AS conn_last,
            argMaxMerge(last_ev) AS last_ev,
            min(first_seen) AS first_seen,
            max(last_seen) AS last_seen
        FROM pw_subject_state
        GROUP BY plane, source, tenant, subject_id
    )
);

CREATE OR REPLACE VIEW pw_credentials AS
SELECT
    c.plane AS plane, c.source AS source, c.credential_id AS credential_id, c.kind AS kind, c.owner_id AS owner_id,
    c.owner_kind AS owner_kind, c.scopes AS scopes, c.tenant AS tenant, c.connection_id AS connection_id, c.name AS name,
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
    ifNull(u.last_use_ev, ('', '')) AS last_use_ev
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
            toUnixTimestamp64Milli(min(first_seen)) AS first_seen_ms
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
SETTINGS join_use_nulls = 1;

