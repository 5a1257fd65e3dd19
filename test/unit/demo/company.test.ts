// The demo's company and its vendor API, without running anything: how the seeded company is split
// between the public interfaces (every envelope goes one way, none twice), and the OpenAI audit-log
// endpoint the poller and the backfill walk (effective_at[gte] filter, `after` paging, a refused
// cursor). Expected values from the OpenAI Admin API's list shape (docs/vendors/openai.md).
import { describe, expect, it } from 'vitest';
import { buildDemoCompany, leakedKeySecret } from '../../../demo/company/demo-company.ts';
import { auditLogPage } from '../../../demo/vendor-routes.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE } from '../../../source-kit/poll/inventory.ts';
import { AUDIT_CONTENT_TYPE } from '../../../sources/openai/poller.ts';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);

describe('demo company', () => {
  const co = buildDemoCompany(NOW);
  const envs = co.seeded.envelopes;

  it('sends every webhook envelope, serves every audit event, publishes older listings and serves only the latest one', () => {
    expect(co.webhooks.length).toBe(envs.filter((e) => e.transport === 'webhook').length);
    const auditPages = envs.filter((e) => e.content_type === AUDIT_CONTENT_TYPE);
    expect(co.auditEvents.length).toBe(auditPages.length); // one event per page in the seeded company
    const listings = envs.filter((e) => e.transport === 'inventory' && e.content_type !== INVENTORY_REMOVED_CONTENT_TYPE);
    const latest = Math.max(...listings.map((e) => e.received_at));
    // The latest listing is three pages (users, project keys, project service accounts), 0–2 ms apart.
    const served = listings.filter((e) => e.received_at >= latest - 2);
    expect(served.length).toBe(3);
    expect(co.history.length + served.length).toBe(envs.filter((e) => e.transport === 'inventory').length);
    expect(co.history.every((e) => e.received_at < NOW)).toBe(true);
  });

  it('audit events are newest first and none lies in the future', () => {
    const at = co.auditEvents.map((e) => Number(e.effective_at));
    expect([...at].sort((a, b) => b - a)).toEqual(at);
    expect(Math.max(...at)).toBeLessThanOrEqual(NOW / 1000);
  });

  it('the leaked key is listed with what OpenAI shows of it (12 characters … last 4), and the alert carries the secret itself', () => {
    const secret = leakedKeySecret();
    expect(secret.length).toBeGreaterThanOrEqual(40);
    const listed = co.openai.projectKeys.find((k) => (k as { id: string }).id === 'key_demo_leaked') as {
      redacted_value: string;
      last_used_at: number;
    };
    expect(listed.redacted_value).toBe(`${secret.slice(0, 12)}...${secret.slice(-4)}`);
    expect(co.github.alert.secret).toBe(secret);
    // used after GitHub found it (6 h before now): PW-EXPOSED-CREDENTIAL-USED
    expect(listed.last_used_at * 1000).toBeGreaterThan(Date.parse(String(co.github.alert.created_at)));
  });

  it('one contractor is deprovisioned over SCIM while keeping an OpenAI account', () => {
    const off = co.contractors.filter((c) => !c.active);
    expect(off.map((c) => c.userName)).toEqual(['pia.lund@northwind.example']);
    expect(co.openai.users.map((u) => (u as { email: string }).email)).toContain('pia.lund@northwind.example');
  });
});

describe('demo vendor API: GET /v1/organization/audit_logs', () => {
  const ev = (id: string, at: number) => ({ id, type: 'user.added', effective_at: at });
  const events = [ev('e5', 500), ev('e4', 400), ev('e3', 300), ev('e2', 200), ev('e1', 100)];
  const page = (q: string) => auditLogPage(events, new URLSearchParams(q));

  it('filters on effective_at[gte] and lists newest first', () => {
    expect(page('effective_at[gte]=300')).toEqual({
      status: 200,
      headers: {},
      body: { object: 'list', data: [ev('e5', 500), ev('e4', 400), ev('e3', 300)], first_id: 'e5', last_id: 'e3', has_more: false },
    });
  });

  it('pages with limit and after', () => {
    expect(page('limit=2')).toEqual({
      status: 200,
      headers: {},
      body: { object: 'list', data: [ev('e5', 500), ev('e4', 400)], first_id: 'e5', last_id: 'e4', has_more: true },
    });
    expect(page('limit=2&after=e4')).toEqual({
      status: 200,
      headers: {},
      body: { object: 'list', data: [ev('e3', 300), ev('e2', 200)], first_id: 'e3', last_id: 'e2', has_more: true },
    });
    expect(page('limit=2&after=e2')).toEqual({
      status: 200,
      headers: {},
      body: { object: 'list', data: [ev('e1', 100)], first_id: 'e1', last_id: 'e1', has_more: false },
    });
  });

  it('refuses a cursor it never gave out with 400 (the poller then restarts the walk from its watermark)', () => {
    expect(page('after=nope').status).toBe(400);
  });
});
