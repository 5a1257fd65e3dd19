-- 0004: detection state, derived incrementally from identity_events and raw_envelopes by
-- materialized views (see docs/DETECTIONS.md "State").
--
-- Every column is an order-independent, duplicate-insensitive aggregate: argMax/argMin over the
-- tie-broken key (occurred_at, event_id), min/max, groupUniqArray. identity_events is a
-- ReplacingMergeTree, so an MV sees every inserted block, redelivered duplicates included; with
-- these aggregates a duplicate contributes nothing new, and the same SET of events in any order and
-- multiplicity gives the same state. Lifecycle facts are kept as a small set per subject
-- (groupUniqArray of (occurred_at, event_id, raw_id, class)), so the current status, the removal
-- time and every deprovisioned period are computed at read time from the whole set, never from
-- arrival order.
-- Known limit: a replay that RE-NORMALIZES an event into different content leaves the old
-- version's contribution in these tables; run the rebuild (store/read-models/state.ts
-- rebuildDetectionState) after such a replay.

-- One row per (plane, source, tenant, subject): accounts, memberships, directories, ... of every
-- event's subject. is_account marks subjects with account/membership/inventory facts.
CREATE TABLE IF NOT EXISTS pw_subject_state
(
    plane          LowCardinality(String),
    source         LowCardinality(String),
    tenant         String,
    subject_id     String,
    subject_kind   AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    connection_id  AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    email          AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    name           AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    emails         AggregateFunction(groupUniqArray, String),
    authoritative_for SimpleAggregateFunction(max, String),
    directory_attr SimpleAggregateFunction(max, UInt8),
    is_account     SimpleAggregateFunction(max, UInt8),
    is_provisioning SimpleAggregateFunction(max, UInt8),
    -- (occurred_at, event_id, raw_id, class) with class create | up | deprov | delete
    lifecycle      AggregateFunction(groupUniqArray, Tuple(DateTime64(3, 'UTC'), String, String, String)),
    inv_last       SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    inv_last_ev    AggregateFunction(argMax, Tuple(String, String), Tuple(DateTime64(3, 'UTC'), String)),
    -- latest connection-category fact: (action, attributes['state'], event_id, raw_id)
    conn_last      AggregateFunction(argMax, Tuple(String, String, String, String), Tuple(DateTime64(3, 'UTC'), String)),
    -- latest fact of any kind: (event_id, raw_id), evidence for state findings
    last_ev        AggregateFunction(argMax, Tuple(String, String), Tuple(DateTime64(3, 'UTC'), String)),
    first_seen     SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen      SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (plane, source, tenant, subject_id);

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
    groupUniqArrayIfState((_at, _event_id, _raw_id, _cls), _cls != '') AS lifecycle,
    max(if(_inv, _at, toDateTime64(0, 3, 'UTC'))) AS inv_last,
    argMaxIfState((_event_id, _raw_id), _k, _inv) AS inv_last_ev,
    argMaxIfState((_action, _state, _event_id, _raw_id), _k, _category = 'connection') AS conn_last,
    argMaxState((_event_id, _raw_id), _k) AS last_ev,
    min(_at) AS first_seen,
    max(_at) AS last_seen
FROM
(
    SELECT
        CAST(plane AS String) AS _plane,
        CAST(source AS String) AS _source,
        ifNull(tenant_id, '') AS _tenant,
        subject_id AS _subject_id,
        CAST(subject_kind AS String) AS _kind,
        CAST(connection_id AS String) AS _conn,
        ifNull(subject_email, '') AS _email,
        ifNull(subject_name, '') AS _name,
        ifNull(CAST(authoritative_for AS Nullable(String)), '') AS _auth,
        toUInt8(attributes['directory_id'] != '') AS _dir,
        toUInt8(category IN ('account', 'inventory') OR (category = 'membership' AND attributes['group_id'] = '')) AS _acct,
        toUInt8(category = 'connection' AND (subject_kind = 'directory' OR positionCaseInsensitive(vendor_type, 'scim') > 0 OR attributes['provisioning'] = 'true')) AS _prov,
        occurred_at AS _at,
        event_id AS _event_id,
        raw_id AS _raw_id,
        (occurred_at, event_id) AS _k,
        CAST(category AS String) AS _category,
        CAST(action AS String) AS _action,
        attributes['state'] AS _state,
        category = 'inventory' AND action = 'observed' AS _inv,
        multiIf(
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

-- One row per (plane, source, credential id): keys, tokens, secrets.
CREATE TABLE IF NOT EXISTS pw_credential_state
(
    plane          LowCardinality(String),
    source         LowCardinality(String),
    credential_id  String,
    kind           AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    -- the kind an inventory listing reports (project_key, admin_key, ...) beats an audit log's generic one
    kind_inv       AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    owner_id       AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    owner_kind     AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    scopes         AggregateFunction(argMax, Array(String), Tuple(DateTime64(3, 'UTC'), String)),
    tenant         AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    connection_id  AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    name           AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    created_min    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    -- who created it: (actor_kind, actor_id, actor_email, event_id, raw_id) of the earliest create
    creator        AggregateFunction(argMin, Tuple(String, String, String, String, String), Tuple(DateTime64(3, 'UTC'), String)),
    lifecycle      AggregateFunction(groupUniqArray, Tuple(DateTime64(3, 'UTC'), String, String, String)),
    inv_last       SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_ev        AggregateFunction(argMax, Tuple(String, String), Tuple(DateTime64(3, 'UTC'), String)),
    first_seen     SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (plane, source, credential_id);

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
    min(_at) AS first_seen
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
    WHERE category IN ('credential', 'inventory')
      AND (credential_id IS NOT NULL OR subject_kind IN ('api_key', 'admin_key'))
)
GROUP BY plane, source, credential_id;

-- Activity per entity and UTC day: successful authentications and sessions, actions of a human
-- actor, credential use (use events, actions made with a credential, inventory last_used_at).
-- min/max per day keep gaps between uses exact at day granularity or coarser (stale reuse).
CREATE TABLE IF NOT EXISTS pw_activity_days
(
    plane          LowCardinality(String),
    source         LowCardinality(String),
    entity         LowCardinality(String),   -- 'account' | 'credential'
    entity_id      String,
    day            Date,
    min_at         SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    max_at         SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    first_ev       AggregateFunction(argMin, Tuple(String, String), Tuple(DateTime64(3, 'UTC'), String)),
    last_ev        AggregateFunction(argMax, Tuple(String, String), Tuple(DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
ORDER BY (entity, source, entity_id, plane, day);

CREATE MATERIALIZED VIEW IF NOT EXISTS pw_activity_days_mv TO pw_activity_days AS
SELECT
    plane, source, a.1 AS entity, a.2 AS entity_id, toDate(a.3) AS day,
    min(a.3) AS min_at,
    max(a.3) AS max_at,
    argMinState((event_id, raw_id), (a.3, event_id)) AS first_ev,
    argMaxState((event_id, raw_id), (a.3, event_id)) AS last_ev
FROM identity_events
ARRAY JOIN arrayFilter(x -> x.2 != '', [
    ('account', if((category IN ('authentication', 'session') AND action = 'succeeded'), subject_id, ''), occurred_at),
    ('account', if(actor_kind = 'human' AND ifNull(actor_id, '') != '' AND ifNull(outcome, 'success') = 'success'
                   AND category NOT IN ('authentication', 'session', 'inventory'), ifNull(actor_id, ''), ''), occurred_at),
    ('credential', if(category = 'credential' AND action = 'used', ifNull(credential_id, subject_id), ''), occurred_at),
    ('credential', if(ifNull(outcome, 'success') = 'success', ifNull(actor_credential_id, ''), ''), occurred_at),
    ('credential', if(credential_last_used_at IS NOT NULL, ifNull(credential_id, ''), ''), ifNull(credential_last_used_at, occurred_at))
]) AS a
GROUP BY plane, source, entity, entity_id, day;

-- Actions only people should take, done by a non-human actor (PW-NHI-HUMAN-ACTION).
CREATE TABLE IF NOT EXISTS pw_nhi_actions
(
    source         LowCardinality(String),
    event_id       String,
    plane          LowCardinality(String),
    tenant         String,
    connection_id  LowCardinality(String),
    actor_kind     LowCardinality(String),
    actor_id       String,
    actor_email    String,
    actor_credential_id String,
    category       LowCardinality(String),
    action         LowCardinality(String),
    vendor_type    LowCardinality(String),
    subject_kind   LowCardinality(String),
    subject_id     String,
    occurred_at    DateTime64(3, 'UTC'),
    raw_id         String
)
ENGINE = ReplacingMergeTree
ORDER BY (source, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS pw_nhi_actions_mv TO pw_nhi_actions AS
SELECT source, event_id, plane, ifNull(tenant_id, '') AS tenant, connection_id,
       ifNull(CAST(actor_kind AS Nullable(String)), '') AS actor_kind, ifNull(actor_id, '') AS actor_id, ifNull(actor_email, '') AS actor_email,
       ifNull(actor_credential_id, '') AS actor_credential_id,
       category, action, vendor_type, subject_kind, subject_id, occurred_at, raw_id
FROM identity_events
WHERE actor_kind IN ('service_account', 'api_key', 'admin_key')
  AND ifNull(outcome, 'success') = 'success'
  AND (
        (category = 'account' AND action IN ('invited', 'created') AND subject_kind IN ('human', 'invite', 'service_account'))
     OR (category = 'membership' AND action = 'added')
     OR (category = 'role' AND action IN ('added', 'removed', 'updated'))
     OR (category = 'credential' AND action = 'created' AND subject_kind IN ('api_key', 'admin_key', 'service_account'))
  );

-- Last delivery per connection (PW-SOURCE-SILENT), from every raw envelope stored.
CREATE TABLE IF NOT EXISTS pw_source_deliveries
(
    source         LowCardinality(String),
    connection_id  LowCardinality(String),
    first_received SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_received  SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_raw       AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
ORDER BY (source, connection_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS pw_source_deliveries_mv TO pw_source_deliveries AS
SELECT source, connection_id, min(received_at) AS first_received, max(received_at) AS last_received,
       argMaxState(id, (received_at, id)) AS last_raw
FROM raw_envelopes
GROUP BY source, connection_id;
