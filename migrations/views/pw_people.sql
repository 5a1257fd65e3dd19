-- One row per person (0005's pw_people) plus dir_accounts: every directory account of the person
-- in a tenant, (tenant, start of its open deprovisioned period or 0, its event, its raw id). A unit
-- of access in a tenant where the person has directory accounts is governed by those (a person in
-- two customer tenants leaves each through its own directory); any other unit by signal_ms.
-- @input person_accounts = pw_person_accounts(link_refs = {link_refs:Array(String)}, link_emails = {link_emails:Array(String)}, directory_sources = {directory_sources:Array(String)})
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
FROM {{person_accounts}}
WHERE person != ''
GROUP BY person
