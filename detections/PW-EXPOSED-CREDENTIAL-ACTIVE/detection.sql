-- A credential whose secret GitHub secret scanning found (pw_exposures, migrations/0015) that is
-- still active past the plane's grace: the leaked key still works. One finding per alert (key).
-- An alert that matches no known credential, or several, cannot be cleared by an inventory: while
-- the alert is open it is reported on the alert itself (subject kind 'other', detail.match none |
-- ambiguous), never attributed to a guessed credential. Alerts GitHub users closed as
-- false_positive or used_in_tests are not exposures. A resolution of `revoked` is a person's
-- claim: the finding stays open while the vendor's inventory still lists the key.
SELECT if(match = 'one', credential_kind, 'other') AS subject_kind,
       if(match = 'one', credential_id, alert_id) AS subject_id,
       '' AS subject_email, plane, tenant, source, alert_id AS key, '' AS severity,
       [exposed_event_id] AS event_ids,
       [exposed_raw_id] AS raw_ids,
       mapFilter((k, v) -> v != '', map(
           'alert', alert_id, 'secret_type', secret_type, 'repository', repository, 'html_url', html_url,
           'exposed_at', toString(fromUnixTimestamp64Milli(toInt64(exposed_ms), 'UTC')), 'match', match,
           'candidates', if(match = 'ambiguous', toString(n_matches), ''),
           'alert_state', if(alert_open = 1, 'open', 'resolved'), 'resolution', resolution,
           'validity', validity, 'publicly_leaked', publicly_leaked, 'grace_ms', toString(grace))) AS detail
FROM
(
    SELECT *, if(plane = 'platform', {grace_platform_ms:UInt64}, {grace_application_ms:UInt64}) AS grace
    FROM pw_exposures
    WHERE resolution NOT IN ('false_positive', 'used_in_tests')
)
WHERE {now_ms:Int64} - exposed_ms > grace
  AND ((match = 'one' AND credential_status = 'active') OR (match != 'one' AND alert_open = 1))
