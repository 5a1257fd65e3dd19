// OpenAI Admin API pages never return a key's value. A key's `redacted_value` ("sk-abc...wxyz",
// OpenAI's own display) is kept on purpose: it is what an exposed secret is matched against
// (docs/vendors/openai.md) and its name ends in no secret word. Audit events name keys by object
// (`api_key: {id, type, user}`): the shared policy (source-kit/redact.ts) walks such objects
// instead of dropping them, so the ids stay. The poll runner applies that policy to every page,
// so nothing vendor-specific is needed.
/** What the poll runner applies to every OpenAI page. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
