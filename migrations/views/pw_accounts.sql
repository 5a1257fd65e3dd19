-- Accounts and other subjects (0010's pw_accounts) plus the model's columns:
--   scopes      the grants still held (latest grant later than the latest removal), sorted
--   login       1 for a login account that grants no access by itself
--   seen        1 when its existence was proven by activity
--   basis       'record' (account, membership or inventory facts) | 'observed' (activity only)
-- An account known only through its grants, all of them removed, is removed at the last removal.
SELECT
    plane, source, tenant, subject_id, kind, connection_id, email, name, emails, authoritative_for,
    directory_attr, is_account, is_provisioning, lc, inv_last, inv_last_ev, conn_last, last_ev, first_seen, last_seen,
    up_last,
    multiIf(
        scopes_only AND empty(scopes), 'deleted',
        inv_last > toDateTime64(0, 3, 'UTC') AND inv_last > last_fact.1, 'active',
        empty(lc), 'active',
        last_fact.4 IN ('create', 'up'), 'active',
        last_fact.4 = 'deprov', 'suspended',
        'deleted') AS status,
    multiIf(status = 'active', 0, scopes_only, arrayMax(sd.2), toUnixTimestamp64Milli(removal.1)) AS removed_ms,
    if(status = 'active' OR scopes_only, '', removal.2) AS removed_event_id,
    if(status = 'active' OR scopes_only, '', removal.3) AS removed_raw_id,
    toUnixTimestamp64Milli(open_deprov.1) AS open_ms,
    open_deprov.2 AS open_event_id,
    open_deprov.3 AS open_raw_id,
    arrayMap(t -> (toUnixTimestamp64Milli(t.1.1), t.1.2, t.1.3, toUnixTimestamp64Milli(t.3)),
             arrayFilter(t -> t.1.4 IN ('deprov', 'delete') AND (t.2 = '' OR t.2 IN ('create', 'up')),
                         arrayZip(lc, arrayPopBack(arrayPushFront(arrayMap(y -> y.4, lc), '')), next_up))) AS periods,
    toUnixTimestamp64Milli(arrayFirst(x -> x.4 = 'create', lc).1) AS created_ms,
    toUnixTimestamp64Milli(first_seen) AS first_seen_ms,
    toUnixTimestamp64Milli(inv_last) AS inv_last_ms,
    login, seen, scopes,
    if(is_account = 1, 'record', 'observed') AS basis
FROM
(
    SELECT *,
        lc[-1] AS last_fact,
        arrayFilter(x -> x.4 IN ('create', 'up'), lc) AS ups,
        ups[-1] AS up_last,
        arrayReverseFill((at, is_up) -> is_up, arrayMap(y -> if(y.4 IN ('create', 'up'), y.1, toDateTime64(0, 3, 'UTC')), lc),
                         arrayMap(y -> y.4 IN ('create', 'up'), lc)) AS next_up,
        arrayFirst(x -> x.4 IN ('deprov', 'delete') AND (x.1, x.2) > (up_last.1, up_last.2) AND x.1 > inv_last, lc) AS removal,
        arrayFirst(x -> x.4 IN ('deprov', 'delete') AND (x.1, x.2) > (up_last.1, up_last.2), lc) AS open_deprov,
        -- A grant is held while its latest grant (or listing) is later than its latest removal.
        arraySort(arrayFilter((k, t) -> t > sd.2[indexOf(sd.1, k)], su.1, su.2)) AS scopes,
        empty(lc) AND inv_last = toDateTime64(0, 3, 'UTC') AND notEmpty(su.1) AS scopes_only
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
            max(last_seen) AS last_seen,
            max(login) AS login,
            max(seen) AS seen,
            maxMap(scope_up) AS su,
            maxMap(scope_down) AS sd
        FROM pw_subject_state
        GROUP BY plane, source, tenant, subject_id
    )
)
