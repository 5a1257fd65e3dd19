// Okta LogEvents are not supposed to carry secrets, but captured credential events have been seen
// with a new client secret in debugContext.debugData (third-party reports on
// app.oauth2.credentials.lifecycle.create; unconfirmed in Okta's docs). The shared policy
// (source-kit/redact.ts) removes any member whose name ends in a secret word (clientSecret,
// client_secret, sessionToken, …) and keeps requestApiTokenId or tokenType, which the mapping
// reads. The collector (event hooks) and the poll runner (System Log pages) apply it to every
// body, so nothing vendor-specific is needed.
/** What the collector and the poll runner apply to every Okta body. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
