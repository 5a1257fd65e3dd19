// The SQL behind every figure of the boundary report. Each query is named; the report carries the
// exact text and parameters of every query it ran, so a figure can be re-run by hand.
// Semantics are those of the detections (docs/DETECTIONS.md): the same views, the same predicates.
// Report-specific parameters (on top of store/detections/params.ts):
//   {from_ms:Int64} {to_ms:Int64}           the period [from, to)
//   {end_ms:Int64}                          min(to, now): where the observed part of the period ends
//   {from:DateTime64(3, 'UTC')} {end:...}   the same as DateTime64 text
//   {scope_conn_ids:Array(String)}          every connection of the boundary map (enabled or not):
//                                           the report covers the data of these connections only
import { lagItemsSql } from '../lag/stats.ts';

const PEOPLE_ARGS =
  'link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)}';

export type QueryId =
  'accounts' | 'directories' | 'directory_events' | 'sign_ins' | 'lag_items' | 'credentials' | 'exposures' | 'deliveries' | 'dead_letters';

/**
 * Active human accounts outside authoritative directories, each with `managed` = its person has
 * an account in an authoritative directory (PW-UNMANAGED-ACCOUNT's condition, on every plane).
 */
export const ACCOUNTS_SQL = `
WITH
    pa AS (SELECT * FROM pw_person_accounts(${PEOPLE_ARGS})),
    people AS (SELECT person, n_directory FROM pw_people(${PEOPLE_ARGS}))
SELECT a.plane AS plane, a.tenant AS tenant, a.source AS source, a.subject_id AS subject_id, a.person AS person, a.link AS link,
       toUInt8(a.person != '' AND p.n_directory > 0) AS managed,
       a.last_ev.1 AS event_id, a.last_ev.2 AS raw_id
FROM pa AS a LEFT JOIN people AS p ON p.person = a.person
WHERE a.is_directory = 0 AND a.kind = 'human' AND a.status = 'active' AND has({scope_conn_ids:Array(String)}, a.connection_id)
ORDER BY plane, tenant, source, subject_id`;

/** Provisioning subjects (directories, SCIM switches) with their latest state; `disabled` is PW-PROVISIONING-DISABLED's predicate. */
export const DIRECTORIES_SQL = `
SELECT plane, tenant, source, connection_id, subject_id, kind, name,
       conn_last.1 AS last_action, conn_last.2 AS state, conn_last.3 AS event_id, conn_last.4 AS raw_id,
       toUInt8(conn_last.1 IN ('deleted', 'deactivated', 'suspended')
               OR conn_last.2 IN ('inactive', 'unlinked', 'invalid_credentials', 'deleting')) AS disabled
FROM pw_accounts
WHERE is_provisioning = 1 AND has({scope_conn_ids:Array(String)}, connection_id)
ORDER BY plane, tenant, source, subject_id`;

/**
 * Events of authoritative directories in the period, per plane, tenant and connection: directory
 * user facts (attributes.directory_id, or a source in detections.directory_sources) and
 * provisioning connection facts, from events carrying authoritative_for.
 */
export const DIRECTORY_EVENTS_SQL = `
SELECT plane, ifNull(tenant_id, '') AS tenant, connection_id, source, count() AS events,
       toUnixTimestamp64Milli(max(occurred_at)) AS last_ms,
       argMax(event_id, (occurred_at, event_id)) AS last_event_id, argMax(raw_id, (occurred_at, event_id)) AS last_raw_id
FROM identity_events FINAL
WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {end:DateTime64(3, 'UTC')}
  AND has({scope_conn_ids:Array(String)}, connection_id)
  AND ifNull(CAST(authoritative_for AS Nullable(String)), '') != ''
  AND (attributes['directory_id'] != '' OR has({directory_sources:Array(String)}, source)
       OR (category = 'connection' AND (subject_kind = 'directory' OR positionCaseInsensitive(vendor_type, 'scim') > 0 OR attributes['provisioning'] = 'true')))
GROUP BY plane, tenant, connection_id, source
ORDER BY plane, tenant, connection_id`;

/**
 * Successful sign-ins (category authentication, action succeeded) in the period, per account, by
 * method class (sso | password | other | unknown, from attributes.auth_method), with MFA where the
 * source reports it, and whether the account is directory-managed (as in ACCOUNTS_SQL).
 */
