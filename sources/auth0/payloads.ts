// Auth0 log stream bodies (custom webhook): the three content formats, the `{log_id, data}`
// record wrapper and the zod schema of a log's `data` (auth0/auth0-log-schemas; docs/vendors/auth0.md).
//
// Content format is detected from the body, not the Content-Type (Auth0 lets the stream owner set
// any Content-Type): a JSON array is JSONARRAY, a single JSON object is JSONOBJECT, otherwise the
// body is read as JSONLINES (one record per non-blank line). A line that is not JSON becomes a
// rejected item; the other lines still flow.
import { z } from 'zod';
import { lenient } from '../../source-kit/lenient.ts';
import { describeValue, formatIssues } from '../../source-kit/issues.ts';

const str = lenient(z.string());
const obj = lenient(z.record(z.string(), z.unknown()));

export type Auth0Format = 'JSONARRAY' | 'JSONOBJECT' | 'JSONLINES';

export type BodyItem = { where: string; ok: true; value: unknown } | { where: string; ok: false; error: string; text: string };

export type ParsedBody = { ok: true; format: Auth0Format; items: BodyItem[] } | { ok: false; error: string };

/** Splits a delivery into its records by content format; an error only when nothing in it is JSON. */
export function parseAuth0Body(body: Buffer): ParsedBody {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim().length === 0)
    return { ok: false, error: 'body is empty: expected Auth0 log records (JSONARRAY, JSONLINES or JSONOBJECT)' };
  let whole: unknown;
  let wholeError: string | null = null;
  try {
    whole = JSON.parse(text) as unknown;
  } catch (e) {
    wholeError = e instanceof Error ? e.message : String(e);
  }
  if (wholeError === null) {
    if (Array.isArray(whole))
      return { ok: true, format: 'JSONARRAY', items: whole.map((value, i) => ({ where: `[${i}]`, ok: true, value })) };
    if (typeof whole === 'object' && whole !== null)
      return { ok: true, format: 'JSONOBJECT', items: [{ where: '(body)', ok: true, value: whole }] };
    return {
      ok: false,
      error: `body: expected a JSON array, a JSON object or JSON lines of Auth0 log records, received ${describeValue(whole)}`,
    };
  }
  const items: BodyItem[] = [];
  let parsedAny = false;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim().length === 0) return;
    const where = `line ${i + 1}`;
    try {
      items.push({ where, ok: true, value: JSON.parse(line) as unknown });
      parsedAny = true;
    } catch (e) {
      items.push({ where, ok: false, error: `not valid JSON: ${e instanceof Error ? e.message : String(e)}`, text: line.slice(0, 2048) });
    }
  });
  if (!parsedAny) return { ok: false, error: `body is not valid JSON (nor JSON lines): ${wholeError}` };
  return { ok: true, format: 'JSONLINES', items };
}

/** The stream's record wrapper. A bare log (the Management API's /logs shape, with `type`) is accepted too. */
export const Auth0RecordSchema = z.looseObject({
  log_id: str,
  data: z.record(z.string(), z.unknown()),
});

export const ScopeSchema = lenient(z.union([z.string(), z.array(z.string())]));

export const Auth0LogSchema = z.looseObject({
  type: z.string().min(1),
  date: str,
  log_id: str,
  description: str,
  client_id: str,
  client_name: str,
  ip: str,
  user_agent: str,
  hostname: str,
  user_id: str,
  user_name: str,
  connection: str,
  connection_id: str,
  strategy: str,
  strategy_type: str,
  organization_id: str,
  organization_name: str,
  tenant_name: str,
  environment_name: str,
  audience: str,
  scope: ScopeSchema,
  details: obj,
});
export type Auth0Log = z.infer<typeof Auth0LogSchema>;

/** `details.request` / `details.response` of sapi, fapi, sscim, fscim (typed only as objects upstream). */
export const ApiRequestSchema = z.looseObject({
  method: str,
  path: str,
  body: lenient(z.unknown()),
  ip: str,
  auth: lenient(
    z.looseObject({
      // credentials (jti, client_id of the token, …) exist here and are deliberately never read.
      user: lenient(z.looseObject({ user_id: str, email: str, name: str })),
      strategy: str,
    }),
  ),
});
export const ApiResponseSchema = z.looseObject({ statusCode: lenient(z.number()), body: lenient(z.unknown()) });

export { describeValue, formatIssues };
