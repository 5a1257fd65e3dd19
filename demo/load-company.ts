// Loads the demo company into a running planewatch through its public interfaces, as the vendors
// would: SCIM calls from the contractor IdP, signed WorkOS webhooks, a GitHub secret-scanning
// webhook (the collector fetches the alert from the demo's vendor API), an OpenAI audit-log
// backfill (what `planewatch backfill openai-main --since 210d` does). The pollers fetch the
// inventories on their own. The older inventory listings go to planewatch.raw.v1 as the poll runner
// published them at the time (see company/demo-company.ts for why).
import type { Producer } from 'kafkajs';
import type { Logger } from '../core/log.ts';
import type { Connection } from '../core/config/boundary-map.ts';
import { runBackfill } from '../services/poller/backfill.ts';
import { kafkaPollPublishers } from '../services/poller/publish.ts';
import { rawEnvelopePublisher } from '../services/collector/publish.ts';
import { signGithubPayload, GITHUB_SIGNATURE_HEADER } from '../sources/github/webhook.ts';
import { SOURCES } from '../sources/registry.ts';
import type { DemoCompany, ScimContractor, Webhook } from './company/demo-company.ts';
import { CONTRACTORS_CONNECTION, GITHUB_CONNECTION, type DemoSecrets } from './demo-config.ts';

export interface LoadTarget {
  /** planewatch's base URL (collector, SCIM). */
  url: string;
  producer: Producer;
  connections: readonly Connection[];
  dataDir: string;
  log: Logger;
}

export interface LoadSummary {
  scimCalls: number;
  webhooks: number;
  auditPages: number;
  historyEnvelopes: number;
}

const CONCURRENCY = 8;

async function inBatches<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += CONCURRENCY) await Promise.all(items.slice(i, i + CONCURRENCY).map(fn));
}

async function expectAccepted(res: Response, what: string, ok: number[] = [200, 201, 202, 204]): Promise<void> {
  if (!ok.includes(res.status)) throw new Error(`demo: ${what} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  await res.arrayBuffer();
}

const SCIM_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The contractor IdP provisions everyone, then deprovisions the inactive ones (PATCH active=false). */
async function provisionContractors(base: string, token: string, contractors: readonly ScimContractor[]): Promise<number> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  let calls = 0;
  for (const c of contractors) {
    const res = await fetch(`${base}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        schemas: [SCIM_USER],
        userName: c.userName,
        active: true,
        name: { givenName: c.given, familyName: c.family },
        emails: [{ value: c.userName, primary: true, type: 'work' }],
        externalId: `nw-${c.userName.split('@')[0]}`,
      }),
    });
    calls++;
    const text = await res.text();
    // 409: already provisioned by an earlier start of the demo on this data dir.
    if (res.status === 409) continue;
    if (res.status !== 201) throw new Error(`demo: SCIM create ${c.userName} answered ${res.status}: ${text.slice(0, 300)}`);
    if (c.active) continue;
    const id = (JSON.parse(text) as { id: string }).id;
    await expectAccepted(
      await fetch(`${base}/Users/${id}`, {
        method: 'PATCH',
        headers,
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] }),
      }),
      `SCIM deactivate ${c.userName}`,
    );
    calls++;
  }
  return calls;
}

async function postWebhook(url: string, w: Webhook, secret: string): Promise<void> {
  const source = SOURCES[w.vendor]!;
  const headers = { 'content-type': 'application/json', ...source.samples!.sign(w.body, secret, Date.now()) };
  await expectAccepted(
    await fetch(`${url}/webhooks/${w.vendor}/${w.connection}`, { method: 'POST', headers, body: w.body }),
    `webhook ${w.vendor}/${w.connection}`,
  );
}

export async function loadDemoCompany(t: LoadTarget, co: DemoCompany, secrets: DemoSecrets): Promise<LoadSummary> {
  const scimCalls = await provisionContractors(`${t.url}/scim/v2/${CONTRACTORS_CONNECTION}`, secrets.scim, co.contractors);

  const hookSecret: Record<string, string> = { 'workos-main': secrets.workosMain, 'workos-eu': secrets.workosEu };
  await inBatches(co.webhooks, (w) => postWebhook(t.url, w, hookSecret[w.connection]!));

  await expectAccepted(
    await fetch(`${t.url}/webhooks/github/${GITHUB_CONNECTION}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'secret_scanning_alert',
        'x-github-delivery': `demo-${co.github.number}`,
        [GITHUB_SIGNATURE_HEADER]: signGithubPayload(co.github.delivery, secrets.githubHook),
      },
      body: co.github.delivery,
    }),
    'GitHub secret_scanning_alert webhook',
  );

  const publish = rawEnvelopePublisher(t.producer);
  await inBatches(co.history, publish);

  const openai = t.connections.find((c) => c.id === 'openai-main')!;
  const oldest = Math.min(...co.auditEvents.map((e) => Number(e.effective_at) * 1000));
  const backfill = await runBackfill({
    connection: openai,
    source: SOURCES.openai!,
    sinceMs: oldest - 60_000,
    dataDir: t.dataDir,
    publishers: kafkaPollPublishers(t.producer),
    log: t.log,
  });
  return { scimCalls, webhooks: co.webhooks.length + 1, auditPages: backfill.pages, historyEnvelopes: co.history.length };
}
