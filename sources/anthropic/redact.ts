// Anthropic Admin API pages carry one piece of key material: an API key's `partial_key_hint`
// (e.g. "sk-ant-api03-R2D...igAA"). The shared policy (source-kit/redact.ts) removes it: its name
// ends in "keyhint". The poll runner applies that policy to every page and malformed-page dead
// letter before it is produced, so nothing vendor-specific is needed; map.ts never reads the hint.
/** What the poll runner applies to every Anthropic page. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
