-- A successful authentication, session, action or credential use by a person's accounts or the
-- credentials they own, inside one of their deprovisioned periods (after its start plus the
-- activity plane's grace, before a reactivation ended it). One incident per (entity, period).
-- Driven from the leavers (people with a deprovisioned period): their accounts and the credentials
-- those accounts own select the activity days, reading only the day bounds (min/max); the event ids
-- (aggregate states, costly to read) are fetched afterwards for the first hit day of each incident.
-- Person-scoped (detection.yaml `scope: person`): with {scoped} = 1 only the leavers in
-- {{scope}} (the people a batch may have changed) are evaluated.
WITH
    leavers AS (
        SELECT person FROM {{person_accounts}}
        WHERE is_directory = 1 AND person != '' AND notEmpty(periods)
          AND ({scoped:UInt8} = 0 OR person IN (SELECT person FROM {{scope}}))
    ),
    periods AS (
        SELECT person, p.1 AS start_ms, p.2 AS start_ev, p.3 AS start_raw, p.4 AS end_ms
        FROM {{person_accounts}} ARRAY JOIN periods AS p
        WHERE is_directory = 1 AND person != '' AND notEmpty(periods) AND person IN (SELECT person FROM leavers)
    ),
    leaver_accounts AS (SELECT DISTINCT person, source, subject_id, kind FROM {{person_accounts}} WHERE person IN (SELECT person FROM leavers)),
    entities AS (
        SELECT person, source, 'account' AS entity, subject_id AS entity_id, kind AS subject_kind, '' AS tenant FROM leaver_accounts
        UNION DISTINCT
        SELECT o.person, c.source, 'credential', c.credential_id, c.kind, c.tenant
        FROM {{credentials}} AS c INNER JOIN leaver_accounts AS o ON o.source = c.source AND o.subject_id = c.owner_id
    ),
    days AS (
        SELECT plane, source, entity, entity_id, day,
               toUnixTimestamp64Milli(min(min_at)) AS min_ms, toUnixTimestamp64Milli(max(max_at)) AS max_ms
        FROM pw_activity_days
        WHERE (entity = 'account' AND (source, entity_id) IN (SELECT source, subject_id FROM leaver_accounts))
           OR (entity = 'credential' AND (source, entity_id) IN (
                 SELECT source, credential_id FROM {{credentials}} WHERE (source, owner_id) IN (SELECT source, subject_id FROM leaver_accounts)))
        GROUP BY plane, source, entity, entity_id, day
    ),
    hits AS (
        SELECT e.person AS person, e.subject_kind AS subject_kind, e.entity_id AS subject_id, a.plane AS plane, e.tenant AS tenant,
               a.source AS source, e.entity AS entity, pr.start_ms AS start_ms, pr.start_ev AS start_ev, pr.start_raw AS start_raw,
               pr.start_ms + if(a.plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64}) AS cutoff_ms, pr.end_ms AS end_ms,
               a.day AS day, a.min_ms AS min_ms,
               multiIf(a.min_ms > cutoff_ms AND (end_ms = 0 OR a.min_ms < end_ms), a.min_ms,
                       a.max_ms > cutoff_ms AND (end_ms = 0 OR a.max_ms < end_ms), a.max_ms,
                       toInt64(0)) AS hit_ms
        FROM periods AS pr
        INNER JOIN entities AS e ON e.person = pr.person
        INNER JOIN days AS a ON a.source = e.source AND a.entity = e.entity AND a.entity_id = e.entity_id
    ),
    -- First hit per incident: one day; its first use if that one was inside the period, else its last.
    first_hits AS (
        SELECT subject_kind, subject_id, person, plane, tenant, source, entity, start_ms, start_ev, start_raw, end_ms,
               argMin((day, toUInt8(hit_ms = min_ms)), hit_ms) AS hd, min(hit_ms) AS first_ms
        FROM hits WHERE hit_ms > 0
        GROUP BY subject_kind, subject_id, person, plane, tenant, source, entity, start_ms, start_ev, start_raw, end_ms
    ),
    evs AS (
        SELECT plane, source, entity, entity_id, day, argMinMerge(first_ev) AS first_ev, argMaxMerge(last_ev) AS last_ev
        FROM pw_activity_days
        WHERE (entity, source, entity_id, plane, day) IN (SELECT entity, source, subject_id, plane, hd.1 FROM first_hits)
        GROUP BY plane, source, entity, entity_id, day
    )
SELECT h.subject_kind AS subject_kind, h.subject_id AS subject_id, h.person AS subject_email, h.plane AS plane, h.tenant AS tenant,
       h.source AS source, h.start_ev AS key, '' AS severity,
       [h.start_ev, if(h.hd.2 = 1, v.first_ev, v.last_ev).1] AS event_ids, [h.start_raw, if(h.hd.2 = 1, v.first_ev, v.last_ev).2] AS raw_ids,
       map('entity', h.entity, 'signal_at', toString(fromUnixTimestamp64Milli(toInt64(h.start_ms), 'UTC')), 'activity_at', toString(fromUnixTimestamp64Milli(toInt64(h.first_ms), 'UTC')),
           'period_end', if(h.end_ms = 0, '', toString(fromUnixTimestamp64Milli(toInt64(h.end_ms), 'UTC')))) AS detail
FROM first_hits AS h
INNER JOIN evs AS v ON v.plane = h.plane AND v.source = h.source AND v.entity = h.entity AND v.entity_id = h.subject_id AND v.day = h.hd.1
