// Pagination for list endpoints: `limit` (1..1000, default 100) and an opaque `cursor` (the offset
// of the next page, base64url). Lists are sorted deterministically before a page is cut.
import { z } from 'zod';

export const PageQuery = z.object({
  limit: z.coerce
    .number({ error: () => 'expected an integer 1..1000' })
    .int('expected an integer 1..1000')
    .min(1, 'expected an integer 1..1000')
    .max(1000, 'expected an integer 1..1000')
    .default(100),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'expected a cursor returned as next_cursor')
    .transform((c, ctx) => {
      const n = Number(Buffer.from(c, 'base64url').toString('utf8').replace(/^o:/, ''));
      if (!Number.isSafeInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: 'expected a cursor returned as next_cursor' });
        return z.NEVER;
      }
      return n;
    })
    .optional(),
});
export type PageQuery = z.infer<typeof PageQuery>;

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
  total: number;
}

export function paginate<T>(rows: readonly T[], q: PageQuery): Page<T> {
  const offset = q.cursor ?? 0;
  const data = rows.slice(offset, offset + q.limit);
  const next = offset + q.limit < rows.length ? Buffer.from(`o:${offset + q.limit}`).toString('base64url') : null;
  return { data, next_cursor: next, total: rows.length };
}
