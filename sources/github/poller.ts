// GitHub's secret scanning REST API, the two ways planewatch reads it:
// - fetchRepoAlert: one alert (`GET /repos/{owner}/{repo}/secret-scanning/alerts/{number}`), for a
//   webhook delivery, whose alert carries no secret (enrich.ts);
// - the poller: every alert of the organisation (`GET /orgs/{org}/secret-scanning/alerts`),
//   sort=updated, direction=asc, per_page=100, following `Link: <…>; rel="next"`.
// Both responses hold each alert's `secret`: it is turned into a fingerprint and dropped
// (fingerprint.ts, redact.ts) BEFORE the page becomes a RawEnvelope or a dead letter.
//
// An alert listing is a state, not a feed: GitHub has no "updated since" filter, so every cycle
// walks all alerts and the checkpoint (checkpoint.ts: the newest updated_at delivered) only
// decides which pages are published — a page with nothing updated after it is skipped. First
// contact and a backfill publish everything (an alert opened a year ago and still open is today's
// exposure); `since` is therefore not used. Alerts fetched twice keep their event ids and collapse.
// Connection: `organization` (the org login), `api_key_env` (a token that may read secret scanning
// alerts), `base_url` (default https://api.github.com; GitHub Enterprise Server: https://HOST/api/v3).
import { PageError, type PollContext, type PolledPage, type PollerModule } from '../../source-kit/poller.ts';
import { nextLinkOf } from '../../source-kit/link-header.ts';
import { parseRestAlert, type StoredAlert } from './payloads.ts';
import { storedAlertOf } from './fingerprint.ts';
import { AlertsCheckpointSchema, describeAlertsCheckpoint, type AlertsCheckpoint } from './checkpoint.ts';
import { redactAlertsPage } from './redact.ts';

export const DEFAULT_BASE_URL = 'https://api.github.com';
export const PAGE_SIZE = 100;
export const FETCH_ALERT_TIMEOUT_MS = 8_000;
export const ALERTS_CONTENT_TYPE = 'application/json; planewatch-listing=github-secret-scanning-alerts';

export function githubHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
}

function trimBase(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

export interface AlertFetchContext {
  apiKey: string | undefined;
  baseUrl: string | undefined;
  fetch: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

/** Fetches one alert and returns it without its secret. Throws (without the token or the secret) on any failure. */
export async function fetchRepoAlert(ctx: AlertFetchContext, repoFullName: string, number: number): Promise<StoredAlert> {
  if (!ctx.apiKey) throw new Error('the GitHub connection has no api_key_env: the alert (and its secret) cannot be fetched');
  if (!/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/.test(repoFullName))
    throw new Error(`repository "${repoFullName.slice(0, 200)}" is not owner/name`);
  const url = `${trimBase(ctx.baseUrl ?? DEFAULT_BASE_URL)}/repos/${repoFullName}/secret-scanning/alerts/${number}`;
  // Bounded: the delivery waits on this call, and GitHub gives a webhook 10 s before it gives up.
  const res = await ctx.fetch(url, {
    method: 'GET',
    headers: githubHeaders(ctx.apiKey),
    signal: AbortSignal.timeout(FETCH_ALERT_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`GET /repos/${repoFullName}/secret-scanning/alerts/${number}: HTTP ${res.status}`);
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    throw new Error(`GET /repos/${repoFullName}/secret-scanning/alerts/${number}: body is not JSON`);
  }
  return storedAlertOf(parseRestAlert(json, `alert ${repoFullName}#${number}`));
}

function updatedOf(a: StoredAlert): string {
  return a.updated_at ?? a.resolved_at ?? a.created_at;
}

export function firstAlertsUrl(baseUrl: string, org: string): string {
  const u = new URL(`${trimBase(baseUrl)}/orgs/${encodeURIComponent(org)}/secret-scanning/alerts`);
  u.searchParams.set('sort', 'updated');
  u.searchParams.set('direction', 'asc');
  u.searchParams.set('per_page', String(PAGE_SIZE));
  return u.toString();
}

/** Every page of the organisation's alerts; see the file comment for the checkpoint. */
export async function* alertPages(ctx: PollContext): AsyncGenerator<PolledPage> {
  const org = ctx.connection.organization;
  if (!org)
    throw new Error(`GitHub connection "${ctx.connection.id}" has no organization: set the organisation login whose alerts are polled`);
  const stored = AlertsCheckpointSchema.safeParse(ctx.checkpoint);
  const since = stored.success ? stored.data.last_updated_at : null;
  let newest = since;
  const first = firstAlertsUrl(ctx.baseUrl, org);
  const origin = new URL(first).origin;
  let url: string | null = first;
  const seen = new Set<string>();
  while (url !== null) {
    if (seen.has(url)) throw new PageError(`secret scanning alerts: Link rel="next" repeats ${url}`, Buffer.alloc(0));
    seen.add(url);
    const res = await ctx.fetch(url, { method: 'GET', headers: githubHeaders(ctx.apiKey) });
    const alerts = redactAlertsPage(Buffer.from(await res.arrayBuffer()));
    const fresh = alerts.filter((a) => since === null || updatedOf(a) > since);
    for (const a of fresh) if (newest === null || updatedOf(a) > newest) newest = updatedOf(a);
    const next = nextLinkOf(res.headers.get('link'));
    let nextUrl: string | null = null;
    if (next !== null) {
      const resolved: URL = new URL(next, url);
      // The token goes with every request: never follow a link off the API's origin.
      if (resolved.origin !== origin)
        throw new PageError(`Link rel="next" leaves ${origin} (${resolved.origin}): not followed`, Buffer.alloc(0));
      nextUrl = resolved.toString();
    }
    yield {
      body: Buffer.from(JSON.stringify(alerts)),
      contentType: ALERTS_CONTENT_TYPE,
      checkpoint: { v: 1, last_updated_at: newest } satisfies AlertsCheckpoint,
      items: alerts.length,
      publish: fresh.length > 0,
    };
    url = nextUrl;
  }
}

export const githubAlertsPoller: PollerModule = {
  defaultBaseUrl: DEFAULT_BASE_URL,
  pages: alertPages,
  describeCheckpoint: describeAlertsCheckpoint,
};
