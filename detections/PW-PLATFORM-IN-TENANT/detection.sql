-- A platform identity or service account that is a member of a customer tenant: an active
-- application-plane account in a tenant whose person is in a platform-plane (workforce)
-- directory or has a corporate-domain email, or whose subject is a service account.
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    people AS (SELECT person, directory_planes FROM {{people}})
SELECT a.kind AS subject_kind, a.subject_id AS subject_id, a.person AS subject_email, a.plane AS plane, a.tenant AS tenant,
       a.source AS source, '' AS key, '' AS severity,
       arrayFilter(x -> x != '', [a.last_ev.1]) AS event_ids, arrayFilter(x -> x != '', [a.last_ev.2]) AS raw_ids,
       map('reason', multiIf(a.kind = 'service_account', 'service account',
                             has(p.directory_planes, 'platform'), 'in a platform-plane directory', 'corporate domain')) AS detail
FROM pa AS a LEFT JOIN people AS p ON p.person = a.person AND a.person != ''
WHERE a.plane = 'application' AND a.is_directory = 0 AND a.status = 'active' AND a.tenant != ''
  AND (a.kind = 'service_account'
       OR (a.person != '' AND (has(p.directory_planes, 'platform')
                               OR has({corporate_domains:Array(String)}, splitByChar('@', a.person)[-1]))))
