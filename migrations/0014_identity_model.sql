-- 0014: the identity model of docs/IDENTITY-MODEL.md in the detection state and its read views.
--
--   scopes      a fact marked attributes.access = 'scope' (an OpenAI project user, an Anthropic
--               workspace member) is a grant of the subject's account, not an account: it is kept
--               on the account's own row (tenant '') as the latest grant / removal time per scope
--               (scope_up / scope_down), never in its lifecycle.
--   login       attributes.access = 'login' marks a login account that grants no access by itself
--               (a WorkOS AuthKit user); its units are its memberships, which end with it.
--   seen        a successful sign-in, session or credential use by a person or service account
--               proves its account existed (existence by observation); so does a successful action
--               it took as the actor (pw_subject_state_actor_mv below, attributes.actor_account_id
--               naming the account when actor.id does not).
--   invites     invited -> created; accepted, deleted, expired -> closed. An accepted invite is
--               never an account.
--   effective   attributes.effective_at (the vendor's own time of a fact observed later, e.g. an
--               invite's accepted_at / expires_at) dates the lifecycle fact.
--   credentials first_received: when planewatch first received anything about the credential;
--               an idle gap is only observed from then on. A successful sign-in naming the
--               credential it used proves the credential, as it proves the account.
--
-- The state tables are emptied and pw_state_builds cleared, so the detector's start-up
-- (ensureDetectionState) refills them from identity_events with these views' own SELECTs; the
-- evaluation snapshot tables are recreated from the new views and rebuilt in full.

ALTER TABLE pw_subject_state ADD COLUMN IF NOT EXISTS login SimpleAggregateFunction(max, UInt8);
ALTER TABLE pw_subject_state ADD COLUMN IF NOT EXISTS seen SimpleAggregateFunction(max, UInt8);
ALTER TABLE pw_subject_state ADD COLUMN IF NOT EXISTS scope_up SimpleAggregateFunction(maxMap, Tuple(Array(String), Array(Int64)));
ALTER TABLE pw_subject_state ADD COLUMN IF NOT EXISTS scope_down SimpleAggregateFunction(maxMap, Tuple(Array(String), Array(Int64)));
ALTER TABLE pw_credential_state ADD COLUMN IF NOT EXISTS first_received SimpleAggregateFunction(min, DateTime64(3, 'UTC')) DEFAULT toDateTime64('2299-12-31 00:00:00', 3, 'UTC');

DROP VIEW IF EXISTS pw_subject_state_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS pw_subject_state_mv TO pw_subject_state AS
SELECT
    _plane AS plane, _source AS source, _tenant AS tenant, _subject_id AS subject_id,
    argMaxState(_kind, _k) AS subject_kind,
    argMaxState(_conn, _k) AS connection_id,
    argMaxIfState(_email, _k, _email != '') AS email,
    argMaxIfState(_name, _k, _name != '') AS name,
    groupUniqArrayIfState(_email, _email != '') AS emails,
    max(_auth) AS authoritative_for,
    max(_dir) AS directory_attr,
    max(_acct) AS is_account,
    max(_prov) AS is_provisioning,
    groupUniqArrayIfState((_eff, _event_id, _raw_id, _cls), _cls != '' AND NOT _scoped) AS lifecycle,
    max(if(_inv AND NOT _scoped, _at, toDateTime64(0, 3, 'UTC'))) AS inv_last,
    argMaxIfState((_event_id, _raw_id), _k, _inv AND NOT _scoped) AS inv_last_ev,
    argMaxIfState((_action, _state, _event_id, _raw_id), _k, _category = 'connection') AS conn_last,
    argMaxState((_event_id, _raw_id), _k) AS last_ev,
    min(_at) AS first_seen,
    max(_at) AS last_seen,
    max(_login) AS login,
    max(_seen) AS seen,
    maxMap(if(_scoped AND (_inv OR _cls IN ('create', 'up')), [_scope], CAST([], 'Array(String)')),
           if(_scoped AND (_inv OR _cls IN ('create', 'up')), [toUnixTimestamp64Milli(_eff)], CAST([], 'Array(Int64)'))) AS scope_up,
    maxMap(if(_scoped AND _cls IN ('deprov', 'delete'), [_scope], CAST([], 'Array(String)')),
           if(_scoped AND _cls IN ('deprov', 'delete'), [toUnixTimestamp64Milli(_eff)], CAST([], 'Array(Int64)'))) AS scope_down
FROM
(
    SELECT
        CAST(plane AS String) AS _plane,
        CAST(source AS String) AS _source,
        attributes['access'] = 'scope' AS _scoped,
        if(_scoped, '', ifNull(tenant_id, '')) AS _tenant,
        if(ifNull(tenant_id, '') != '', ifNull(tenant_id, ''), attributes['resource_id']) AS _scope,
        subject_id AS _subject_id,
        CAST(subject_kind AS String) AS _kind,
        CAST(connection_id AS String) AS _conn,
        ifNull(subject_email, '') AS _email,
        ifNull(subject_name, '') AS _name,
        ifNull(CAST(authoritative_for AS Nullable(String)), '') AS _auth,
        toUInt8(attributes['directory_id'] != '') AS _dir,
        toUInt8(category IN ('account', 'inventory') OR (category = 'membership' AND attributes['group_id'] = '')) AS _acct,
        toUInt8(category = 'connection' AND (subject_kind = 'directory' OR positionCaseInsensitive(vendor_type, 'scim') > 0 OR attributes['provisioning'] = 'true')) AS _prov,
        toUInt8(attributes['access'] = 'login') AS _login,
        toUInt8(subject_kind IN ('human', 'service_account') AND ifNull(outcome, 'success') = 'success'
                AND ((category IN ('authentication', 'session') AND action = 'succeeded') OR (category = 'credential' AND action = 'used'))) AS _seen,
        occurred_at AS _at,
        ifNull(parseDateTime64BestEffortOrNull(attributes['effective_at'], 3, 'UTC'), occurred_at) AS _eff,
        event_id AS _event_id,
        raw_id AS _raw_id,
        (occurred_at, event_id) AS _k,
        CAST(category AS String) AS _category,
        CAST(action AS String) AS _action,
        attributes['state'] AS _state,
        category = 'inventory' AND action = 'observed' AS _inv,
        multiIf(
            subject_kind = 'invite' AND category = 'account' AND action = 'invited', 'create',
            subject_kind = 'invite' AND category IN ('account', 'inventory')
                AND action IN ('activated', 'revoked', 'deleted', 'deactivated', 'suspended', 'removed'), 'delete',
            subject_kind = 'invite', '',
            category = 'account' AND action = 'created', 'create',
            category = 'membership' AND action = 'added' AND attributes['group_id'] = '', 'create',
            category IN ('account', 'membership') AND action IN ('reactivated', 'activated') AND attributes['group_id'] = '', 'up',
            category IN ('account', 'membership') AND action IN ('suspended', 'deactivated') AND attributes['group_id'] = '', 'deprov',
            category = 'account' AND action = 'deleted', 'delete',
            category = 'membership' AND action IN ('removed', 'deleted') AND attributes['group_id'] = '', 'delete',
            category = 'inventory' AND action = 'removed', 'delete',
            '') AS _cls
    FROM identity_events
    WHERE subject_kind NOT IN ('api_key', 'admin_key')
)
GROUP BY plane, source, tenant, subject_id;

-- The acting account of a successful action (existence by observation): a person or service
-- account named by actor.id, or an account of the source named by attributes.actor_account_id
-- (an AWS IAM user, whose actor.id is its ARN: a user account, so kind 'human'). Only what an
-- action proves is written: the account, its email, that it was seen, and when.
CREATE MATERIALIZED VIEW IF NOT EXISTS pw_subject_state_actor_mv TO pw_subject_state AS
SELECT
    _plane AS plane, _source AS source, _tenant AS tenant, _subject_id AS subject_id,
    argMaxState(_kind, _k) AS subject_kind,
    argMaxState(_conn, _k) AS connection_id,
    argMaxIfState(_email, _k, _email != '') AS email,
    groupUniqArrayIfState(_email, _email != '') AS emails,
    max(_auth) AS authoritative_for,
    argMaxState((_event_id, _raw_id), _k) AS last_ev,
    min(_at) AS first_seen,
    max(_at) AS last_seen,
    toUInt8(1) AS seen
FROM
(
    SELECT
        CAST(plane AS String) AS _plane,
        CAST(source AS String) AS _source,
        ifNull(tenant_id, '') AS _tenant,
        if(attributes['actor_account_id'] != '', attributes['actor_account_id'], ifNull(actor_id, '')) AS _subject_id,
        if(attributes['actor_account_id'] != '', 'human', ifNull(CAST(actor_kind AS Nullable(String)), '')) AS _kind,
        CAST(connection_id AS String) AS _conn,
        if(attributes['actor_account_id'] != '' AND ifNull(CAST(actor_kind AS Nullable(String)), '') != 'human', '', ifNull(actor_email, '')) AS _email,
        ifNull(CAST(authoritative_for AS Nullable(String)), '') AS _auth,
        occurred_at AS _at,
        event_id AS _event_id,
        raw_id AS _raw_id,
        (occurred_at, event_id) AS _k
    FROM identity_events
    WHERE ifNull(outcome, 'success') = 'success'
      AND (attributes['actor_account_id'] != '' OR (ifNull(actor_id, '') != '' AND actor_kind IN ('human', 'service_account')))
)
WHERE _subject_id != ''
GROUP BY plane, source, tenant, subject_id;

-- The actor's account key is touched too (pw_touched records actor.id already, 0011).
CREATE MATERIALIZED VIEW IF NOT EXISTS pw_touched_actor_account_mv TO pw_touched AS
SELECT now64(6) AS touched_at, 'actor' AS kind, source, attributes['actor_account_id'] AS key
FROM identity_events
WHERE attributes['actor_account_id'] != ''
GROUP BY source, key;

DROP VIEW IF EXISTS pw_credential_state_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS pw_credential_state_mv TO pw_credential_state AS
SELECT
    _plane AS plane, _source AS source, _cred AS credential_id,
    argMaxIfState(_kind, _k, _kind != '') AS kind,
    argMaxIfState(_kind, _k, _kind != '' AND _is_inv_any) AS kind_inv,
    argMaxIfState(_owner, _k, _owner != '') AS owner_id,
    argMaxIfState(_owner_kind, _k, _owner_kind != '') AS owner_kind,
    argMaxIfState(_scopes, _k, notEmpty(_scopes)) AS scopes,
    argMaxIfState(_tenant, _k, _tenant != '') AS tenant,
    argMaxState(_conn, _k) AS connection_id,
    argMaxIfState(_name, _k, _name != '') AS name,
    min(_created) AS created_min,
    argMinIfState((_actor_kind, _actor_id, _actor_email, _event_id, _raw_id), _k, _is_create) AS creator,
    groupUniqArrayIfState((_at, _event_id, _raw_id, _cls), _cls != '') AS lifecycle,
    max(if(_inv, _at, toDateTime64(0, 3, 'UTC'))) AS inv_last,
    argMaxState((_event_id, _raw_id), _k) AS last_ev,
    min(_at) AS first_seen,
    min(_received) AS first_received
FROM
(
    SELECT
        CAST(plane AS String) AS _plane,
        CAST(source AS String) AS _source,
        ifNull(credential_id, subject_id) AS _cred,
        ifNull(CAST(credential_kind AS Nullable(String)), '') AS _kind,
        ifNull(credential_owner_id, '') AS _owner,
        ifNull(CAST(credential_owner_kind AS Nullable(String)), '') AS _owner_kind,
        credential_scopes AS _scopes,
        ifNull(tenant_id, '') AS _tenant,
        CAST(connection_id AS String) AS _conn,
        if(subject_kind IN ('api_key', 'admin_key'), ifNull(subject_name, ''), '') AS _name,
        category = 'credential' AND action = 'created' AS _is_create,
        category = 'inventory' AS _is_inv_any,
        least(ifNull(credential_created_at, toDateTime64('2299-12-31 00:00:00', 3, 'UTC')),
              if(category = 'credential' AND action = 'created', occurred_at, toDateTime64('2299-12-31 00:00:00', 3, 'UTC'))) AS _created,
        ifNull(CAST(actor_kind AS Nullable(String)), '') AS _actor_kind,
        ifNull(actor_id, '') AS _actor_id,
        ifNull(actor_email, '') AS _actor_email,
        occurred_at AS _at,
        received_at AS _received,
        event_id AS _event_id,
        raw_id AS _raw_id,
        (occurred_at, event_id) AS _k,
        category = 'inventory' AND action = 'observed' AS _inv,
        multiIf(
            category = 'credential' AND action = 'created', 'create',
            category = 'credential' AND action IN ('reactivated', 'activated'), 'up',
            category = 'credential' AND action IN ('revoked', 'deleted', 'deactivated', 'suspended'), 'delete',
            category = 'inventory' AND action = 'removed', 'delete',
            '') AS _cls
    FROM identity_events
    -- A successful sign-in that names the credential it used (an AWS console password) proves
    -- that credential exists, as a listing would (existence by observation).
    WHERE (category IN ('credential', 'inventory') AND (credential_id IS NOT NULL OR subject_kind IN ('api_key', 'admin_key')))
       OR (category IN ('authentication', 'session') AND action = 'succeeded' AND ifNull(outcome, 'success') = 'success' AND credential_id IS NOT NULL)
)
GROUP BY plane, source, credential_id;

-- Accounts and other subjects (0010's pw_accounts) plus the model's columns:
--   scopes      the grants still held (latest grant later than the latest removal), sorted
--   login       1 for a login account that grants no access by itself
--   seen        1 when its existence was proven by activity
--   basis       'record' (account, membership or inventory facts) | 'observed' (activity only)
-- An account known only through its grants, all of them removed, is removed at the last removal.
CREATE OR REPLACE VIEW pw_accounts AS
SELECT
    plane, source, tenant, subject_id, kind, connection_id, email, name, emails, authoritative_for,
    directory_attr, is_account, is_provisioning, lc, inv_last, inv_last_ev, conn_last, last_ev, first_seen, last_seen,
    up_last,
    multiIf(
        scopes_only AND empty(scopes), 'deleted',
        inv_last > toDateTime64(0, 3, 'UTC') AND inv_last > last_fact.1, 'active',
        empty(lc), 'active',
        last_fact.4 IN ('create', 'up'), 'active',
        last_fact.4 = 'deprov', 'suspended',
        'deleted') AS status,
    multiIf(status = 'active', 0, scopes_only, arrayMax(sd.2), toUnixTimestamp64Milli(removal.1)) AS removed_ms,
    if(status = 'active' OR scopes_only, '', removal.2) AS removed_event_id,
    if(status = 'active' OR scopes_only, '', removal.3) AS removed_raw_id,
    toUnixTimestamp64Milli(open_deprov.1) AS open_ms,
    open_deprov.2 AS open_event_id,
    open_deprov.3 AS open_raw_id,
    arrayMap(t -> (toUnixTimestamp64Milli(t.1.1), t.1.2, t.1.3, toUnixTimestamp64Milli(t.3)),
             arrayFilter(t -> t.1.4 IN ('deprov', 'delete') AND (t.2 = '' OR t.2 IN ('create', 'up')),
                         arrayZip(lc, arrayPopBack(arrayPushFront(arrayMap(y -> y.4, lc), '')), next_up))) AS periods,
    toUnixTimestamp64Milli(arrayFirst(x -> x.4 = 'create', lc).1) AS created_ms,
    toUnixTimestamp64Milli(first_seen) AS first_seen_ms,
    toUnixTimestamp64Milli(inv_last) AS inv_last_ms,
    login, seen, scopes,
    if(is_account = 1, 'record', 'observed') AS basis
FROM
(
    SELECT *,
        lc[-1] AS last_fact,
        arrayFilter(x -> x.4 IN ('create', 'up'), lc) AS ups,
        ups[-1] AS up_last,
        arrayReverseFill((at, is_up) -> is_up, arrayMap(y -> if(y.4 IN ('create', 'up'), y.1, toDateTime64(0, 3, 'UTC')), lc),
                         arrayMap(y -> y.4 IN ('create', 'up'), lc)) AS next_up,
        arrayFirst(x -> x.4 IN ('deprov', 'delete') AND (x.1, x.2) > (up_last.1, up_last.2) AND x.1 > inv_last, lc) AS removal,
        arrayFirst(x -> x.4 IN ('deprov', 'delete') AND (x.1, x.2) > (up_last.1, up_last.2), lc) AS open_deprov,
        -- A grant is held while its latest grant (or listing) is later than its latest removal.
        arraySort(arrayFilter((k, t) -> t > sd.2[indexOf(sd.1, k)], su.1, su.2)) AS scopes,
        empty(lc) AND inv_last = toDateTime64(0, 3, 'UTC') AND notEmpty(su.1) AS scopes_only
    FROM
    (
        SELECT plane, source, tenant, subject_id,
            argMaxMerge(subject_kind) AS kind,
            argMaxMerge(connection_id) AS connection_id,
            argMaxMerge(email) AS email,
            argMaxMerge(name) AS name,
            arraySort(groupUniqArrayMerge(emails)) AS emails,
            max(authoritative_for) AS authoritative_for,
            max(directory_attr) AS directory_attr,
            max(is_account) AS is_account,
            max(is_provisioning) AS is_provisioning,
            arraySort(x -> (x.1, x.2), groupUniqArrayMerge(lifecycle)) AS lc,
            max(inv_last) AS inv_last,
            argMaxMerge(inv_last_ev) AS inv_last_ev,
            argMaxMerge(conn_last) AS conn_last,
            argMaxMerge(last_ev) AS last_ev,
            min(first_seen) AS first_seen,
            max(last_seen) AS last_seen,
            max(login) AS login,
            max(seen) AS seen,
            maxMap(scope_up) AS su,
            maxMap(scope_down) AS sd
        FROM pw_subject_state
        GROUP BY plane, source, tenant, subject_id
    )
);

-- Credentials (0009's pw_credentials) plus:
--   owner_id / owner_kind  when no listing or event named an owner, the person or service
--                          account whose action created it (owner_from = 'creator')
--   observed_from_ms       when planewatch first received anything about it
CREATE OR REPLACE VIEW pw_credentials AS
SELECT
    c.plane AS plane, c.source AS source, c.credential_id AS credential_id, c.kind AS kind,
    if(c.owner_id != '', c.owner_id, if(c.creator.1 IN ('human', 'service_account'), c.creator.2, '')) AS owner_id,
    if(c.owner_id != '', c.owner_kind, if(c.creator.1 IN ('human', 'service_account'), c.creator.1, '')) AS owner_kind,
    c.scopes AS scopes, c.tenant AS tenant, c.connection_id AS connection_id, c.name AS name,
    c.created_ms AS created_ms, c.creator AS creator, c.lc AS lc, c.last_ev AS last_ev, c.first_seen_ms AS first_seen_ms,
    multiIf(
        c.inv_last > toDateTime64(0, 3, 'UTC') AND c.inv_last > c.last_fact.1, 'active',
        empty(c.lc), 'active',
        c.last_fact.4 IN ('create', 'up'), 'active',
        'revoked') AS status,
    if(status = 'active', 0, toUnixTimestamp64Milli(c.removal.1)) AS removed_ms,
    if(status = 'active', '', c.removal.2) AS removed_event_id,
    if(status = 'active', '', c.removal.3) AS removed_raw_id,
    ifNull(u.last_used_ms, 0) AS last_used_ms,
    ifNull(u.last_use_ev, ('', '')) AS last_use_ev,
    multiIf(c.owner_id != '', 'record', owner_id != '', 'creator', '') AS owner_from,
    c.observed_from_ms AS observed_from_ms
FROM
(
    SELECT *,
        lc[-1] AS last_fact,
        arrayFilter(x -> x.4 IN ('create', 'up'), lc)[-1] AS up_last,
        arrayFirst(x -> x.4 = 'delete' AND (x.1, x.2) > (up_last.1, up_last.2) AND x.1 > inv_last, lc) AS removal
    FROM
    (
        SELECT plane, source, credential_id,
            multiIf(argMaxMerge(kind_inv) != '', argMaxMerge(kind_inv), argMaxMerge(kind) != '', argMaxMerge(kind), 'unknown') AS kind,
            argMaxMerge(owner_id) AS owner_id,
            argMaxMerge(owner_kind) AS owner_kind,
            argMaxMerge(scopes) AS scopes,
            argMaxMerge(tenant) AS tenant,
            argMaxMerge(connection_id) AS connection_id,
            argMaxMerge(name) AS name,
            if(min(created_min) >= toDateTime64('2299-01-01 00:00:00', 3, 'UTC'), 0, toUnixTimestamp64Milli(min(created_min))) AS created_ms,
            argMinMerge(creator) AS creator,
            arraySort(x -> (x.1, x.2), groupUniqArrayMerge(lifecycle)) AS lc,
            max(inv_last) AS inv_last,
            argMaxMerge(last_ev) AS last_ev,
            toUnixTimestamp64Milli(min(first_seen)) AS first_seen_ms,
            if(min(first_received) >= toDateTime64('2299-01-01 00:00:00', 3, 'UTC'), 0, toUnixTimestamp64Milli(min(first_received))) AS observed_from_ms
        FROM pw_credential_state
        GROUP BY plane, source, credential_id
    )
) AS c
LEFT JOIN
(
    SELECT source, credential_id AS entity_id, toUnixTimestamp64Milli(max(last_used)) AS last_used_ms, argMaxMerge(last_use_ev) AS last_use_ev
    FROM pw_credential_use
    GROUP BY source, credential_id
) AS u ON u.source = c.source AND u.entity_id = c.credential_id
SETTINGS join_use_nulls = 1;

-- Units of access with their person (parameterized by the boundary map's links and directory
-- vendors). Per (source, subject id):
--   - a login account (login = 1) is no unit; its email still names the person, and a unit of the
--     same subject ends when it does (login_end);
--   - an account or membership row (is_account = 1) is a unit;
--   - rows proven only by activity (seen = 1, is_account = 0) are one unit when no other unit of
--     the subject exists (the first by tenant), else part of that unit;
--   - an invite is a unit only when it was seen pending (invited, or listed pending).
--   person       the explicit link's email, else the unit's normalised email, else the email
--                another row of the same (source, subject id) carries (a membership row has none)
--   link         explicit | email | none
--   is_directory 1 for a human account in an authoritative directory: authoritative_for is set and
--                the event came from a directory (attributes.directory_id set, or the source is one
--                of directory_sources, e.g. okta, scim)
CREATE OR REPLACE VIEW pw_person_accounts AS
SELECT * EXCEPT (status, removed_ms, removed_event_id, removed_raw_id, login_end),
    if(ended_by_login, 'deleted', status) AS status,
    if(ended_by_login, login_end.1, removed_ms) AS removed_ms,
    if(ended_by_login, login_end.2, removed_event_id) AS removed_event_id,
    if(ended_by_login, login_end.3, removed_raw_id) AS removed_raw_id,
    toUInt8(authoritative_for != '' AND kind = 'human'
            AND (directory_attr = 1 OR has({directory_sources:Array(String)}, source))) AS is_directory,
    multiIf(link_idx > 0, 'explicit', person_email != '', 'email', 'none') AS link,
    if(link_idx > 0, {link_emails:Array(String)}[link_idx], person_email) AS person
FROM
(
    SELECT *,
        greatest(indexOf({link_refs:Array(String)}, concat(connection_id, ':', subject_id)),
                 indexOf({link_refs:Array(String)}, concat(source, ':', subject_id))) AS link_idx,
        if(email != '', email, max(email) OVER w) AS person_email,
        countIf(is_account = 1 AND login = 0) OVER w AS n_units,
        row_number() OVER (PARTITION BY source, subject_id ORDER BY (is_account = 1 AND login = 0) DESC, login, tenant) AS rn,
        maxIf((removed_ms, removed_event_id, removed_raw_id), login = 1 AND status != 'active') OVER w AS login_end,
        status = 'active' AND login_end.1 > 0 AS ended_by_login
    FROM pw_accounts
    WHERE is_account = 1 OR seen = 1
    WINDOW w AS (PARTITION BY source, subject_id)
)
WHERE login = 0 AND (is_account = 1 OR (n_units = 0 AND rn = 1))
  AND (kind != 'invite' OR created_ms > 0 OR inv_last_ms > 0);

-- One row per person (0005's pw_people) plus dir_accounts: every directory account of the person
-- in a tenant, (tenant, start of its open deprovisioned period or 0, its event, its raw id). A unit
-- of access in a tenant where the person has directory accounts is governed by those (a person in
-- two customer tenants leaves each through its own directory); any other unit by signal_ms.
CREATE OR REPLACE VIEW pw_people AS
SELECT
    person,
    countIf(is_directory = 1) AS n_directory,
    arraySort(groupUniqArrayIf(authoritative_for, is_directory = 1)) AS populations,
    arraySort(groupUniqArrayIf(plane, is_directory = 1)) AS directory_planes,
    arraySort(groupUniqArray(plane)) AS planes,
    minIf((open_ms, open_event_id, open_raw_id), is_directory = 1 AND open_ms > 0) AS sig,
    sig.1 AS signal_ms,
    sig.2 AS signal_event_id,
    sig.3 AS signal_raw_id,
    arraySort(groupArrayIf((tenant, open_ms, open_event_id, open_raw_id), is_directory = 1 AND tenant != '')) AS dir_accounts
FROM pw_person_accounts(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)},
                        directory_sources = {directory_sources:Array(String)})
WHERE person != ''
GROUP BY person;

-- Deprovisioning lag items, the one definition the lag statistics, the export, the dashboard and
-- Grafana read: one row per unit of access outside authoritative directories and per credential of
-- every deprovisioned person, with the signal that governs it (a unit in a tenant where the person
-- has directory accounts: those accounts' open period, else the person's signal) and its removal.
-- A unit removed (an invite closed) before that signal is no part of the offboarding.
CREATE OR REPLACE VIEW pw_lag_items AS
WITH
    pa AS (SELECT * FROM pw_person_accounts(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)},
                                            directory_sources = {directory_sources:Array(String)})),
    people AS (
        SELECT person, signal_ms, signal_event_id, dir_accounts FROM pw_people(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)},
                                                                              directory_sources = {directory_sources:Array(String)})
        WHERE signal_ms > 0
    ),
    owners AS (SELECT DISTINCT source, subject_id, person FROM pa WHERE person != '')
