-- Active accounts (outside authoritative directories) whose person has a deprovision signal
-- older than the plane's grace period: pending removal.
WITH
    pa AS (SELECT * FROM pw_eval_person_accounts),
    people AS (SELECT person, signal_ms, signal_event_id, signal_raw_id FROM pw_eval_people WHERE signal_ms > 0)
SELECT a.kind AS subject_kind, a.subject_id AS subject_id, a.person AS subject_email, a.plane AS plane, a.tenant AS tenant,
       a.source AS source, '' AS key, '' AS severity,
       arrayFilter(x -> x != '', [p.signal_event_id, a.last_ev.1]) AS event_ids,
       arrayFilter(x -> x != '', [p.signal_raw_id, a.last_ev.2]) AS raw_ids,
       map('signal_at', toString(fromUnixTimestamp64Milli(toInt64(p.signal_ms), 'UTC')), 'link', a.link, 'grace_ms', toString(if(a.plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64}))) AS detail
FROM pa AS a INNER JOIN people AS p ON p.person = a.person
WHERE a.is_directory = 0 AND a.status = 'active'
  AND {now_ms:Int64} - p.signal_ms > if(a.plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64})
