// Sample deliveries for `planewatch send-sample okta`: an employee is created in the workforce
// Okta org, added to a group and signs in (one hook delivery, three events); later an admin
// deactivates them and revokes the API token they had created (a second delivery). Ids are fresh
// on every call so repeated runs add new events. Authenticated as Okta does: the hook secret as
// the Authorization header value.
import { randomBytes, randomUUID } from 'node:crypto';
import type { SampleDeliveries } from '../../source-kit/source-module.ts';
import { systemLogContentType } from './poller.ts';

const ORG = 'https://acme.okta.com';

const DISPLAY: Readonly<Record<string, string>> = {
  'user.lifecycle.create': 'Create Okta user',
  'user.lifecycle.deactivate': 'Deactivate Okta user',
  'group.user_membership.add': 'Add user to group membership',
  'user.session.start': 'User login to Okta',
  'system.api_token.create': 'Create API token',
  'system.api_token.revoke': 'Revoke API token',
};

function logEvent(eventType: string, published: string, fields: Record<string, unknown>) {
  return {
    uuid: randomUUID(),
    published,
    eventType,
    version: '0',
    severity: 'INFO',
    displayMessage: DISPLAY[eventType] ?? eventType,
    client: {
      ipAddress: '198.51.100.20',
      userAgent: { rawUserAgent: 'Mozilla/5.0 (Macintosh)', os: 'Mac OS X', browser: 'CHROME' },
      zone: 'null',
      device: 'Computer',
    },
    outcome: { result: 'SUCCESS', reason: null },
    transaction: { type: 'WEB', id: `W${randomBytes(8).toString('hex')}` },
    debugContext: { debugData: { requestId: `R${randomBytes(8).toString('hex')}` } },
    ...fields,
  };
}

function delivery(events: unknown[], at: string) {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    contentType: 'application/json',
    eventId: randomUUID(),
    eventTime: at,
    source: `${ORG}/api/v1/eventHooks/whoSAMPLE0000000000`,
    data: { events },
  });
}

export const webhookSamples: SampleDeliveries = {
  events(nowMs) {
    const tag = randomBytes(4).toString('hex');
    const at = (minutesAgo: number) => new Date(nowMs - minutesAgo * 60_000).toISOString();
    const admin = { id: '00uADMINSAMPLE', type: 'User', alternateId: 'it-admin@acme.example', displayName: 'IT Admin' };
    const user = { id: `00u${tag}SAMPLE`, type: 'User', alternateId: `grace.${tag}@acme.example`, displayName: 'Grace Sample' };
    const tokenTarget = { id: `00T${tag}SAMPLE`, type: 'Token', alternateId: 'unknown', displayName: `ci-token-${tag}` };
    return [
      {
        description: 'user.lifecycle.create + group.user_membership.add + user.session.start (one delivery)',
        body: delivery(
          [
            logEvent('user.lifecycle.create', at(90), { actor: admin, target: [user] }),
            logEvent('group.user_membership.add', at(89), {
              actor: admin,
              target: [user, { id: '00gENGINEERING', type: 'UserGroup', alternateId: 'unknown', displayName: 'Engineering' }],
            }),
            logEvent('user.session.start', at(60), {
              actor: user,
              target: null,
              authenticationContext: {
                authenticationProvider: 'OKTA_AUTHENTICATION_PROVIDER',
                credentialType: 'PASSWORD',
                externalSessionId: `102${tag}`,
              },
            }),
          ],
          at(60),
        ),
      },
      {
        description: 'system.api_token.create by the employee',
        body: delivery([logEvent('system.api_token.create', at(30), { actor: user, target: [tokenTarget] })], at(30)),
      },
      {
        description: 'user.lifecycle.deactivate + system.api_token.revoke (the employee leaves)',
        body: delivery(
          [
            logEvent('user.lifecycle.deactivate', at(5), { actor: admin, target: [user] }),
            logEvent('system.api_token.revoke', at(4), { actor: admin, target: [tokenTarget] }),
          ],
          at(4),
        ),
      },
    ];
  },
  sign(_body, secret) {
    return { authorization: secret };
  },
};

/**
 * The same events as a System Log API page (a JSON array of LogEvents) as the poller publishes it,
 * the org named in the content type: what the tests map for the poll transport.
 */
export function pageSamples(nowMs: number): { description: string; transport: 'poll'; contentType: string; body: string }[] {
  const events = webhookSamples.events(nowMs).flatMap((d) => (JSON.parse(d.body) as { data: { events: unknown[] } }).data.events);
  return [
    {
      description: "System Log page: the sample deliveries' LogEvents",
      transport: 'poll',
      contentType: systemLogContentType(new URL(ORG).host),
      body: JSON.stringify(events),
    },
  ];
}
