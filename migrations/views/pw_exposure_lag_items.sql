-- Exposure lag items, the one definition the lag statistics, the export, the dashboard and the
-- boundary report read: one row per exposure whose credential is known (match = one) and was not
-- already revoked when GitHub found it; removed_ms = the credential's revocation (0 while it is
-- active). The credential's tenant and owner keep a tenant-scoped reader to its own tenant's
-- exposures; exposed_raw_id cites the alert's delivery as evidence.
SELECT plane, source, credential_kind, credential_id, tenant, owner_id, alert_id, secret_type, exposed_ms, exposed_event_id, exposed_raw_id,
       revoked_ms AS removed_ms, revoked_event_id AS removed_event_id
FROM pw_exposures
WHERE match = 'one' AND NOT (revoked_ms > 0 AND revoked_ms < exposed_ms)
