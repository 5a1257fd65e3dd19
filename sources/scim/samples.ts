// Sample SCIM-copy deliveries for `planewatch send-sample scim` (a connection with vendor scim,
// transport webhook): a product's own SCIM endpoint provisions a customer user (the IdP sent a
// password: it is removed before anything is stored), adds them to a group, then the IdP
// deactivates them the way Okta does (PATCH active=false without a path). Ids are fresh per call.
import { randomBytes } from 'node:crypto';
import type { SampleDeliveries } from '../../source-kit/source-module.ts';
import { signScimCopy } from './webhook.ts';

export const webhookSamples: SampleDeliveries = {
  events(nowMs) {
    const tag = randomBytes(4).toString('hex');
    const userId = `u-${tag}`;
    const groupId = `g-${tag}`;
    const email = `grace.${tag}@customer.example`;
    const at = (minutesAgo: number) => new Date(nowMs - minutesAgo * 60_000).toISOString();
    const user = (active: boolean, version: number) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: userId,
      externalId: `00u${tag}`,
      userName: email,
      active,
      name: { givenName: 'Grace', familyName: 'Hopper' },
      emails: [{ value: email, type: 'work', primary: true }],
      meta: { resourceType: 'User', version: `W/"${version}"` },
    });
    const copy = (o: Record<string, unknown>) => JSON.stringify({ tenant: 'customer-42', ...o });
    return [
      {
        description: 'POST /Users (user provisioned; the IdP-sent password is redacted before storage)',
        body: copy({
          method: 'POST',
          path: '/scim/v2/Users',
          status: 201,
          occurred_at: at(30),
          request: { ...user(true, 1), id: undefined, meta: undefined, password: `Sample-${tag}-not-stored` },
          response: user(true, 1),
        }),
      },
      {
        description: 'PATCH /Groups (user added to a group)',
        body: copy({
          method: 'PATCH',
          path: `/scim/v2/Groups/${groupId}`,
          status: 204,
          occurred_at: at(20),
          request: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'add', path: 'members', value: [{ value: userId, display: email }] }],
          },
          response: null,
        }),
      },
      {
        description: 'PATCH /Users active=false (Okta-style deprovisioning)',
        body: copy({
          method: 'PATCH',
          path: `/scim/v2/Users/${userId}`,
          status: 200,
          occurred_at: at(1),
          request: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [{ op: 'replace', value: { active: false } }],
          },
          response: user(false, 2),
        }),
      },
    ];
  },
  sign(body, secret, nowMs) {
    return { 'x-planewatch-signature': signScimCopy(body, secret, nowMs) };
  },
};
