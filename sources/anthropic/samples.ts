// Sample Admin API pages as the inventory poller publishes them (the Admin API sends no webhooks,
// so there is nothing for `planewatch send-sample` to post): one organisation member and one API
// key owned by that member. Shapes from docs/vendors/anthropic.md; placeholder ids. The key's
// `partial_key_hint` is there on purpose: the vendor returns it, and redact.ts must remove it.
import { inventoryContentType } from '../../source-kit/poll/page-walker.ts';

export function pageSamples(nowMs: number): { description: string; transport: 'inventory'; contentType: string; body: string }[] {
  const at = new Date(nowMs - 86_400_000).toISOString();
  const user = {
    type: 'user',
    id: 'user_01SAMPLEADA',
    email: 'ada.sample@acme.example',
    name: 'Ada Sample',
    role: 'developer',
    added_at: at,
  };
  const key = {
    type: 'api_key',
    id: 'apikey_01SAMPLECI',
    name: 'ci',
    status: 'active',
    created_at: at,
    expires_at: null,
    created_by: { type: 'user', id: user.id },
    partial_key_hint: 'sk-ant-api03-SAM...PLE0',
    principal: { type: 'user_actor', user_id: user.id },
    scope: { type: 'workspace', workspace_id: 'wrkspc_01SAMPLE' },
  };
  const page = (data: unknown[]) => JSON.stringify({ data, has_more: false, first_id: null, last_id: null });
  return [
    {
      description: 'users listing: one developer',
      transport: 'inventory',
      contentType: inventoryContentType('users', null),
      body: page([user]),
    },
    {
      description: "api_keys listing: the developer's active key",
      transport: 'inventory',
      contentType: inventoryContentType('api_keys', null),
      body: page([key]),
    },
  ];
}
