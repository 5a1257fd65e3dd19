// Sample secret scanning data: a signed `secret_scanning_alert` delivery (as GitHub sends it: the
// alert without its secret) and an organisation listing page as the poller publishes it (the REST
// alerts with their secret turned into a fingerprint, redact.ts). Not registered for
// `planewatch send-sample`: the collector fetches each delivery's alert from GitHub's API
// (enrich.ts), which knows no sample alert. The exposed secrets are placeholders built at run time
// so no secret scanner takes this file for a leak.
import type { SampleDeliveries } from '../../source-kit/source-module.ts';
import { signGithubPayload, GITHUB_SIGNATURE_HEADER } from './webhook.ts';
import { ALERTS_CONTENT_TYPE } from './poller.ts';
import { redactAlertsPage } from './redact.ts';

const REPOSITORY = { id: 1, name: 'app', full_name: 'acme/app', private: true, html_url: 'https://github.com/acme/app' };

function alert(number: number, secretType: string, at: string) {
  return {
    number,
    created_at: at,
    updated_at: at,
    url: `https://api.github.com/repos/acme/app/secret-scanning/alerts/${number}`,
    html_url: `https://github.com/acme/app/security/secret-scanning/${number}`,
    resolution: null,
    resolved_at: null,
    resolved_by: null,
    secret_type: secretType,
    validity: 'active',
    publicly_leaked: false,
    multi_repo: false,
  };
}

export const webhookSamples: SampleDeliveries = {
  events(nowMs) {
    const at = new Date(nowMs - 600_000).toISOString();
    const body = {
      action: 'created',
      alert: alert(42, 'openai_api_key', at),
      repository: REPOSITORY,
      organization: { login: 'acme' },
      sender: { login: 'github', type: 'Organization' },
    };
    return [{ description: 'secret_scanning_alert created (an OpenAI key pushed to acme/app)', body: JSON.stringify(body) }];
  },
  sign(body, secret) {
    return { [GITHUB_SIGNATURE_HEADER]: signGithubPayload(body, secret), 'x-github-event': 'secret_scanning_alert' };
  },
};

export function pageSamples(nowMs: number): { description: string; transport: 'poll'; contentType: string; body: string }[] {
  const at = new Date(nowMs - 600_000).toISOString();
  const rest = [
    { ...alert(42, 'openai_api_key', at), state: 'open', secret: `sk-proj-${'SAMPLE'.repeat(8)}`, repository: REPOSITORY },
    { ...alert(43, 'aws_access_key_id', at), state: 'open', secret: `AKIA${'SAMPLE'}${'0'.repeat(10)}`, repository: REPOSITORY },
  ];
  const stored = redactAlertsPage(Buffer.from(JSON.stringify(rest)));
  return [
    {
      description: 'organisation alerts page: an OpenAI key and an AWS key id exposed',
      transport: 'poll',
      contentType: ALERTS_CONTENT_TYPE,
      body: JSON.stringify(stored),
    },
  ];
}
