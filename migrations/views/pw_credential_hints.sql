-- What a credential's vendor shows of the key (OpenAI `redacted_value`, "sk-abc...wxyz"): the
-- newest attributes.key_hint per credential.
SELECT source, ifNull(credential_id, subject_id) AS credential_id, argMax(attributes['key_hint'], occurred_at) AS key_hint
FROM identity_events
WHERE attributes['key_hint'] != ''
GROUP BY source, credential_id
