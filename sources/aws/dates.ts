// CloudTrail dates. `eventTime` is ISO 8601 (`2025-03-01T10:00:00Z`), but dates inside
// `responseElements` (accessKey.createDate, user.createDate, loginProfile.createDate) are printed
// by Java as `MMM d, yyyy h:mm:ss a` — e.g. `Mar 1, 2025 10:00:00 AM`, `Jul 9, 2018 12:56:54 PM`
// in AWS's own examples. They carry no zone and are UTC (the same instant as the record's
// eventTime for a create call). Newer JDKs (CLDR 42+) put a narrow no-break space (U+202F) before
// AM/PM, so any whitespace is accepted there.
//
// Pure functions, no Date.parse on the Java form (its reading of such strings is implementation-
// defined and local-time based).

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

// `Mar 1, 2025 10:00:00 AM` — also tolerates `Sept`, a missing comma, and any Unicode space.
const JAVA_DATE =
  /^([A-Za-z]{3,4})\.?[\s\u00a0\u202f]+(\d{1,2}),?[\s\u00a0\u202f]+(\d{4})[\s\u00a0\u202f]+(\d{1,2}):(\d{2}):(\d{2})[\s\u00a0\u202f]*([AaPp])\.?[Mm]\.?$/;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** `Mar 1, 2025 10:00:00 AM` (UTC) -> epoch ms; null for anything else or an impossible date. */
export function parseJavaDate(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = JAVA_DATE.exec(value.trim());
  if (!m) return null;
  const month = MONTHS[m[1]!.slice(0, 3).toLowerCase()];
  if (month === undefined) return null;
  const day = Number(m[2]);
  const year = Number(m[3]);
  const hour12 = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (hour12 < 1 || hour12 > 12 || minute > 59 || second > 59 || day < 1) return null;
  const pm = m[7]!.toLowerCase() === 'p';
  const hour = (hour12 % 12) + (pm ? 12 : 0);
  const ms = Date.UTC(year, month, day, hour, minute, second);
  const check = new Date(ms);
  // Date.UTC rolls Feb 30 over into March: such a date does not exist.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month || check.getUTCDate() !== day) return null;
  return ms >= 0 ? ms : null;
}

/** Strict ISO 8601 date-time with a zone -> epoch ms; null otherwise. */
export function parseIsoDate(value: unknown): number | null {
  if (typeof value !== 'string' || !ISO_8601.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}

/** A date inside responseElements: the Java form, or ISO 8601 should AWS ever switch. */
export function parseCloudTrailDate(value: unknown): number | null {
  return parseJavaDate(value) ?? parseIsoDate(value);
}
