// Okta LogEvents are not supposed to carry secrets, but captured credential events have been seen
// with the new client secret in debugContext.debugData (third-party reports on
// app.oauth2.credentials.lifecycle.create; unconfirmed in Okta's docs). WebhookHandler.redactBody
// removes such members right after the Authorization check, before the collector builds the raw
// envelope, so Kafka and ClickHouse never see them.
//
// What is removed, at any depth: members whose name ends in `password`, `secret`, `token`,
// `credentials` or `jti` (any case: clientSecret, client_secret, sessionToken, refresh_token, …).
// Names like requestApiTokenId or tokenType are kept (they do not end that way).
// Pure and deterministic; when nothing is removed the ORIGINAL bytes are returned.

import { redactJsonMembers } from '../../core/sources/redact.ts';

const SECRET_KEY = /(?:password|secret|token|credentials|jti)$/i;

export function isOktaSecretKey(name: string): boolean {
  return SECRET_KEY.test(name.trim());
}

/** The body without its secret members (a body that is not JSON is returned as is: checkBody rejects it). */
export function redactOktaBody(raw: Buffer): Buffer {
  return redactJsonMembers(raw, isOktaSecretKey);
}
