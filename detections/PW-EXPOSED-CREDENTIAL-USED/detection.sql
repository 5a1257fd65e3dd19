-- A credential used after GitHub secret scanning found its secret: a use event, an action made
-- with it, or an inventory last_used_at later than the alert's created_at (pw_credentials'
-- last use). Only credentials the alert matches exactly (match = one). One finding per alert.
-- A use after the exposure may be the owner's own; the finding says when, the responder decides.
SELECT credential_kind AS subject_kind, credential_id AS subject_id, '' AS subject_email, plane, tenant, source, alert_id AS key, '' AS severity,
       arrayFilter(x -> x != '', [exposed_event_id, last_use_event_id]) AS event_ids,
       [exposed_raw_id] AS raw_ids,
       mapFilter((k, v) -> v != '', map(
           'alert', alert_id, 'secret_type', secret_type, 'repository', repository, 'html_url', html_url,
           'exposed_at', toString(fromUnixTimestamp64Milli(toInt64(exposed_ms), 'UTC')),
           'used_at', toString(fromUnixTimestamp64Milli(toInt64(last_used_ms), 'UTC')),
           'credential_status', credential_status, 'alert_state', if(alert_open = 1, 'open', 'resolved'))) AS detail
FROM pw_exposures
WHERE match = 'one' AND last_used_ms > exposed_ms AND resolution NOT IN ('false_positive', 'used_in_tests')
