// What the demo's local vendor API answers: the OpenAI Admin API (audit log filtered and paged as
// the poller and a backfill ask for it, the latest inventory listing), a second OpenAI
// organisation that refuses its revoked key, the Anthropic Admin API inventory, and GitHub's
// secret-scanning alert (with its secret, as GitHub returns it to the alert fetch). Routes ask for
// the key the connection is configured with; a request without it gets 404 (no route).
import type { DemoCompany } from './company/demo-company.ts';
import type { DemoSecrets } from './demo-config.ts';
import { json, unauthorized, type ScriptedResponse, type VendorApiServer } from './vendor-api-server.ts';

const AUDIT_PAGE_LIMIT = 100;

const openaiList = (data: unknown[], hasMore = false) => {
  const ids = data.map((d) => (d as { id?: string }).id ?? null);
  return { object: 'list', data, first_id: ids[0] ?? null, last_id: ids[ids.length - 1] ?? null, has_more: hasMore };
};
const anthropicList = (data: unknown[]) => {
  const ids = data.map((d) => (d as { id?: string; user_id?: string }).id ?? (d as { user_id?: string }).user_id ?? null);
  return { data, has_more: false, first_id: ids[0] ?? null, last_id: ids[ids.length - 1] ?? null };
};

/** GET /v1/organization/audit_logs: effective_at[gte], after (an event id), limit; newest first. */
export function auditLogPage(events: readonly Record<string, unknown>[], query: URLSearchParams): ScriptedResponse {
  const gte = Number(query.get('effective_at[gte]') ?? 0);
  const matching = events.filter((e) => Number(e.effective_at) >= gte);
  const after = query.get('after');
  const start = after === null ? 0 : matching.findIndex((e) => e.id === after) + 1;
  if (after !== null && start === 0)
    return json({ error: { message: `invalid 'after' cursor: ${after}`, type: 'invalid_request_error' } }, 400);
  const limit = Math.min(Number(query.get('limit') ?? AUDIT_PAGE_LIMIT) || AUDIT_PAGE_LIMIT, AUDIT_PAGE_LIMIT);
  const page = matching.slice(start, start + limit);
  return json(openaiList(page, start + limit < matching.length));
}

export function registerDemoVendorRoutes(api: VendorApiServer, co: DemoCompany, secrets: DemoSecrets): void {
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  // OpenAI, organisation "main".
  const oai = bearer(secrets.openaiMain);
  const P = '/v1/organization';
  api.route({ path: `${P}/audit_logs`, headers: oai }, (q) => auditLogPage(co.auditEvents, q));
  api.route({ path: `${P}/users`, headers: oai }, [json(openaiList(co.openai.users))]);
  api.route({ path: `${P}/admin_api_keys`, headers: oai }, [json(openaiList([]))]);
  api.route({ path: `${P}/projects`, headers: oai }, [json(openaiList(co.openai.projects))]);
  for (const project of co.openai.projects as { id: string }[]) {
    api.route({ path: `${P}/projects/${project.id}/users`, headers: oai }, [json(openaiList([]))]);
    api.route({ path: `${P}/projects/${project.id}/service_accounts`, headers: oai }, [json(openaiList(co.openai.serviceAccounts))]);
    api.route({ path: `${P}/projects/${project.id}/api_keys`, headers: oai }, [json(openaiList(co.openai.projectKeys))]);
  }
  // OpenAI, organisation "eu": its admin key was revoked.
  api.route({ path: /^\/eu\/v1\// }, [unauthorized('Incorrect API key provided. The key was revoked.')]);

  // Anthropic Admin API.
  const ant = { 'x-api-key': secrets.anthropic };
  const O = '/v1/organizations';
  api.route({ path: `${O}/users`, headers: ant }, [json(anthropicList(co.anthropic.users))]);
  api.route({ path: `${O}/invites`, headers: ant }, [json(anthropicList([]))]);
  api.route({ path: `${O}/api_keys`, headers: ant }, [json(anthropicList(co.anthropic.apiKeys))]);
  api.route({ path: `${O}/workspaces`, headers: ant }, [json(anthropicList(co.anthropic.workspaces))]);
  for (const w of co.anthropic.workspaces as { id: string }[]) {
    api.route({ path: `${O}/workspaces/${w.id}/members`, headers: ant }, [
      json(anthropicList(co.anthropic.members.filter((m) => (m as { workspace_id: string }).workspace_id === w.id))),
    ]);
  }
  // This organisation has no service accounts listing (optional in the poller).
  api.route({ path: `${O}/service_accounts`, headers: ant }, [
    json({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }, 404),
  ]);

  // GitHub: the alert the webhook names.
  api.route({ path: `/repos/${co.github.repo}/secret-scanning/alerts/${co.github.number}`, headers: bearer(secrets.githubToken) }, [
    json(co.github.alert),
  ]);
}
