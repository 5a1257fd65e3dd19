-- A successful authentication, session, action or credential use by a person's accounts or the
-- credentials they own, inside one of their deprovisioned periods (after its start plus the
-- activity plane's grace, before a reactivation ended it). One incident per (entity, period).
WITH
    pa AS (SELECT * FROM pw_person_accounts(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)})),
    periods AS (
        SELECT person, p.1 AS start_ms, p.2 AS start_ev, p.3 AS start_raw, p.4 AS end_ms
        FROM pa ARRAY JOIN periods AS p
        WHERE is_directory = 1 AND person != ''
    ),
    owners AS (SELECT DISTINCT source, subject_id, person FROM pa WHERE person IN (SELECT person FROM periods)),
    entities AS (
        SELECT DISTINCT person, source, 'account' AS entity, subject_id AS entity_id, kind AS subject_kind, '' AS tenant
        FROM pa WHERE person IN (SELECT person FROM periods)
        UNION ALL
        SELECT DISTINCT o.person, c.source, 'credential', c.credential_id, c.kind, c.tenant
        FROM pw_credentials AS c INNER JOIN owners AS o ON o.source = c.source AND o.subject_id = c.owner_id
    ),
    act AS (
        SELECT plane, source, entity, entity_id, day,
               toUnixTimestamp64Milli(min(min_at)) AS min_ms, toUnixTimestamp64Milli(max(max_at)) AS max_ms,
               argMinMerge(first_ev) AS first_ev, argMaxMerge(last_ev) AS last_ev
        FROM pw_activity_days
        WHERE (entity, source, entity_id) IN (SELECT entity, source, entity_id FROM entities)
        GROUP BY plane, source, entity, entity_id, day
    ),
    hits AS (
        SELECT e.person AS person, e.subject_kind AS subject_kind, e.entity_id AS subject_id, a.plane AS plane, e.tenant AS tenant,
               a.source AS source, e.entity AS entity, pr.start_ms AS start_ms, pr.start_ev AS start_ev, pr.start_raw AS start_raw,
               pr.start_ms + if(a.plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64}) AS cutoff_ms, pr.end_ms AS end_ms,
               multiIf(a.min_ms > cutoff_ms AND (end_ms = 0 OR a.min_ms < end_ms), (a.min_ms, a.first_ev.1, a.first_ev.2),
                       a.max_ms > cutoff_ms AND (end_ms = 0 OR a.max_ms < end_ms), (a.max_ms, a.last_ev.1, a.last_ev.2),
                       (toInt64(0), '', '')) AS hit
        FROM periods AS pr
        INNER JOIN entities AS e ON e.person = pr.person
        INNER JOIN act AS a ON a.source = e.source AND a.entity = e.entity AND a.entity_id = e.entity_id
    )
SELECT subject_kind, subject_id, person AS subject_email, plane, tenant, source, start_ev AS key, '' AS severity,
       [start_ev, first_hit.2] AS event_ids, [start_raw, first_hit.3] AS raw_ids,
       map('entity', entity, 'signal_at', toString(fromUnixTimestamp64Milli(toInt64(start_ms), 'UTC')), 'activity_at', toString(fromUnixTimestamp64Milli(toInt64(first_hit.1), 'UTC')),
           'period_end', if(end_ms = 0, '', toString(fromUnixTimestamp64Milli(toInt64(end_ms), 'UTC')))) AS detail
FROM
(
    SELECT subject_kind, subject_id, person, plane, tenant, source, entity, start_ms, start_ev, start_raw, end_ms, min(hit) AS first_hit
    FROM hits WHERE hit.1 > 0
    GROUP BY subject_kind, subject_id, person, plane, tenant, source, entity, start_ms, start_ev, start_raw, end_ms
)
