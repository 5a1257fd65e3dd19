-- Links that could not be resolved deterministically (data quality; confidence 'low'):
--  - an email held by directory accounts of different populations (e.g. employees and
--    customers), or by several accounts of one directory (same source and tenant);
--  - a human account whose email changed (it is linked under its latest email), login accounts included;
--  - an account listed in several explicit links with different emails (the first link wins).
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    dir AS (
        SELECT person, source, tenant, authoritative_for, plane, count() AS n,
               groupArray((subject_id, last_ev.1, last_ev.2)) AS accts
        FROM pa WHERE is_directory = 1 AND person != ''
        GROUP BY person, source, tenant, authoritative_for, plane
    ),
    by_person AS (
        SELECT person, arraySort(groupUniqArray(authoritative_for)) AS pops, max(n) AS max_in_one,
               arraySort(groupUniqArray(plane)) AS planes_, arraySort(arrayFlatten(groupArray(accts))) AS all_accts
        FROM dir GROUP BY person
    )
SELECT 'person' AS subject_kind, person AS subject_id, person AS subject_email,
       if(has(planes_, 'platform'), 'platform', 'application') AS plane, '' AS tenant, '' AS source, 'directory' AS key, '' AS severity,
       arrayFilter(x -> x != '', arrayMap(x -> x.2, all_accts)) AS event_ids,
       arrayFilter(x -> x != '', arrayMap(x -> x.3, all_accts)) AS raw_ids,
       map('confidence', 'low', 'reason', if(length(pops) > 1, 'several populations', 'several accounts in one directory'),
           'populations', arrayStringConcat(pops, ','), 'accounts', arrayStringConcat(arrayMap(x -> x.1, all_accts), ',')) AS detail
FROM by_person
WHERE length(pops) > 1 OR max_in_one > 1
UNION ALL
SELECT kind, subject_id, person, plane, tenant, source, 'email_change', '',
       arrayFilter(x -> x != '', [last_ev.1]), arrayFilter(x -> x != '', [last_ev.2]),
       map('confidence', 'low', 'reason', 'email changed', 'emails', arrayStringConcat(emails, ','), 'linked_as', person)
FROM pa
WHERE kind = 'human' AND length(emails) > 1
UNION ALL
-- A login account (an AuthKit user) is no unit of access, but its email names the person of its
-- memberships: a change there makes their link just as uncertain.
SELECT kind, subject_id, email, plane, tenant, source, 'email_change', '',
       arrayFilter(x -> x != '', [last_ev.1]), arrayFilter(x -> x != '', [last_ev.2]),
       map('confidence', 'low', 'reason', 'email changed', 'emails', arrayStringConcat(emails, ','), 'linked_as', email)
FROM {{accounts}}
WHERE login = 1 AND kind = 'human' AND length(emails) > 1
UNION ALL
SELECT 'account_ref', ref, '', '', '', splitByChar(':', ref)[1], 'explicit_link', '',
       CAST([], 'Array(String)'), CAST([], 'Array(String)'),
       map('confidence', 'low', 'reason', 'account in several explicit links with different emails')
FROM (SELECT arrayJoin({link_conflicts:Array(String)}) AS ref)
