-- An application-plane identity holding platform access: an active platform-plane account whose
-- person is in a customer directory (an authoritative directory on the application plane) or
-- whose email is in one of the boundary map's customer domains.
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    people AS (SELECT person, directory_planes, populations FROM {{people}})
SELECT a.kind AS subject_kind, a.subject_id AS subject_id, a.person AS subject_email, a.plane AS plane, a.tenant AS tenant,
       a.source AS source, '' AS key, '' AS severity,
       arrayFilter(x -> x != '', [a.last_ev.1]) AS event_ids, arrayFilter(x -> x != '', [a.last_ev.2]) AS raw_ids,
       map('reason', if(has(p.directory_planes, 'application'), 'in an application-plane directory', 'customer domain'),
           'populations', arrayStringConcat(p.populations, ',')) AS detail
FROM pa AS a LEFT JOIN people AS p ON p.person = a.person
WHERE a.plane = 'platform' AND a.is_directory = 0 AND a.status = 'active' AND a.person != ''
  AND (has(p.directory_planes, 'application') OR has({customer_domains:Array(String)}, splitByChar('@', a.person)[-1]))
