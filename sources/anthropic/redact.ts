// Anthropic Admin API pages carry one key-derived value: an API key's `partial_key_hint`, what the
// console itself displays ("sk-ant-api03-R2D...igAA"). The shared policy (source-kit/redact.ts)
// keeps it only for vendor `anthropic`, only in an `api_key` object and only in that displayed shape
// (at most 16 characters, "...", at most 4); anything else in the field, or a key anywhere, is
// removed. The poll runner applies the policy with the connection's vendor to every page and
// malformed-page dead letter before it is produced; called without a vendor it keeps no hint.
/** What the poll runner applies to every Anthropic page. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
