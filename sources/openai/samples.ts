// Sample Admin API pages as the poller publishes them (OpenAI sends no webhooks for admin or audit
// data, so there is nothing for `planewatch send-sample` to post): an audit-log page in which an
// owner invites a developer, signs in and creates a key, and the organisation's users listing.
// Shapes from docs/vendors/openai.md; placeholder ids.
import { AUDIT_CONTENT_TYPE, inventoryContentType } from './poller.ts';

export function pageSamples(nowMs: number): { description: string; transport: 'poll' | 'inventory'; contentType: string; body: string }[] {
  const at = Math.floor(nowMs / 1000) - 3600;
  const owner = { id: 'user-SAMPLEOWNER', email: 'owner@acme.example' };
  const session = { type: 'session', session: { user: owner, ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0' } };
  const audit = [
    {
      id: 'audit_log-SAMPLE1',
      type: 'invite.sent',
      effective_at: at,
      actor: session,
      'invite.sent': { id: 'invite-SAMPLE', data: { email: 'dev@acme.example', role: 'reader' } },
    },
    { id: 'audit_log-SAMPLE2', type: 'login.succeeded', effective_at: at + 60, actor: session },
    {
      id: 'audit_log-SAMPLE3',
      type: 'api_key.created',
      effective_at: at + 120,
      project: { id: 'proj_SAMPLE', name: 'Prod' },
      actor: session,
      'api_key.created': { id: 'key_SAMPLE', data: { scopes: [] } },
    },
  ];
  const users = [
    { object: 'organization.user', id: owner.id, name: 'Owner Sample', email: owner.email, role: 'owner', added_at: at - 86_400 },
  ];
  const page = (data: unknown[]) => JSON.stringify({ object: 'list', data, first_id: null, last_id: null, has_more: false });
  return [
    {
      description: 'audit-log page: invite.sent, login.succeeded, api_key.created',
      transport: 'poll',
      contentType: AUDIT_CONTENT_TYPE,
      body: page(audit),
    },
    {
      description: 'users listing: the owner',
      transport: 'inventory',
      contentType: inventoryContentType('users', null),
      body: page(users),
    },
  ];
}
