// GitHub secret scanning — when a credential's secret was exposed in a repository. Platform plane
// by default (the organisation's own code); the exposed credential's own plane and source come
// from the credential it matches (migrations/0015_exposures.sql). Vendor facts: docs/vendors/github.md.
//   webhook  /webhooks/github/<connection>: `secret_scanning_alert` deliveries, X-Hub-Signature-256
//            (webhook.ts); the alert is fetched through the REST API before publishing (enrich.ts).
//   poll     GET /orgs/{org}/secret-scanning/alerts, Link pagination (poller.ts).
import type { NormalizeInput, NormalizeOutcome, RejectedItem, SourceModule } from '../../source-kit/source-module.ts';
import type { MappedEvent } from '../../core/events/identity-event.ts';
import { parseJsonBody } from '../../source-kit/json-body.ts';
import { mapSecretScanningAlert } from './map.ts';
import { formatIssues, StoredAlertSchema, WebhookEnvelopeSchema } from './payloads.ts';
import { githubWebhook } from './webhook.ts';
import { githubAlertsPoller } from './poller.ts';

/** A webhook delivery (one alert) or a polled listing page (a JSON array of alerts, secrets removed). */
export function normalizeGithub(input: NormalizeInput): NormalizeOutcome {
  const parsed = parseJsonBody(input.body);
  if (!parsed.ok) throw new Error(`GitHub ${parsed.error}`);
  const body = parsed.value;
  const events: MappedEvent[] = [];
  const rejected: RejectedItem[] = [];
  if (Array.isArray(body)) {
    body.forEach((item, i) => {
      const a = StoredAlertSchema.safeParse(item);
      if (!a.success) return rejected.push({ reason: `[${i}]: ${formatIssues(a.error)}`, item });
      const repo = a.data.repository?.full_name;
      if (!repo)
        return rejected.push({
          reason: `[${i}]: repository.full_name missing (the organisation listing names each alert's repository)`,
          item,
        });
      const r = mapSecretScanningAlert(a.data, repo, null);
      if (r.ok) events.push(...r.events);
      else rejected.push({ reason: r.reason, item });
    });
    return { events, rejected };
  }
  const env = WebhookEnvelopeSchema.safeParse(body);
  if (!env.success) throw new Error(`GitHub secret_scanning_alert delivery is invalid: ${formatIssues(env.error)}`);
  const r = mapSecretScanningAlert(env.data.alert, env.data.repository.full_name, env.data.action);
  return r.ok ? { events: r.events, rejected } : { events: [], rejected: [{ reason: r.reason, item: body }] };
}

export const github: SourceModule = {
  name: 'github',
  defaultPlane: 'platform',
  webhook: githubWebhook,
  poller: githubAlertsPoller,
  normalize: normalizeGithub,
};

export { signGithubPayload, verifyGithubSignature } from './webhook.ts';
