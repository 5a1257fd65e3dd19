-- Deprovisioning lag items, the one definition the lag statistics, the export, the dashboard and
-- Grafana read: one row per unit of access outside authoritative directories and per credential of
-- every deprovisioned person, with the signal that governs it (a unit in a tenant where the person
-- has directory accounts: those accounts' open period, else the person's signal) and its removal.
-- A unit removed (an invite closed) before that signal is no part of the offboarding.
WITH
    pa AS (SELECT * FROM pw_person_accounts(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)},
                                            directory_sources = {directory_sources:Array(String)})),
    people AS (
        SELECT person, signal_ms, signal_event_id, dir_accounts FROM pw_people(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)},
                                                                              directory_sources = {directory_sources:Array(String)})
        WHERE signal_ms > 0
    ),
    owners AS (SELECT DISTINCT source, subject_id, person FROM pa WHERE person != '')
SELECT * FROM
(
    SELECT plane, source, item, subject_kind, subject_id, tenant, person, sig.1 AS signal_ms, sig.2 AS signal_event_id, removed_ms, removed_event_id
    FROM
    (
        SELECT a.plane AS plane, a.source AS source, 'account' AS item, a.kind AS subject_kind, a.subject_id AS subject_id, a.tenant AS tenant,
               p.person AS person, a.removed_ms AS removed_ms, a.removed_event_id AS removed_event_id,
               arrayFilter(x -> x.1 = a.tenant, p.dir_accounts) AS own,
               if(empty(own), (p.signal_ms, p.signal_event_id),
                  if(arrayExists(x -> x.2 = 0, own), (toInt64(0), ''), arrayReduce('min', arrayMap(x -> (x.2, x.3), own)))) AS sig
        FROM pa AS a INNER JOIN people AS p ON p.person = a.person
        WHERE a.is_directory = 0
    )
    WHERE sig.1 > 0
    UNION ALL
    SELECT c.plane, c.source, 'credential', c.kind, c.credential_id, c.tenant, p.person, p.signal_ms, p.signal_event_id, c.removed_ms,
           c.removed_event_id
    FROM pw_credentials AS c
    INNER JOIN owners AS o ON o.source = c.source AND o.subject_id = c.owner_id
    INNER JOIN people AS p ON p.person = o.person
)
WHERE NOT (removed_ms > 0 AND removed_ms < signal_ms)
