// Small pure helpers every vendor mapping (sources/<vendor>/map.ts) needs in the same form: reading
// loosely typed vendor values into the IdentityEvent vocabulary. Only the logic that is really the
// same across vendors lives here; vendor facts (field names, which string counts as "empty", how an
// email is recognised in that vendor's identifiers) stay in the vendor module, which picks the
// variant that fits.
import { normalizeEmail, type MappedEvent, type SUBJECT_KINDS } from '../core/events/identity-event.ts';

/** What a vendor mapping returns for one vendor event: the events it gives, or why it is rejected. */
export type MapResult = { ok: true; events: MappedEvent[] } | { ok: false; reason: string };

/** One of the IdentityEvent subject kinds ('human', 'service_account', 'api_key', …). */
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

/** The subject of an event as a mapping drafts it; email and name default to null. */
export interface SubjectDraft {
  kind: SubjectKind;
  id: string;
  email?: string | null;
  name?: string | null;
}

/** A value for `attrs`: absent values (null, undefined, '', a non-finite number) are left out. */
export type AttrValue = string | number | boolean | null | undefined;

/** A string with at least one character, else null ('' and non-strings → null; ' ' is kept). */
export function nonEmpty(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** A string with at least one non-blank character, else null (' ' → null); the value is not trimmed. */
export function nonBlank(v: unknown): string | null {
  return typeof v === 'string' && v.trim().length > 0 ? v : null;
}

/**
 * IdentityEvent attributes from named values: strings kept when non-empty (cut to `maxLength`
 * characters), finite numbers as decimal strings, booleans as 'true' / 'false'; null, undefined,
 * '' and non-finite numbers are left out.
 */
export function attrs(values: Record<string, AttrValue>, maxLength = Number.POSITIVE_INFINITY): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') {
      if (v.length > 0) out[k] = v.length > maxLength ? v.slice(0, maxLength) : v;
    } else if (typeof v === 'number') {
      if (Number.isFinite(v)) out[k] = String(v);
    } else out[k] = v ? 'true' : 'false';
  }
  return out;
}

/** A plain JSON object (not null, not an array), else null. */
export function record(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Strict ISO 8601 date-time with a zone (`2025-03-01T10:00:00Z`, `…+01:00`), seconds optional. */
export const ISO_8601_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** A strict ISO 8601 date-time with zone (ISO_8601_DATE_TIME) → epoch ms; null when unusable. */
export function strictIsoToMs(v: unknown): number | null {
  if (typeof v !== 'string' || !ISO_8601_DATE_TIME.test(v)) return null;
  return usableMs(Date.parse(v));
}

/** Anything Date.parse reads (RFC 3339, ISO 8601 and more) → epoch ms; null when absent or unusable. */
export function parsedDateToMs(v: unknown): number | null {
  if (typeof v !== 'string' || v.length === 0) return null;
  return usableMs(Date.parse(v));
}

function usableMs(ms: number): number | null {
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : null;
}

/** `local@domain` with no white space and one `@`: the default shape `emailOf` accepts. */
export const EMAIL_SHAPE = /^[^@\s]+@[^@\s]+$/;

/**
 * The normalised email when a vendor identifier (a login, an alternateId, a user name) is shaped
 * like an address (`shape`, tested on the trimmed value), else null.
 */
export function emailOf(v: unknown, shape: RegExp = EMAIL_SHAPE): string | null {
  const s = nonBlank(v);
  return s !== null && shape.test(s.trim()) ? normalizeEmail(s) : null;
}

/** A path or URL without its query string and fragment (vendors put tokens in some query strings). */
export function stripQuery(path: string): string {
  const cut = path.search(/[?#]/);
  return cut >= 0 ? path.slice(0, cut) : path;
}

/** stripQuery of a non-blank string; null for anything else. */
export function pathOnly(uri: unknown): string | null {
  const s = nonBlank(uri);
  return s === null ? null : stripQuery(s);
}
