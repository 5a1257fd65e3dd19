// Report periods: `2026-Q3` (calendar quarter), `2026-07` (month), `2026` (year) or
// `2026-07-01..2026-10-01` (ISO dates or times, from inclusive, to exclusive). All UTC.
import { z } from 'zod';

export interface Period {
  /** The text the period was given as (normalised: `2026-Q3`, `2026-07`, `2026`, `<from>..<to>`). */
  label: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const EXPECTED =
  'expected 2026-Q3 (quarter), 2026-07 (month), 2026 (year) or 2026-07-01..2026-10-01 (ISO dates, from inclusive, to exclusive)';

function isoMs(s: string): number {
  return ISO.test(s) ? Date.parse(s) : NaN;
}

/** zod schema: period text → Period. Errors name what was expected. */
export const PeriodText = z.string({ error: () => `period: ${EXPECTED}` }).transform((raw, ctx): Period => {
  const s = raw.trim();
  let m = /^(\d{4})-?Q([1-4])$/i.exec(s);
  if (m) {
    const y = Number(m[1]);
    const q = Number(m[2]);
    return { label: `${y}-Q${q}`, from: Date.UTC(y, (q - 1) * 3, 1), to: Date.UTC(y, q * 3, 1) };
  }
  m = /^(\d{4})-(\d{2})$/.exec(s);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    if (mo >= 1 && mo <= 12) return { label: s, from: Date.UTC(y, mo - 1, 1), to: Date.UTC(y, mo, 1) };
    ctx.addIssue({ code: 'custom', message: `period: month ${m[2]} is not 01..12` });
    return z.NEVER;
  }
  m = /^(\d{4})$/.exec(s);
  if (m) {
    const y = Number(m[1]);
    return { label: s, from: Date.UTC(y, 0, 1), to: Date.UTC(y + 1, 0, 1) };
  }
  const parts = s.split('..');
  if (parts.length === 2) {
    const from = isoMs(parts[0]!);
    const to = isoMs(parts[1]!);
    if (Number.isNaN(from)) {
      ctx.addIssue({ code: 'custom', message: `period: start "${parts[0]}" is not an ISO 8601 date or time (e.g. 2026-07-01)` });
      return z.NEVER;
    }
    if (Number.isNaN(to)) {
      ctx.addIssue({ code: 'custom', message: `period: end "${parts[1]}" is not an ISO 8601 date or time (e.g. 2026-10-01)` });
      return z.NEVER;
    }
    if (to <= from) {
      ctx.addIssue({ code: 'custom', message: 'period: the end must be later than the start' });
      return z.NEVER;
    }
    return { label: `${parts[0]}..${parts[1]}`, from, to };
  }
  ctx.addIssue({ code: 'custom', message: `period: ${EXPECTED}; got "${raw}"` });
  return z.NEVER;
});

/** Parses a period or throws an Error whose message names the problem. */
export function parseReportPeriod(text: string): Period {
  const r = PeriodText.safeParse(text);
  if (!r.success) throw new Error(r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}
