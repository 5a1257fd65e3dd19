-- 0005: read-side views over the detection state (docs/DETECTIONS.md "Views").
-- Detections (detections/*/detection.sql, and a user's own) read these, never identity_events.
-- Times are also given as *_ms (epoch milliseconds, 0 = none) so thresholds compare as integers.

-- Accounts and other subjects, merged, with status, removal and deprovisioned periods computed
-- from the whole lifecycle set (class create | up | deprov | delete, sorted by (time, event id)).
--   status      active | suspended | deleted; an inventory observation later than the latest
--               lifecycle fact means present (active); no lifecycle fact at all means active.
--   removed_*   start of the current removed period (first deprov/delete after the latest
--               create/up and the latest inventory observation); none while active.
--   open_*      start of the latest deprovisioned period that no create/up ended (inventory is
--               ignored: only a reactivation ends a period) — the deprovision signal when the
--               subject is a directory account.
--   periods     every deprovisioned period: (start time, start event, start raw id, end time or 0).
CREATE VIEW IF NOT EXISTS pw_accounts AS
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
                   toUnixTimestamp64Milli(arrayFirst(y -> y.4 IN ('create', 'up') AND (y.1, y.2) > (x.1, x.2), lc).1)),
             arrayFilter((x, i) -> x.4 IN ('deprov', 'delete') AND (i = 1 OR lc[i - 1].4 IN ('create', 'up')), lc, arrayEnumerate(lc))) AS periods,
    toUnixTimestamp64Milli(arrayFirst(x -> x.4 = 'create', lc).1) AS created_ms,
    toUnixTimestamp64Milli(first_seen) AS first_seen_ms,
    toUnixTimestamp64Milli(inv_last) AS inv_last_ms
FROM
(
    SELECT *,
        lc[-1] AS last_fact,
        arrayFilter(x -> x.4 IN ('create', 'up'), lc)[-1] AS up_last,
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

-- Credentials, merged, with status, removal, creation, creator and last use.
--   last_used_ms  max over use events, actions made with the credential and inventory last_used_at.
CREATE VIEW IF NOT EXISTS pw_credentials AS
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
    SELECT source, entity_id, toUnixTimestamp64Milli(max(max_at)) AS last_used_ms, argMaxMerge(last_ev) AS last_use_ev
    FROM pw_activity_days
    WHERE entity = 'credential'
    GROUP BY source, entity_id
) AS u ON u.source = c.source AND u.entity_id = c.credential_id
SETTINGS join_use_nulls = 1;

-- Accounts with their person (parameterized by the boundary map's links and directory vendors):
--   person       the explicit link's email, else the account's normalised email, else the email
--                another row of the same (source, subject id) carries (a membership row has none)
--   link         explicit | email | none
--   is_directory 1 for a human account in an authoritative directory: authoritative_for is set and
--                the event came from a directory (attributes.directory_id set, or the source is one
--                of directory_sources, e.g. okta, scim)
CREATE VIEW IF NOT EXISTS pw_person_accounts AS
SELECT *,
    toUInt8(authoritative_for != '' AND kind = 'human'
            AND (directory_attr = 1 OR has({directory_sources:Array(String)}, source))) AS is_directory,
    multiIf(link_idx > 0, 'explicit', person_email != '', 'email', 'none') AS link,
    if(link_idx > 0, {link_emails:Array(String)}[link_idx], person_email) AS person
FROM
(
    SELECT *,
        greatest(indexOf({link_refs:Array(String)}, concat(connection_id, ':', subject_id)),
                 indexOf({link_refs:Array(String)}, concat(source, ':', subject_id))) AS link_idx,
        if(email != '', email, max(email) OVER (PARTITION BY source, subject_id)) AS person_email
    FROM pw_accounts
    WHERE is_account = 1
);

-- One row per person: directory accounts, populations and the deprovision signal (the earliest
-- start of an open deprovisioned period over the person's directory accounts).
CREATE VIEW IF NOT EXISTS pw_people AS
SELECT
    person,
    countIf(is_directory = 1) AS n_directory,
    arraySort(groupUniqArrayIf(authoritative_for, is_directory = 1)) AS populations,
    arraySort(groupUniqArrayIf(plane, is_directory = 1)) AS directory_planes,
    arraySort(groupUniqArray(plane)) AS planes,
    minIf((open_ms, open_event_id, open_raw_id), is_directory = 1 AND open_ms > 0) AS sig,
    sig.1 AS signal_ms,
    sig.2 AS signal_event_id,
    sig.3 AS signal_raw_id
FROM pw_person_accounts(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)},
                        directory_sources = {directory_sources:Array(String)})
WHERE person != ''
GROUP BY person;
