// Okta LogEvents (the same object in event hook deliveries and System Log pages: Okta's LogEvent
// reference), the event hook delivery envelope (CloudEvents 0.1: eventType com.okta.event_hook,
// source = https://{org}/api/v1/eventHooks/{hookId}, data.events[]), and a System Log page (a JSON
// array of LogEvents; the poller names the org in the content type: sources/okta/poller.ts).
import { systemLogContentType } from '../../../../sources/okta/poller.ts';
import { envelope, iso } from './common.ts';
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';

export interface OktaUser {
  /** Okta user id, e.g. 00u1abcd… */
  id: string;
  login: string;
  name: string;
}

let counter = 0;
/** A deterministic LogEvent uuid. */
export function oktaUuid(prefix: string): string {
  counter++;
  const hex = (prefix + counter.toString(16))
    .split('')
    .map((c) => c.charCodeAt(0).toString(16))
    .join('')
    .slice(-12)
    .padStart(12, '0');
  return `${counter.toString(16).padStart(8, '0')}-${prefix.length.toString(16).padStart(4, '0')}-11ef-8000-${hex}`;
}

const ua = {
  rawUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0',
  os: 'Mac OS X',
  browser: 'CHROME',
};

function userRef(u: OktaUser) {
  return { id: u.id, type: 'User', alternateId: u.login, displayName: u.name, detailEntry: null };
}

/** An admin's user.lifecycle.* on `target` (create, activate, deactivate, suspend, unsuspend, reactivate, delete.initiated). */
export function lifecycle(uuid: string, verb: string, at: number, admin: OktaUser, target: OktaUser): Record<string, unknown> {
  return {
    uuid,
    published: iso(at),
    eventType: `user.lifecycle.${verb}`,
    version: '0',
    severity: 'INFO',
    displayMessage: `${verb} Okta user`,
    actor: userRef(admin),
    client: { ipAddress: '203.0.113.5', userAgent: ua, zone: 'null', device: 'Computer' },
    outcome: { result: 'SUCCESS', reason: null },
    target: [userRef(target)],
    transaction: { type: 'WEB', id: `tx-${uuid.slice(0, 8)}`, detail: {} },
    debugContext: { debugData: { requestId: `req-${uuid.slice(0, 8)}`, requestUri: `/api/v1/users/${target.id}/lifecycle/${verb}` } },
    authenticationContext: { authenticationStep: 0, externalSessionId: `trs${uuid.slice(0, 8)}` },
  };
}

/** user.session.start of `user` (the actor signs in); outcome FAILURE for a refused sign-in. */
export function sessionStart(
  uuid: string,
  at: number,
  user: OktaUser,
  outcome: 'SUCCESS' | 'FAILURE' = 'SUCCESS',
): Record<string, unknown> {
  return {
    uuid,
    published: iso(at),
    eventType: 'user.session.start',
    version: '0',
    severity: outcome === 'SUCCESS' ? 'INFO' : 'WARN',
    displayMessage: 'User login to Okta',
    actor: userRef(user),
    client: { ipAddress: '198.51.100.23', userAgent: ua, zone: 'null', device: 'Computer' },
    outcome: { result: outcome, reason: outcome === 'SUCCESS' ? null : 'INVALID_CREDENTIALS' },
    target: [],
    transaction: { type: 'WEB', id: `tx-${uuid.slice(0, 8)}`, detail: {} },
    debugContext: { debugData: { requestId: `req-${uuid.slice(0, 8)}`, requestUri: '/idp/idx/identify' } },
    authenticationContext: {
      authenticationStep: 0,
      externalSessionId: `idx${uuid.slice(0, 8)}`,
      credentialType: 'PASSWORD',
      interface: 'Okta Identity Engine',
    },
  };
}

/** An event hook delivery from `org` carrying `events`. */
export function hookDelivery(org: string, hookId: string, deliveryId: string, at: number, events: Record<string, unknown>[]): string {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    contentType: 'application/json',
    eventId: deliveryId,
    eventTime: iso(at),
    source: `https://${org}/api/v1/eventHooks/${hookId}`,
    data: { events },
  });
}

export function hookEnvelope(
  connection: string,
  org: string,
  hookId: string,
  deliveryId: string,
  receivedAt: number,
  events: Record<string, unknown>[],
): RawEnvelope {
  return envelope('okta', connection, 'webhook', 'application/json', hookDelivery(org, hookId, deliveryId, receivedAt, events), receivedAt);
}

/** One System Log API page (what the poller publishes): the events' JSON array. */
export function systemLogEnvelope(connection: string, org: string, receivedAt: number, events: Record<string, unknown>[]): RawEnvelope {
  return envelope('okta', connection, 'poll', systemLogContentType(org), JSON.stringify(events), receivedAt);
}
