// A `secret_scanning_alert` delivery names its alert but carries no secret: without the secret no
// credential can be matched. The collector calls enrichGithubDelivery after the signature check;
// it fetches the alert through the REST API (poller.ts), and publishes the delivery with its
// `alert` replaced by the fetched alert minus its secret, plus the fingerprint (fingerprint.ts).
// The delivery's own fields (action, repository, sender…) stay as GitHub sent them.
import type { EnrichContext } from '../../source-kit/source-module.ts';
import { fetchRepoAlert } from './poller.ts';
import { WebhookEnvelopeSchema, formatIssues } from './payloads.ts';

export async function enrichGithubDelivery(rawBody: Buffer, ctx: EnrichContext): Promise<Buffer> {
  const parsed = WebhookEnvelopeSchema.safeParse(JSON.parse(rawBody.toString('utf8')));
  if (!parsed.success) throw new Error(`not a secret_scanning_alert delivery: ${formatIssues(parsed.error)}`);
  const env = parsed.data;
  const fetched = await fetchRepoAlert(ctx, env.repository.full_name, env.alert.number);
  return Buffer.from(JSON.stringify({ ...env, alert: { ...env.alert, ...fetched } }));
}
