-- pw_accounts with a linear `periods` (migration 0009 had the same view otherwise).
--
-- 0009 found each deprovisioned period's end with arrayFirst over the subject's create/up facts
-- inside an arrayMap over its lifecycle: the lambda captures that array, which ClickHouse copies for
-- every element mapped, so memory grew with (deprovision facts x up facts) per subject. A subject
-- with hundreds of lifecycle facts (a flapping directory sync; the bench's 10 M-event store) needed
-- 256-512 MiB for one block of 1024 subjects and the evaluation's snapshot build exceeded its memory
-- bound at every block size. Now the end of every period comes from one reverse fill over the
-- lifecycle (each fact gets the time of the next create/up), zipped with the facts: linear.
-- Same rows: the first create/up after a fact in (time, event id) order is the first one strictly
-- after it (a fact and a create/up never share an event).

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
    -- (start, its event and raw id, end = the first create/up after it, 0 if none) per period.
    arrayMap(t -> (toUnixTimestamp64Milli(t.1.1), t.1.2, t.1.3, toUnixTimestamp64Milli(t.3)),
             arrayFilter(t -> t.1.4 IN ('deprov', 'delete') AND (t.2 = '' OR t.2 IN ('create', 'up')),
                         arrayZip(lc, arrayPopBack(arrayPushFront(arrayMap(y -> y.4, lc), '')), next_up))) AS periods,
    toUnixTimestamp64Milli(arrayFirst(x -> x.4 = 'create', lc).1) AS created_ms,
    toUnixTimestamp64Milli(first_seen) AS first_seen_ms,
    toUnixTimestamp64Milli(inv_last) AS inv_last_ms
FROM
(
    SELECT *,
        lc[-1] AS last_fact,
        arrayFilter(x -> x.4 IN ('create', 'up'), lc) AS ups,
        ups[-1] AS up_last,
        -- Per fact, the time of the first create/up at or after it (lc is sorted by time, event id).
        arrayReverseFill((at, is_up) -> is_up, arrayMap(y -> if(y.4 IN ('create', 'up'), y.1, toDateTime64(0, 3, 'UTC')), lc),
                         arrayMap(y -> y.4 IN ('create', 'up'), lc)) AS next_up,
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
