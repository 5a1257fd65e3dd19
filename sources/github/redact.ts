// GitHub's REST API returns each secret scanning alert with its full `secret`: the exposed
// credential itself. It is dropped here, on top of the shared policy (source-kit/redact.ts, which
// would remove a `secret` member too), because the alert must first yield its fingerprint
// (fingerprint.ts), and because a malformed page kept as a dead letter must lose it as well.
// Webhook deliveries carry no secret; the alert enrich.ts fetches for them goes through
// fetchRepoAlert (poller.ts), which drops it the same way.
import { PageError } from '../../source-kit/poller.ts';
import { parseRestAlert, type StoredAlert } from './payloads.ts';
import { storedAlertOf } from './fingerprint.ts';

/** What the collector and the poll runner apply to every GitHub body after the steps below. */
export { redactSecrets as redactBody } from '../../source-kit/redact.ts';

const SECRET_IN_TEXT = /("secret"\s*:\s*)"(?:[^"\\]|\\.)*("?)/g;

/** Best effort for a body that is not JSON (kept as a dead letter): blanks every `"secret": "…"`. */
export function blankSecretsInText(text: string): string {
  return text.replace(SECRET_IN_TEXT, '$1"[redacted]$2');
}

/**
 * One listing page without its secrets, as re-serialized JSON (deterministic: the same page gives
 * the same bytes and the same envelope id). A body that is not an array of alerts is a PageError
 * whose bytes have every `"secret"` blanked.
 */
export function redactAlertsPage(body: Buffer): StoredAlert[] {
  const text = body.toString('utf8');
  const scrubbed = (): Buffer => Buffer.from(blankSecretsInText(text));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PageError(`secret scanning alerts: body is not valid JSON (${(err as Error).message.slice(0, 100)})`, scrubbed());
  }
  if (!Array.isArray(json)) throw new PageError('secret scanning alerts: expected a JSON array of alerts', scrubbed());
  try {
    return json.map((item, i) => storedAlertOf(parseRestAlert(item, `[${i}]`)));
  } catch (err) {
    throw new PageError(
      `secret scanning alerts: ${(err as Error).message}`,
      Buffer.from(JSON.stringify(json.map((a: unknown) => (typeof a === 'object' && a !== null ? { ...a, secret: undefined } : a)))),
    );
  }
}
