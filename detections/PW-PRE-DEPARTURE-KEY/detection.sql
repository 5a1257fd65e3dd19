-- Credentials created by a person within the plane's pre-departure window before one of their
-- deprovision signals (the start of a deprovisioned period). The creator is the actor of the
-- credential's creation event; when no creation event is known, its owner.
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    periods AS (
        SELECT person, p.1 AS start_ms, p.2 AS start_ev, p.3 AS start_raw
        FROM pa ARRAY JOIN periods AS p
        WHERE is_directory = 1 AND person != ''
    ),
    refs AS (SELECT source AS r_source, subject_id AS r_subject_id, max(person) AS r_person FROM pa WHERE person IN (SELECT person FROM periods) GROUP BY source, subject_id),
    creds AS (
        SELECT c.kind AS kind, c.credential_id AS credential_id, c.plane AS plane, c.tenant AS tenant, c.source AS source,
               c.created_ms AS created_ms, c.creator AS creator,
               multiIf(c.creator.2 != '' AND r1.r_person != '', r1.r_person,
                       c.creator.3 != '', lower(c.creator.3),
                       c.creator.2 = '' AND c.creator.4 = '', r2.r_person,
                       '') AS creator_person
        FROM {{credentials}} AS c
        LEFT JOIN refs AS r1 ON r1.r_source = c.source AND r1.r_subject_id = c.creator.2
        LEFT JOIN refs AS r2 ON r2.r_source = c.source AND r2.r_subject_id = c.owner_id
        WHERE c.created_ms > 0
    )
SELECT k.kind AS subject_kind, k.credential_id AS subject_id, k.creator_person AS subject_email, k.plane AS plane, k.tenant AS tenant,
       k.source AS source, pr.start_ev AS key, '' AS severity,
       arrayFilter(x -> x != '', [k.creator.4, pr.start_ev]) AS event_ids,
       arrayFilter(x -> x != '', [k.creator.5, pr.start_raw]) AS raw_ids,
       map('created_at', toString(fromUnixTimestamp64Milli(toInt64(k.created_ms), 'UTC')), 'signal_at', toString(fromUnixTimestamp64Milli(toInt64(pr.start_ms), 'UTC')),
           'before_signal_ms', toString(pr.start_ms - k.created_ms), 'window_ms', toString(if(k.plane = 'platform', {predeparture_platform_ms:UInt64}, {predeparture_application_ms:UInt64})),
           'creator', if(k.creator.4 != '', 'actor', 'owner')) AS detail
FROM creds AS k INNER JOIN periods AS pr ON pr.person = k.creator_person
WHERE k.creator_person != '' AND k.created_ms <= pr.start_ms AND pr.start_ms - k.created_ms <= if(k.plane = 'platform', {predeparture_platform_ms:UInt64}, {predeparture_application_ms:UInt64})
