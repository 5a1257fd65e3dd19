// What identifies an exposed credential without being it. GitHub returns the alert's full `secret`;
// planewatch reads it here, in memory, derives the fields below, and drops it: the secret never
// reaches a log, Kafka or ClickHouse.
//
// The fields are chosen by what the credential's own vendor reports in its inventory, because
// a match is only possible against something planewatch already stores:
// - OpenAI lists each key's `redacted_value` (a prefix, an ellipsis, the last characters, e.g.
//   "sk-abc...wxyz"). A hash of the full secret could never be compared with it. So the alert
//   keeps `key_head` (the first 16 characters) and `key_tail` (the last 4): a redacted value
//   matches when its prefix starts key_head and its suffix ends key_tail (views in
//   migrations/0015_exposures.sql). 16 + 4 characters of a key of 40 or more are no more than a
//   vendor console shows; shorter secrets keep nothing (they are then never matched).
// - AWS: for `aws_access_key_id` the secret IS the access key id (an identifier, listed by IAM
//   and named in CloudTrail): kept as `key_id`, matched exactly. The secret access key of an
//   `aws_secret_access_key` alert identifies nothing planewatch stores: nothing is kept.
// - Anthropic lists each key's `partial_key_hint` ("Partially redacted hint for the API key"; the
//   documented example "sk-ant-api03-R2D...igAA" is the first 16 characters, "...", the last 4),
//   kept by the redaction policy's one allowance (source-kit/redact.ts) as attributes.key_hint:
//   the alert keeps the same key_head / key_tail and is matched exactly like OpenAI's.
import type { RestAlert, StoredAlert } from './payloads.ts';

/** Characters kept from each end of an AI-vendor key (see above). */
export const HEAD_CHARS = 16;
export const TAIL_CHARS = 4;
/** Secrets shorter than this keep no head/tail: 20 characters of them would be too much of the secret. */
export const MIN_SECRET_FOR_HINT = 40;

const AWS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;

/** The vendor whose inventory an alert's secret type can be matched against, or null. */
export function vendorOfSecretType(secretType: string): 'openai' | 'anthropic' | 'aws' | null {
  const t = secretType.toLowerCase();
  if (t.startsWith('openai_')) return 'openai';
  if (t.startsWith('anthropic_')) return 'anthropic';
  if (t === 'aws_access_key_id') return 'aws';
  return null;
}

/** The identifying fields of a secret (never the secret). */
export function fingerprintSecret(secretType: string, secret: string | null | undefined): Record<string, string> {
  const vendor = vendorOfSecretType(secretType);
  if (!vendor || typeof secret !== 'string') return {};
  const s = secret.trim();
  if (vendor === 'aws') return AWS_KEY_ID.test(s) ? { vendor, key_id: s } : { vendor };
  if (s.length < MIN_SECRET_FOR_HINT) return { vendor };
  return { vendor, key_head: s.slice(0, HEAD_CHARS), key_tail: s.slice(-TAIL_CHARS) };
}

/** The alert without its secret, with the fingerprint in `planewatch_fingerprint`. */
export function storedAlertOf(alert: RestAlert): StoredAlert {
  const { secret, ...rest } = alert;
  return { ...rest, planewatch_fingerprint: fingerprintSecret(alert.secret_type, secret) };
}