SELECT * FROM
(
    SELECT plane, source, item, subject_kind, subject_id, tenant, person, sig.1 AS signal_ms, sig.2 AS signal_event_id, removed_ms, removed_event_id
    FROM
    (
        SELECT a.plane AS plane, a.source AS source, 'account' AS item, a.kind AS subject_kind, a.subject_id AS subject_id, a.tenant AS tenant,
               p.person AS person, a.removed_ms AS removed_ms, a.removed_event_id AS removed_event_id,
               arrayFilter(x -> x.1 = a.tenant, p.dir_accounts) AS own,
               if(empty(own), (p.signal_ms, p.signal_event_id),
                  if(arrayExists(x -> x.2 = 0, own), (toInt64(0), ''), arrayReduce('min', arrayMap(x -> (x.2, x.3), own)))) AS sig
        FROM pa AS a INNER JOIN people AS p ON p.person = a.person
        WHERE a.is_directory = 0
    )
    WHERE sig.1 > 0
    UNION ALL
    SELECT c.plane, c.source, 'credential', c.kind, c.credential_id, c.tenant, p.person, p.signal_ms, p.signal_event_id, c.removed_ms,
           c.removed_event_id
    FROM pw_credentials AS c
    INNER JOIN owners AS o ON o.source = c.source AND o.subject_id = c.owner_id
    INNER JOIN people AS p ON p.person = o.person
)
WHERE NOT (removed_ms > 0 AND removed_ms < signal_ms);

