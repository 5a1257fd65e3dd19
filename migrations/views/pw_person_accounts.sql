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
-- @input accounts = pw_accounts
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
    FROM {{accounts}}
    WHERE is_account = 1 OR seen = 1
    WINDOW w AS (PARTITION BY source, subject_id)
)
WHERE login = 0 AND (is_account = 1 OR (n_units = 0 AND rn = 1))
  AND (kind != 'invite' OR created_ms > 0 OR inv_last_ms > 0)
