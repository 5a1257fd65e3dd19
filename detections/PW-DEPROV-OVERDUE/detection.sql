-- Accounts and credentials of a deprovisioned person still not removed on their plane longer
-- than that plane's deprovisioning SLA after the person's deprovision signal. Evaluated against
-- {now}, so it opens when the SLA passes even if no new event arrives.
WITH
    pa AS (SELECT * FROM pw_eval_person_accounts),
    people AS (SELECT person, signal_ms, signal_event_id, signal_raw_id FROM pw_eval_people WHERE signal_ms > 0),
    owners AS (SELECT DISTINCT source, subject_id, person FROM pa WHERE person IN (SELECT person FROM people)),
    pending AS (
        SELECT a.kind AS subject_kind, a.subject_id AS subject_id, a.person AS subject_email, a.plane AS plane, a.tenant AS tenant,
               a.source AS source, p.signal_ms AS signal_ms, p.signal_event_id AS signal_event_id, p.signal_raw_id AS signal_raw_id,
               a.last_ev AS item_ev, 'account' AS item
        FROM pa AS a INNER JOIN people AS p ON p.person = a.person
        WHERE a.is_directory = 0 AND a.status = 'active'
        UNION ALL
        SELECT c.kind, c.credential_id, o.person, c.plane, c.tenant, c.source, p.signal_ms, p.signal_event_id, p.signal_raw_id,
               c.last_ev, 'credential'
        FROM pw_eval_credentials AS c
        INNER JOIN owners AS o ON o.source = c.source AND o.subject_id = c.owner_id
        INNER JOIN people AS p ON p.person = o.person
        WHERE c.status = 'active'
    )
SELECT subject_kind, subject_id, subject_email, plane, tenant, source, '' AS key, '' AS severity,
       arrayFilter(x -> x != '', [signal_event_id, item_ev.1]) AS event_ids,
       arrayFilter(x -> x != '', [signal_raw_id, item_ev.2]) AS raw_ids,
       map('item', item, 'signal_at', toString(fromUnixTimestamp64Milli(toInt64(signal_ms), 'UTC')), 'pending_ms', toString({now_ms:Int64} - signal_ms),
           'sla_ms', toString(if(plane = 'platform', {sla_platform_ms:UInt64}, {sla_application_ms:UInt64}))) AS detail
FROM pending
WHERE {now_ms:Int64} - signal_ms > if(plane = 'platform', {sla_platform_ms:UInt64}, {sla_application_ms:UInt64})
