-- 0016: the exposure lag items carry the credential's tenant, owner and the raw delivery of the
-- exposure, so the dashboard and the boundary report can keep a tenant-scoped reader to its own
-- tenant's exposures and cite the alert's delivery as evidence. Same rows as 0015's definition.
CREATE OR REPLACE VIEW pw_exposure_lag_items AS
SELECT plane, source, credential_kind, credential_id, tenant, owner_id, alert_id, secret_type, exposed_ms, exposed_event_id, exposed_raw_id,
       revoked_ms AS removed_ms, revoked_event_id AS removed_event_id
FROM pw_exposures
WHERE match = 'one' AND NOT (revoked_ms > 0 AND revoked_ms < exposed_ms);
