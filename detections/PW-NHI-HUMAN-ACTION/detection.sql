-- A service-account or API-key actor doing what only people should: inviting or creating
-- members, assigning roles, creating keys or service accounts. One incident per (actor, tenant,
-- vendor event type), with up to 20 events as evidence. Planes: detections.nhi_planes.
SELECT actor_kind AS subject_kind,
       multiIf(actor_id != '', actor_id, actor_credential_id != '', actor_credential_id, 'unknown') AS subject_id,
       max(actor_email) AS subject_email, plane, tenant, source, vendor_type AS key, '' AS severity,
       arrayMap(x -> x.2, arraySlice(arraySort(groupArray((occurred_at, event_id, raw_id))), 1, 20)) AS event_ids,
       arrayMap(x -> x.3, arraySlice(arraySort(groupArray((occurred_at, event_id, raw_id))), 1, 20)) AS raw_ids,
       map('action', concat(any(category), '/', any(action)), 'events', toString(count()),
           'first_at', toString(min(occurred_at)), 'last_at', toString(max(occurred_at))) AS detail
FROM pw_nhi_actions FINAL
WHERE has({nhi_planes:Array(String)}, plane)
GROUP BY subject_kind, subject_id, plane, tenant, source, key
