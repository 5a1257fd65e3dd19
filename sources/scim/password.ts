// The SCIM `password` attribute (RFC 7643 §4.1.1, writeOnly, returned never): which member names
// it, and whether a request supplied one (recorded as `password_supplied`, never its value).
// Removing it (and every other secret) from what is stored is the one policy of
// source-kit/redact.ts, applied by the SCIM service and, for SCIM copies, by the collector.
import { stripMembers, type SecretMember } from '../../source-kit/redact.ts';

const PASSWORD_KEY = /^(?:.*:)?password$/i;

/** `password`, any case, or schema-qualified (`urn:ietf:params:scim:schemas:core:2.0:User:password`). */
export function isPasswordAttribute(name: string): boolean {
  return PASSWORD_KEY.test(name.trim());
}

/** A password member, or the `value` of an object whose `path` names the password attribute (a PATCH operation). */
const isPasswordMember: SecretMember = (k, obj) =>
  isPasswordAttribute(k) || (k.toLowerCase() === 'value' && typeof obj.path === 'string' && isPasswordAttribute(obj.path));

/** Whether `input` carries a password anywhere (a member, or a PATCH operation's value). */
export function suppliesPassword(input: unknown): boolean {
  return stripMembers(input, isPasswordMember).stripped;
}
