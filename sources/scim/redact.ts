// The SCIM `password` attribute (RFC 7643 §4.1.1, writeOnly) arrives as a member (`password`, or
// schema-qualified `urn:…:User:password`) or as the `value` of a PATCH operation whose `path` is
// password. The shared policy (source-kit/redact.ts) removes both forms and every other secret;
// the SCIM service applies it right after parsing a request, the collector to every SCIM copy
// after the signature check. What is recorded instead is only that a password was supplied
// (password.ts), so nothing vendor-specific is needed here.
/** What the collector applies to every SCIM copy (and the SCIM service to every request). */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';
