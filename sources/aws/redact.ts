// Key material in CloudTrail records. CloudTrail logs the temporary credentials it hands out:
// AssumeRole, AssumeRoleWithSAML / WithWebIdentity, GetSessionToken and GetFederationToken carry
// `responseElements.credentials.sessionToken` (and whatever forwards the records may add a
// `secretAccessKey`, e.g. a CreateAccessKey response captured outside CloudTrail). Those are live
// credentials: the planted-secret test (test/security/planted-secrets.test.ts) found them stored
// in the raw envelope, on Kafka and in ClickHouse. WebhookHandler.redactBody now removes them right
// after the Authorization check, before the collector builds the raw envelope.
//
// What is removed, at any depth of the body: members named secretAccessKey, sessionToken,
// password, newPassword, oldPassword, privateKey, secretString or secretBinary (any case).
// Nothing the mapping reads. Pure and deterministic; when nothing is removed the ORIGINAL bytes are
// returned (byte-exact evidence); otherwise the body is re-serialized without them.
// The collector refuses bodies nested deeper than MAX_JSON_DEPTH before calling this, so the
// recursion is bounded.

import { redactJsonMembers } from '../../core/sources/redact.ts';

const SECRET_KEY = /^(?:secretaccesskey|sessiontoken|password|newpassword|oldpassword|privatekey|secretstring|secretbinary)$/i;

export function isAwsSecretKey(name: string): boolean {
  return SECRET_KEY.test(name.trim());
}

/** The body without its secret members (a body that is not JSON is returned as is: checkBody rejects it). */
export function redactAwsBody(raw: Buffer): Buffer {
  return redactJsonMembers(raw, isAwsSecretKey);
}
