-- Active credentials whose owner account was removed, whose owner's person is deprovisioned
-- (past grace), or whose owner is unknown. Credentials owned by a container (organization,
-- directory, connection, project) are not judged here. Critical for admin keys and for a
-- credential used after its owner left.
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    people AS (SELECT person, signal_ms, signal_event_id, signal_raw_id FROM {{people}} WHERE signal_ms > 0),
    owners AS (
        SELECT source, subject_id, max(status = 'active') AS any_active, max(person) AS person,
               argMax((removed_ms, removed_event_id, removed_raw_id), removed_ms) AS removal
        FROM pa GROUP BY source, subject_id
    ),
    judged AS (
        SELECT c.kind AS subject_kind, c.credential_id AS subject_id, o.person AS subject_email, c.plane AS plane, c.tenant AS tenant,
               c.source AS source, c.owner_id AS owner_id, c.owner_kind AS owner_kind, c.last_ev AS last_ev, c.last_used_ms AS last_used_ms,
               multiIf(c.owner_id = '' OR o.subject_id = '', 'owner_unknown',
                       o.any_active = 0, 'owner_removed',
                       p.signal_ms > 0 AND {now_ms:Int64} - p.signal_ms > if(c.plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64}), 'owner_deprovisioned',
                       '') AS reason,
               multiIf(reason = 'owner_removed', (o.removal.1, o.removal.2, o.removal.3),
                       reason = 'owner_deprovisioned', (p.signal_ms, p.signal_event_id, p.signal_raw_id),
                       (toInt64(0), '', '')) AS left_
        FROM {{credentials}} AS c
        LEFT JOIN owners AS o ON o.source = c.source AND o.subject_id = c.owner_id
        LEFT JOIN people AS p ON p.person = o.person AND o.person != ''
        WHERE c.status = 'active'
          AND c.owner_kind NOT IN ('organization', 'directory', 'connection', 'project', 'tenant', 'environment')
    )
SELECT subject_kind, subject_id, subject_email, plane, tenant, source, '' AS key,
       if(positionCaseInsensitive(subject_kind, 'admin') > 0 OR (left_.1 > 0 AND last_used_ms > left_.1), 'critical', '') AS severity,
       arrayFilter(x -> x != '', [last_ev.1, left_.2]) AS event_ids,
       arrayFilter(x -> x != '', [last_ev.2, left_.3]) AS raw_ids,
       map('reason', reason, 'owner_id', owner_id, 'owner_kind', owner_kind,
           'owner_left_at', if(left_.1 > 0, toString(fromUnixTimestamp64Milli(toInt64(left_.1), 'UTC')), ''),
           'used_after_owner_left', if(left_.1 > 0 AND last_used_ms > left_.1, 'true', 'false')) AS detail
FROM judged
WHERE reason != ''
