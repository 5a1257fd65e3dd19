-- Units of access (docs/IDENTITY-MODEL.md) and credentials of a deprovisioned person still not
-- removed on their plane longer than that plane's deprovisioning SLA after the signal that governs
-- them: for a unit in a tenant where the person has directory accounts, those accounts' signal (a
-- person in two customer tenants leaves each through its own directory); otherwise, and for
-- credentials, the person's deprovision signal. Evaluated against {now}, so it opens when the SLA
-- passes even if no new event arrives.
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    people AS (SELECT person, signal_ms, signal_event_id, signal_raw_id, dir_accounts FROM {{people}} WHERE signal_ms > 0),
    owners AS (SELECT DISTINCT source, subject_id, person FROM pa WHERE person IN (SELECT person FROM people)),
    pending AS (
        SELECT a.kind AS subject_kind, a.subject_id AS subject_id, a.person AS subject_email, a.plane AS plane, a.tenant AS tenant,
               a.source AS source,
               arrayFilter(x -> x.1 = a.tenant, p.dir_accounts) AS own,
               if(empty(own), (p.signal_ms, p.signal_event_id, p.signal_raw_id),
                  if(arrayExists(x -> x.2 = 0, own), (toInt64(0), '', ''), arrayReduce('min', arrayMap(x -> (x.2, x.3, x.4), own)))) AS sig,
               a.last_ev AS item_ev, 'account' AS item, a.scopes AS scopes, a.basis AS basis
        FROM pa AS a INNER JOIN people AS p ON p.person = a.person
        WHERE a.is_directory = 0 AND a.status = 'active'
        UNION ALL
        SELECT c.kind, c.credential_id, o.person, c.plane, c.tenant, c.source, CAST([], 'Array(Tuple(String, Int64, String, String))'),
               (p.signal_ms, p.signal_event_id, p.signal_raw_id), c.last_ev, 'credential', CAST([], 'Array(String)'), ''
        FROM {{credentials}} AS c
        INNER JOIN owners AS o ON o.source = c.source AND o.subject_id = c.owner_id
        INNER JOIN people AS p ON p.person = o.person
        WHERE c.status = 'active'
    )
SELECT subject_kind, subject_id, subject_email, plane, tenant, source, '' AS key, '' AS severity,
       arrayFilter(x -> x != '', [sig.2, item_ev.1]) AS event_ids,
       arrayFilter(x -> x != '', [sig.3, item_ev.2]) AS raw_ids,
       mapFilter((k, v) -> v != '', map('item', item, 'signal_at', toString(fromUnixTimestamp64Milli(toInt64(sig.1), 'UTC')), 'pending_ms', toString({now_ms:Int64} - sig.1),
           'sla_ms', toString(if(plane = 'platform', {sla_platform_ms:UInt64}, {sla_application_ms:UInt64})),
           'scopes', arrayStringConcat(scopes, ','), 'basis', basis, 'invite', if(subject_kind = 'invite', 'pending as last observed', ''))) AS detail
FROM pending
WHERE sig.1 > 0 AND {now_ms:Int64} - sig.1 > if(plane = 'platform', {sla_platform_ms:UInt64}, {sla_application_ms:UInt64})
