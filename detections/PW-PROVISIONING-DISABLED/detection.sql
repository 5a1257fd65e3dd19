-- Provisioning switched off on a connection that governs a plane: a directory / SCIM subject whose
-- latest connection fact is a deletion, deactivation or suspension, or reports an inactive,
-- unlinked, invalid-credentials or deleting state. Clears when it is activated again.
SELECT kind AS subject_kind, subject_id, '' AS subject_email, plane, tenant, source, '' AS key, '' AS severity,
       [conn_last.3] AS event_ids, [conn_last.4] AS raw_ids,
       map('last_action', conn_last.1, 'state', conn_last.2, 'name', name) AS detail
FROM {{accounts}}
WHERE is_provisioning = 1
  AND (conn_last.1 IN ('deleted', 'deactivated', 'suspended')
       OR conn_last.2 IN ('inactive', 'unlinked', 'invalid_credentials', 'deleting'))