export const SIGN_INS_SQL = `
WITH
    pa AS (SELECT * FROM pw_person_accounts(${PEOPLE_ARGS})),
    people AS (SELECT person, n_directory FROM pw_people(${PEOPLE_ARGS})),
    acct AS (
        SELECT a.source AS source, a.subject_id AS subject_id,
               max(toUInt8(a.is_directory = 1 OR (a.person != '' AND p.n_directory > 0))) AS managed
        FROM pa AS a LEFT JOIN people AS p ON p.person = a.person
        GROUP BY a.source, a.subject_id
    )
SELECT e.plane AS plane, e.tenant AS tenant, e.source AS source, e.subject_id AS subject_id, any(e.email) AS email,
       count() AS sign_ins,
       countIf(e.method_class = 'sso') AS sso, countIf(e.method_class = 'password') AS password,
       countIf(e.method_class = 'other') AS other, countIf(e.method_class = 'unknown') AS unknown,
       countIf(e.mfa = 'true') AS mfa, countIf(e.mfa IN ('true', 'false')) AS mfa_reported,
       toUInt8(ifNull(any(k.managed), 0)) AS managed,
       argMax(e.event_id, (e.occurred_at, e.event_id)) AS event_id, argMax(e.raw_id, (e.occurred_at, e.event_id)) AS raw_id
FROM
(
    SELECT CAST(plane AS String) AS plane, ifNull(tenant_id, '') AS tenant, CAST(source AS String) AS source, subject_id,
           ifNull(subject_email, '') AS email, occurred_at, event_id, raw_id, lower(attributes['mfa']) AS mfa,
           lower(attributes['auth_method']) AS method,
           multiIf(method = '', 'unknown',
                   match(method, 'sso|saml|oidc|idp|federat|enterprise'), 'sso',
                   match(method, 'password') OR method = 'auth0', 'password',
                   'other') AS method_class
    FROM identity_events FINAL
    WHERE category = 'authentication' AND action = 'succeeded' AND has({scope_conn_ids:Array(String)}, connection_id)
      AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {end:DateTime64(3, 'UTC')}
) AS e
LEFT JOIN acct AS k ON k.source = e.source AND k.subject_id = e.subject_id
GROUP BY plane, tenant, source, subject_id
ORDER BY plane, tenant, source, subject_id
SETTINGS join_use_nulls = 1`;

/** Keeps the rows of a detection-shaped query (source, subject_id) whose subject belongs to a connection of the map. */
export function scoped(sql: string, subjectCol = 'subject_id'): string {
  return `SELECT * FROM
(
${sql.trim()}
) AS scoped_rows
WHERE (scoped_rows.source, scoped_rows.${subjectCol}) IN (SELECT source, subject_id FROM pw_subject_state GROUP BY source, subject_id HAVING has({scope_conn_ids:Array(String)}, argMaxMerge(connection_id)))
   OR (scoped_rows.source, scoped_rows.${subjectCol}) IN (SELECT source, credential_id FROM pw_credentials WHERE has({scope_conn_ids:Array(String)}, connection_id))
   OR (scoped_rows.source, scoped_rows.${subjectCol}) IN (SELECT source, multiIf(actor_id != '', actor_id, actor_credential_id != '', actor_credential_id, 'unknown') FROM pw_nhi_actions WHERE has({scope_conn_ids:Array(String)}, connection_id))
   OR has({scope_conn_ids:Array(String)}, scoped_rows.${subjectCol})`;
}

/** The lag items of store/lag/stats.ts (people whose deprovision signal falls in the period), unchanged, kept to the map's connections. */
export const LAG_ITEMS_SQL = `${scoped(lagItemsSql())}
ORDER BY plane, tenant, person, source, subject_id`;

/** Active credentials with what PW-STALE-CREDENTIAL measures idleness from (ref_ms). */
export const CREDENTIALS_SQL = `
SELECT plane, tenant, source, credential_id, kind, owner_id, owner_kind, created_ms, last_used_ms,
       multiIf(last_used_ms > 0, last_used_ms, created_ms > 0, created_ms, first_seen_ms) AS ref_ms,
       toUInt8(has({unobservable_kinds:Array(String)}, kind)) AS unobservable,
       last_ev.1 AS event_id, last_ev.2 AS raw_id
FROM pw_credentials
WHERE status = 'active' AND has({scope_conn_ids:Array(String)}, connection_id)
ORDER BY plane, tenant, source, credential_id`;

/**
 * Credential exposures found in the period (secret scanning alerts created in [from, to), from a
 * connection of the map), matched or not (pw_exposures, migrations/0015). in_lag: the exposure is
 * an item of the exposure lag (pw_exposure_lag_items, the one definition the lag statistics read:
 * its credential is known and was not already revoked when found).
 */
export const EXPOSURES_SQL = `
SELECT plane, tenant, source, alert_id, secret_type, repository, match, credential_kind, credential_id,
       exposed_ms, exposed_event_id, exposed_raw_id, revoked_ms AS removed_ms, revoked_event_id AS removed_event_id,
       toUInt8(alert_id IN (SELECT alert_id FROM pw_exposure_lag_items WHERE exposed_ms >= {from_ms:Int64} AND exposed_ms < {to_ms:Int64})) AS in_lag
FROM pw_exposures
WHERE exposed_ms >= {from_ms:Int64} AND exposed_ms < {to_ms:Int64} AND has({scope_conn_ids:Array(String)}, alert_connection)
ORDER BY plane, tenant, source, exposed_ms, alert_id`;

