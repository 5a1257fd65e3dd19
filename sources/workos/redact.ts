// WorkOS Directory Sync events pass through what the customer's directory holds: issue #18 found
// `custom_attributes.password` and `raw_attributes.api_token` stored verbatim. The shared policy
// (source-kit/redact.ts) removes those and every other member named by a secret word, at any
// depth; the collector (webhooks) and the poll runner (Events API pages) apply it to every body,
// so nothing vendor-specific is needed.
/** What the collector and the poll runner apply to every WorkOS body. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
