-- Active units of access (outside authoritative directories; docs/IDENTITY-MODEL.md) whose person
-- has a deprovision signal older than the plane's grace period: pending removal. One finding per
-- unit: an account with its scopes in detail.scopes, a tenant membership, a pending invite.
-- A unit in a tenant where the person has directory accounts is governed by those only (a person in
-- two customer tenants leaves each through its own directory); any other unit by the person's signal.
WITH
    pa AS (SELECT * FROM {{person_accounts}}),
    people AS (SELECT person, signal_ms, signal_event_id, signal_raw_id, dir_accounts FROM {{people}} WHERE signal_ms > 0),
    units AS (
        SELECT a.kind AS kind, a.subject_id AS subject_id, a.person AS person, a.plane AS plane, a.tenant AS tenant, a.source AS source,
               a.last_ev AS last_ev, a.link AS link, a.scopes AS scopes, a.basis AS basis,
               arrayFilter(x -> x.1 = a.tenant, p.dir_accounts) AS own,
               if(empty(own), (p.signal_ms, p.signal_event_id, p.signal_raw_id),
                  if(arrayExists(x -> x.2 = 0, own), (toInt64(0), '', ''), arrayReduce('min', arrayMap(x -> (x.2, x.3, x.4), own)))) AS sig
        FROM pa AS a INNER JOIN people AS p ON p.person = a.person
        WHERE a.is_directory = 0 AND a.status = 'active'
    )
SELECT kind AS subject_kind, subject_id, person AS subject_email, plane, tenant, source, '' AS key, '' AS severity,
       arrayFilter(x -> x != '', [sig.2, last_ev.1]) AS event_ids,
       arrayFilter(x -> x != '', [sig.3, last_ev.2]) AS raw_ids,
       mapFilter((k, v) -> v != '', map(
           'signal_at', toString(fromUnixTimestamp64Milli(toInt64(sig.1), 'UTC')), 'link', link,
           'grace_ms', toString(if(plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64})),
           'scopes', arrayStringConcat(scopes, ','), 'basis', basis,
           'invite', if(kind = 'invite', 'pending as last observed', ''))) AS detail
FROM units
WHERE sig.1 > 0 AND {now_ms:Int64} - sig.1 > if(plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64})
