-- 0003: state of the SCIM 2.0 service provider (services/scim): one row per version of each
-- User / Group resource of each connection.
--
-- ReplacingMergeTree(version) ORDER BY (connection_id, resource_type, id): every write inserts the
-- resource's next version (previous + 1, assigned under the service's per-connection write lock);
-- reads use FINAL, so they see exactly the latest version of each resource right after the insert
-- returned (inserts are synchronous: the service sends them with async_insert = 0).
-- A DELETE writes a tombstone (deleted = 1) as the next version: later reads answer 404, the id is
-- never reused, and the last content stays as evidence. Not partitioned: the table holds current
-- state, not history (the history is the identity_events / raw_envelopes of source 'scim').
--
-- Lookup columns are derived from `resource` on write so that filters and uniqueness checks are
-- plain column predicates: user_name_lc / display_name_lc / emails_lc lower-cased (caseExact false
-- in RFC 7643), external_id as given (caseExact true), member_ids the group's members[].value.
-- `resource` is the canonical JSON of the resource without meta.location (built per request from
-- the request's host). The SCIM `password` attribute never reaches this table.

CREATE TABLE IF NOT EXISTS scim_resources
(
    connection_id     LowCardinality(String),
    resource_type     LowCardinality(String),
    id                String,
    version           UInt64,
    deleted           UInt8,

    user_name_lc      Nullable(String),
    display_name_lc   Nullable(String),
    external_id       Nullable(String),
    emails_lc         Array(String),
    active            Nullable(UInt8),
    member_ids        Array(String),

    resource          String,
    created_at        DateTime64(3, 'UTC'),
    updated_at        DateTime64(3, 'UTC'),

    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (connection_id, resource_type, id);