/**
 * Per configured connection: deliveries (raw envelopes, by received_at) in [from, end), the last
 * delivery ever, and the gaps in [from, end) longer than the connection's silence threshold
 * (PW-SOURCE-SILENT's: 3 × poll interval for pollers, 24 h for push sources), including the gap
 * from the start of the period to the first delivery and from the last delivery to the end.
 */
export const DELIVERIES_SQL = `
WITH
    conns AS (
        SELECT c.1 AS connection_id, c.2 AS source, c.3 AS transport, c.4 AS plane, c.5 AS silent_ms
        FROM (SELECT arrayJoin(arrayZip({conn_ids:Array(String)}, {conn_sources:Array(String)}, {conn_transports:Array(String)},
                                        {conn_planes:Array(String)}, {conn_silent_ms:Array(UInt64)})) AS c)
    ),
    inside AS (
        SELECT source, connection_id, count() AS deliveries, arraySort(groupArray(toUnixTimestamp64Milli(received_at))) AS ts,
               argMax(id, (received_at, id)) AS last_raw_in_period
        FROM raw_envelopes FINAL
        WHERE received_at >= {from:DateTime64(3, 'UTC')} AND received_at < {end:DateTime64(3, 'UTC')}
        GROUP BY source, connection_id
    ),
    ever AS (
        SELECT source, connection_id, toUnixTimestamp64Milli(max(last_received)) AS last_ms, argMaxMerge(last_raw) AS last_raw
        FROM pw_source_deliveries GROUP BY source, connection_id
    )
SELECT k.connection_id AS connection_id, k.source AS source, k.transport AS transport, k.silent_ms AS silent_ms,
       ifNull(i.deliveries, 0) AS deliveries, ifNull(i.last_raw_in_period, '') AS last_raw_in_period,
       ifNull(v.last_ms, 0) AS last_delivery_ms, ifNull(v.last_raw, '') AS last_raw,
       arrayFilter(g -> g.2 - g.1 > k.silent_ms,
                   arrayMap((a, b) -> (a, b), arrayConcat([{from_ms:Int64}], ifNull(i.ts, [])), arrayConcat(ifNull(i.ts, []), [{end_ms:Int64}]))) AS gaps
FROM conns AS k
LEFT JOIN inside AS i ON i.source = k.source AND i.connection_id = k.connection_id
LEFT JOIN ever AS v ON v.source = k.source AND v.connection_id = k.connection_id
ORDER BY connection_id
SETTINGS join_use_nulls = 1`;

/** Dead letters (rejected deliveries) in the period per connection. */
export const DEAD_LETTERS_SQL = `
SELECT ifNull(CAST(connection_id AS Nullable(String)), '') AS connection_id, ifNull(CAST(source AS Nullable(String)), '') AS source,
       count() AS dead_letters, groupArray(10)(ifNull(raw_id, id)) AS sample_ids
FROM dead_letters FINAL
WHERE failed_at >= {from:DateTime64(3, 'UTC')} AND failed_at < {end:DateTime64(3, 'UTC')}
GROUP BY connection_id, source
ORDER BY connection_id, source`;

export const REPORT_QUERIES: Readonly<Record<QueryId, { sql: string; describes: string }>> = {
  accounts: {
    sql: ACCOUNTS_SQL,
    describes: 'active human accounts outside authoritative directories and whether each is directory-managed',
  },
  directories: { sql: DIRECTORIES_SQL, describes: 'provisioning subjects (directories, SCIM) and whether provisioning is disabled' },
  directory_events: { sql: DIRECTORY_EVENTS_SQL, describes: 'authoritative directory events in the period' },
  sign_ins: { sql: SIGN_INS_SQL, describes: 'successful sign-ins in the period by method, MFA and directory management' },
  lag_items: {
    sql: LAG_ITEMS_SQL,
    describes: 'accounts and credentials of people deprovisioned in the period, with removal times (store/lag/stats.ts)',
  },
  credentials: { sql: CREDENTIALS_SQL, describes: 'active credentials with last use' },
  exposures: {
    sql: EXPOSURES_SQL,
    describes:
      'credential exposures (secret scanning alerts) found in the period, the credential each matched and its revocation (pw_exposures, pw_exposure_lag_items)',
  },
  deliveries: {
    sql: DELIVERIES_SQL,
    describes: 'deliveries per configured connection in the period and gaps longer than its silence threshold',
  },
  dead_letters: { sql: DEAD_LETTERS_SQL, describes: 'rejected deliveries (dead letters) in the period' },
};
