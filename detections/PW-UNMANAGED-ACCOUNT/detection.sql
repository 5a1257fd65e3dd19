-- Active human accounts on the platform plane linked (by normalised email or an explicit link)
-- to no account of any authoritative directory.
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    people AS (SELECT person, n_directory FROM {{people}})
SELECT a.kind AS subject_kind, a.subject_id AS subject_id, a.person AS subject_email, a.plane AS plane, a.tenant AS tenant,
       a.source AS source, '' AS key, '' AS severity,
       arrayFilter(x -> x != '', [a.last_ev.1]) AS event_ids,
       arrayFilter(x -> x != '', [a.last_ev.2]) AS raw_ids,
       mapFilter((k, v) -> v != '', map('link', a.link, 'reason', if(a.person = '', 'no email or link', 'no directory account with this email'),
                                        'scopes', arrayStringConcat(a.scopes, ','), 'basis', a.basis)) AS detail
FROM pa AS a LEFT JOIN people AS p ON p.person = a.person
WHERE a.plane = 'platform' AND a.is_directory = 0 AND a.kind = 'human' AND a.status = 'active'
  AND (a.person = '' OR p.n_directory = 0)