-- Idle gaps carry when the credential was first observed (PW-STALE-CREDENTIAL-REUSED counts a gap
-- from the later of its start and that time).
ALTER TABLE pw_snapshot_gap_points ADD COLUMN IF NOT EXISTS observed_from_ms Int64 DEFAULT 0;
ALTER TABLE pw_eval_credential_gaps ADD COLUMN IF NOT EXISTS observed_from_ms Int64 DEFAULT 0;

-- Snapshot tables typed from the new views; the next evaluation rebuilds them in full.
DROP TABLE IF EXISTS pw_eval_accounts;
CREATE TABLE IF NOT EXISTS pw_eval_accounts ENGINE = MergeTree ORDER BY (source, subject_id) EMPTY AS
SELECT * FROM pw_accounts;
DROP TABLE IF EXISTS pw_eval_person_accounts;
CREATE TABLE IF NOT EXISTS pw_eval_person_accounts ENGINE = MergeTree ORDER BY (source, subject_id) EMPTY AS
SELECT * FROM pw_person_accounts(link_refs = [''], link_emails = [''], directory_sources = ['']);
DROP TABLE IF EXISTS pw_eval_people;
CREATE TABLE IF NOT EXISTS pw_eval_people ENGINE = MergeTree ORDER BY person EMPTY AS
SELECT * FROM pw_people(link_refs = [''], link_emails = [''], directory_sources = ['']);
DROP TABLE IF EXISTS pw_eval_credentials;
CREATE TABLE IF NOT EXISTS pw_eval_credentials ENGINE = MergeTree ORDER BY (source, credential_id) EMPTY AS
SELECT * FROM pw_credentials;
TRUNCATE TABLE pw_eval_credential_gaps;
INSERT INTO pw_eval_snapshots (built_at, params_hash, watermark, valid, mode, touched) SELECT now64(6), '', now64(6), 0, 'invalidated', 0
WHERE (SELECT count() FROM pw_eval_snapshots) > 0;

-- The state is refilled from identity_events by the detector's start-up with the views above.
TRUNCATE TABLE pw_subject_state;
TRUNCATE TABLE pw_credential_state;
TRUNCATE TABLE pw_state_builds;
