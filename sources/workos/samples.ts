// Sample deliveries for `planewatch send-sample workos`: a customer's directory user provisioned,
// signing in through SSO, then deprovisioned — and one workforce directory user (platform plane on
// the embedded defaults' plane rule). Ids are fresh on every call so repeated runs add new events.
import { randomBytes } from 'node:crypto';
import type { SampleDeliveries } from '../../source-kit/source-module.ts';
import { signWorkosPayload } from './webhook.ts';
import { EVENTS_CONTENT_TYPE } from './poller.ts';

function directoryUser(id: string, org: string, email: string, state: 'active' | 'inactive', at: string) {
  return {
    object: 'directory_user',
    id,
    idp_id: `00u${id.slice(-8)}`,
    directory_id: `directory_${org.slice(4)}`,
    organization_id: org,
    first_name: email.split('.')[0],
    last_name: 'Sample',
    email,
    emails: [{ primary: true, type: 'work', value: email }],
    username: email,
    state,
    role: { slug: 'member' },
    custom_attributes: {},
    raw_attributes: {},
    created_at: at,
    updated_at: at,
  };
}

export const webhookSamples: SampleDeliveries = {
  events(nowMs) {
    const tag = randomBytes(4).toString('hex');
    const at = (minutesAgo: number) => new Date(nowMs - minutesAgo * 60_000).toISOString();
    const customerUser = `directory_user_01SAMPLE${tag}`;
    const email = `grace.${tag}@customer.example`;
    const ev = (suffix: string, event: string, data: unknown, created_at: string) =>
      JSON.stringify({ object: 'event', id: `event_01SAMPLE${tag}${suffix}`, event, data, created_at });
    return [
      {
        description: 'dsync.user.created (customer directory user provisioned)',
        body: ev('A', 'dsync.user.created', directoryUser(customerUser, 'org_01CUSTOMER', email, 'active', at(60)), at(60)),
      },
      {
        description: 'authentication.sso_succeeded (the user signs in through SSO)',
        body: ev(
          'B',
          'authentication.sso_succeeded',
          {
            type: 'sso',
            status: 'succeeded',
            ip_address: '203.0.113.7',
            user_agent: 'Mozilla/5.0',
            user_id: `user_01SAMPLE${tag}`,
            email,
            sso: { organization_id: 'org_01CUSTOMER', connection_id: 'conn_01SAMPLE', session_id: `session_01SAMPLE${tag}` },
          },
          at(30),
        ),
      },
      {
        description: 'dsync.user.deleted (the customer deprovisions the user)',
        body: ev('C', 'dsync.user.deleted', directoryUser(customerUser, 'org_01CUSTOMER', email, 'inactive', at(5)), at(5)),
      },
      {
        description: 'dsync.user.updated to inactive in the workforce directory (platform plane)',
        body: ev(
          'D',
          'dsync.user.updated',
          {
            ...directoryUser(`directory_user_01WORKFORCE${tag}`, 'org_01ACMEWORKFORCE', `alan.${tag}@acme.example`, 'inactive', at(2)),
            previous_attributes: { state: 'active' },
          },
          at(2),
        ),
      },
    ];
  },
  sign(body, secret, nowMs) {
    return { 'workos-signature': signWorkosPayload(body, secret, nowMs) };
  },
};

/** The same events as one Events API page (`GET /events`) as the poller publishes it. */
export function pageSamples(nowMs: number): { description: string; transport: 'poll'; contentType: string; body: string }[] {
  const data = webhookSamples.events(nowMs).map((d) => JSON.parse(d.body) as { id: string });
  const page = { object: 'list', data, list_metadata: { after: data.at(-1)?.id ?? null } };
  return [
    {
      description: "Events API page: the sample deliveries' events",
      transport: 'poll',
      contentType: EVENTS_CONTENT_TYPE,
      body: JSON.stringify(page),
    },
  ];
}
