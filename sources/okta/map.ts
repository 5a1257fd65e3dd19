// Pure mapping: one Okta LogEvent (an event hook item or a System Log API item — the same object)
// -> MappedEvent[]. `mapOktaLogEvent` is what the System Log poller reuses.
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/okta.md.
import {
  emptyActor,
  normalizeEmail,
  type Action,
  type Actor,
  type Category,
  type Credential,
  type MappedEvent,
} from '../../core/events/identity-event.ts';
import {
  attrs as attributes,
  emailOf,
  nonBlank,
  pathOnly,
  record,
  strictIsoToMs,
  type AttrValue,
  type MapResult,
  type SubjectDraft,
  type SubjectKind,
} from '../../source-kit/map-helpers.ts';
import { formatIssues, LogEventSchema, targets, type LogEvent, type LogTarget } from './payloads.ts';

export type { MapResult };

export interface OktaMapContext {
  /** The Okta org host (e.g. `acme.okta.com`) or its URL; hook `source` or the poller's base URL. */
  org?: string | null;
  /** The hook delivery's `eventId`, kept as attributes.delivery_id. */
  deliveryId?: string | null;
}

const OCSF = { ACCOUNT_CHANGE: 3001, AUTHENTICATION: 3002, ENTITY_MANAGEMENT: 3004, USER_ACCESS: 3005, GROUP_MANAGEMENT: 3006 } as const;

// ---------------------------------------------------------------------------------------------
// helpers

/** Strict ISO 8601 date-time with zone -> epoch ms; null when unusable. */
export const isoToMs = strictIsoToMs;

/** `acme.okta.com`, `https://acme.okta.com/api/v1/eventHooks/who1` -> `acme.okta.com`; null when not a host. */
export function oktaOrgHost(v: unknown): string | null {
  const s = nonBlank(v)?.trim();
  if (!s) return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    const host = url.hostname.toLowerCase();
    return host.length > 0 && host.includes('.') ? host : null;
  } catch {
    return null;
  }
}

/** Attribute values are cut to this many characters. */
const MAX_ATTRIBUTE_LENGTH = 1024;
const attrs = (values: Record<string, AttrValue>): Record<string, string> => attributes(values, MAX_ATTRIBUTE_LENGTH);

// emailOf: an Okta alternateId (a login is usually an email) read as an email, null otherwise.
// pathOnly: a request URI without its query string (Okta puts session tokens in some).

const eq = (a: string | null | undefined, b: string): boolean => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

function findTarget(ts: LogTarget[], ...types: string[]): LogTarget | undefined {
  for (const type of types) {
    const hit = ts.find((t) => eq(t.type, type) && (usableId(t.id) !== null || nonBlank(t.alternateId) !== null));
    if (hit) return hit;
  }
  return undefined;
}

function actorKind(type: string | null): string {
  if (type === null) return 'unknown';
  if (eq(type, 'User')) return 'human';
  if (eq(type, 'SystemPrincipal')) return 'system';
  if (eq(type, 'PublicClientApp') || eq(type, 'AppInstance') || eq(type, 'Client')) return 'oauth_client';
  return type.toLowerCase();
}

const usableId = (v: unknown): string | null => {
  const s = nonBlank(v);
  return s !== null && s.toLowerCase() !== 'unknown' ? s : null;
};

function actorOf(ev: LogEvent): Actor | null {
  const a = ev.actor;
  const ip = nonBlank(ev.client?.ipAddress);
  const ua = nonBlank(ev.client?.userAgent?.rawUserAgent);
  const tokenId = nonBlank(record(ev.transaction?.detail)?.requestApiTokenId);
  if (!a && ip === null && ua === null) return null;
  return {
    ...emptyActor(actorKind(nonBlank(a?.type))),
    id: usableId(a?.id),
    email: emailOf(a?.alternateId),
    ip,
    user_agent: ua !== null && ua.toUpperCase() !== 'UNKNOWN' ? ua : null,
    credential_id: tokenId,
  };
}

function subjectFromTarget(t: LogTarget, kind: SubjectKind): SubjectDraft {
  const email = emailOf(t.alternateId);
  return { kind, id: usableId(t.id) ?? email ?? nonBlank(t.alternateId)!.trim(), email, name: nonBlank(t.displayName) };
}

/** The user an authentication/session event is about: the actor, else the attempted login. */
function userFromActor(ev: LogEvent): { subject: SubjectDraft; from: string | null } | null {
  const a = ev.actor;
  if (!a || !(eq(a.type, 'User') || a.type === null || a.type === undefined)) return null;
  const id = usableId(a.id);
  const email = emailOf(a.alternateId);
  if (id !== null) return { subject: { kind: 'human', id, email, name: nonBlank(a.displayName) }, from: null };
  const alt = email ?? nonBlank(a.alternateId)?.trim() ?? null;
  if (alt !== null && alt.toLowerCase() !== 'unknown')
    return { subject: { kind: 'human', id: alt, email, name: null }, from: 'alternate_id' };
  return null;
}

type OutcomeClass = 'success' | 'failure' | null;
function outcomeOf(ev: LogEvent): { outcome: OutcomeClass; result: string | null } {
  const result = nonBlank(ev.outcome?.result)?.toUpperCase() ?? null;
  if (result === 'SUCCESS' || result === 'ALLOW') return { outcome: 'success', result };
  if (result === 'FAILURE' || result === 'DENY') return { outcome: 'failure', result };
  return { outcome: null, result };
}

// ---------------------------------------------------------------------------------------------
// drafts

interface Draft {
  category: Category;
  action: Action;
  /** 'change': a management fact, turned into `failed` when Okta says it failed. 'auth': final as given. */
  kind: 'change' | 'auth';
  outcome?: OutcomeClass;
  subject: SubjectDraft;
  credential?: Credential | null;
  ocsf: readonly [number | null, number | null];
  attributes: Record<string, AttrValue>;
}

type Mapper = (ev: LogEvent, ts: LogTarget[]) => Draft[] | string;

const NEEDS_USER = 'target: expected an entry of type "User" with an id';

function lifecycle(action: Action, ocsfActivity: number): Mapper {
  return (ev, ts) => {
    const user = findTarget(ts, 'User');
    if (!user) return NEEDS_USER;
    return [
      {
        category: 'account',
        action,
        kind: 'change',
        subject: subjectFromTarget(user, 'human'),
        ocsf: [OCSF.ACCOUNT_CHANGE, ocsfActivity],
        attributes: { lifecycle: ev.eventType.slice('user.lifecycle.'.length) },
      },
    ];
  };
}

function authAttributes(ev: LogEvent): Record<string, AttrValue> {
  const ctx = ev.authenticationContext;
  return {
    credential_type: nonBlank(ctx?.credentialType),
    authentication_provider: nonBlank(ctx?.authenticationProvider),
    credential_provider: nonBlank(ctx?.credentialProvider),
    interface: nonBlank(ctx?.interface),
    session_id: usableId(ctx?.externalSessionId),
    network_zone: nonBlank(ev.client?.zone) !== 'null' ? nonBlank(ev.client?.zone) : null,
  };
}

function sessionEvent(which: 'start' | 'end'): Mapper {
  return (ev) => {
    const who = userFromActor(ev);
    const subject: SubjectDraft = who?.subject ?? { kind: 'other', id: ev.uuid };
    const { outcome } = outcomeOf(ev);
    const common = { ...authAttributes(ev), subject_from: who ? who.from : 'event_id' };
    if (which === 'end') {
      return [{ category: 'session', action: 'ended', kind: 'change', subject, ocsf: [OCSF.AUTHENTICATION, 2], attributes: common }];
    }
    const category: Category = outcome === 'failure' ? 'authentication' : 'session';
    const action: Action = outcome === 'success' ? 'succeeded' : outcome === 'failure' ? 'failed' : 'other';
    return [{ category, action, kind: 'auth', outcome, subject, ocsf: [OCSF.AUTHENTICATION, 1], attributes: common }];
  };
}

const AUTH_METHODS: Readonly<Record<string, string>> = {
  sso: 'sso',
  auth_via_mfa: 'mfa',
  auth_via_idp: 'idp',
  auth_via_social: 'social',
  auth_via_radius: 'radius',
  auth_via_richclient: 'rich_client',
  auth_via_iwa: 'iwa',
  auth_via_ad_agent: 'ad_agent',
  auth_via_ldap_agent: 'ldap_agent',
};

const authentication: Mapper = (ev, ts) => {
  const suffix = ev.eventType.slice('user.authentication.'.length).toLowerCase();
  const who = userFromActor(ev);
  const target = who ? undefined : findTarget(ts, 'User', 'AppUser');
  const subject: SubjectDraft = who?.subject ?? (target ? subjectFromTarget(target, 'human') : { kind: 'other', id: ev.uuid });
  const { outcome } = outcomeOf(ev);
  const method = Object.hasOwn(AUTH_METHODS, suffix) ? AUTH_METHODS[suffix]! : suffix;
  const mfa = suffix === 'auth_via_mfa' || eq(nonBlank(ev.authenticationContext?.authenticationProvider), 'FACTOR_PROVIDER');
  const app = findTarget(ts, 'AppInstance');
  return [
    {
      category: 'authentication',
      action: outcome === 'success' ? 'succeeded' : outcome === 'failure' ? 'failed' : 'other',
      kind: 'auth',
      outcome,
      subject,
      ocsf: [OCSF.AUTHENTICATION, 1],
      attributes: {
        ...authAttributes(ev),
        auth_method: method,
        mfa: mfa ? 'true' : null,
        app_instance_id: nonBlank(app?.id),
        app_name: nonBlank(app?.displayName),
        subject_from: who ? who.from : target ? 'target' : 'event_id',
      },
    },
  ];
};

function groupMembership(action: 'added' | 'removed'): Mapper {
  return (_ev, ts) => {
    const user = findTarget(ts, 'User');
    if (!user) return NEEDS_USER;
    const group = findTarget(ts, 'UserGroup', 'Group');
    return [
      {
        category: 'membership',
        action,
        kind: 'change',
        subject: subjectFromTarget(user, 'human'),
        ocsf: [OCSF.GROUP_MANAGEMENT, action === 'added' ? 3 : 4],
        attributes: { group_id: nonBlank(group?.id), group_name: nonBlank(group?.displayName) },
      },
    ];
  };
}

function appMembership(action: 'added' | 'removed'): Mapper {
  return (_ev, ts) => {
    const user = findTarget(ts, 'User');
    const appUser = findTarget(ts, 'AppUser');
    const who = user ?? appUser;
    if (!who) return 'target: expected an entry of type "User" or "AppUser" with an id';
    const app = findTarget(ts, 'AppInstance');
    return [
      {
        category: 'membership',
        action,
        kind: 'change',
        subject: subjectFromTarget(who, 'human'),
        ocsf: [OCSF.USER_ACCESS, action === 'added' ? 1 : 2],
        attributes: {
          app_instance_id: nonBlank(app?.id),
          app_name: nonBlank(app?.displayName),
          app_user_id: nonBlank(appUser?.id),
          subject_from: user ? null : 'app_user',
        },
      },
    ];
  };
}

function privilege(action: 'added' | 'removed'): Mapper {
  return (ev, ts) => {
    const user = findTarget(ts, 'User');
    if (!user) return NEEDS_USER;
    const debug = record(ev.debugContext?.debugData);
    const priv = action === 'added' ? debug?.privilegeGranted : debug?.privilegeRevoked;
    return [
      {
        category: 'role',
        action,
        kind: 'change',
        subject: subjectFromTarget(user, 'human'),
        ocsf: [OCSF.USER_ACCESS, action === 'added' ? 1 : 2],
        attributes: { privilege: nonBlank(priv) },
      },
    ];
  };
}

function apiToken(action: 'created' | 'revoked'): Mapper {
  return (ev, ts) => {
    const token = ts.find((t) => /token/i.test(t.type ?? '') && nonBlank(t.id) !== null);
    if (!token) return 'target: expected an entry of type "Token" (the API token) with an id';
    const tokenId = nonBlank(token.id)!;
    const creator = action === 'created' && eq(nonBlank(ev.actor?.type), 'User') ? usableId(ev.actor?.id) : null;
    return [
      {
        category: 'credential',
        action,
        kind: 'change',
        subject: { kind: 'api_key', id: tokenId, name: nonBlank(token.displayName) },
        credential: {
          id: tokenId,
          kind: 'idp_api_token',
          owner_id: creator,
          owner_kind: creator !== null ? 'human' : null,
          scopes: [],
          created_at: action === 'created' ? isoToMs(ev.published) : null,
          last_used_at: null,
        },
        ocsf: [OCSF.ENTITY_MANAGEMENT, action === 'created' ? 1 : 4],
        attributes: {
          credential_kind: 'idp_api_token',
          token_name: nonBlank(token.displayName),
          owner_from: creator !== null ? 'actor' : null,
        },
      },
    ];
  };
}

const CLIENT_TYPES = ['AppInstance', 'PublicClientApp', 'Client', 'OAuth2Client', 'App'];

function oauthCredential(action: Action, ocsfActivity: number, usage: string | null = null): Mapper {
  return (ev, ts) => {
    const client = findTarget(ts, ...CLIENT_TYPES);
    const secret = ts.find(
      (t) => nonBlank(t.id) !== null && !CLIENT_TYPES.some((c) => eq(t.type, c)) && /secret|credential|jwk|key/i.test(t.type ?? ''),
    );
    const clientId = nonBlank(client?.id);
    if (!secret && clientId === null) {
      return 'target: expected the OAuth client (type AppInstance / PublicClientApp) or its secret / key with an id';
    }
    const credId = secret ? nonBlank(secret.id)! : `${clientId}:client_secret`;
    return [
      {
        category: 'credential',
        action,
        kind: 'change',
        subject: { kind: 'api_key', id: credId, name: nonBlank(secret?.displayName) ?? nonBlank(client?.displayName) },
        credential: {
          id: credId,
          kind: 'oauth_secret',
          owner_id: clientId,
          owner_kind: clientId !== null ? 'oauth_client' : null,
          scopes: [],
          created_at: action === 'created' ? isoToMs(ev.published) : null,
          last_used_at: null,
        },
        ocsf: [OCSF.ENTITY_MANAGEMENT, ocsfActivity],
        attributes: {
          credential_kind: 'oauth_secret',
          credential_type: nonBlank(secret?.type),
          client_id: clientId,
          client_name: nonBlank(client?.displayName),
          usage,
          credential_id_from: secret ? null : 'client',
        },
      },
    ];
  };
}

function subjectKindForTarget(type: string | null | undefined): SubjectKind {
  if (eq(type, 'User') || eq(type, 'AppUser')) return 'human';
  if (eq(type, 'UserGroup') || eq(type, 'Group')) return 'group';
  if (/token/i.test(type ?? '')) return 'api_key';
  return 'other';
}

const unknownEvent: Mapper = (ev, ts) => {
  const first = ts.find((t) => usableId(t.id) !== null || nonBlank(t.alternateId) !== null);
  const who = first ? null : userFromActor(ev);
  const subject: SubjectDraft = first
    ? subjectFromTarget(first, subjectKindForTarget(first.type))
    : (who?.subject ?? { kind: 'other', id: ev.uuid });
  return [
    {
      category: 'other',
      action: 'other',
      kind: 'auth', // keeps action 'other' whatever the outcome; outcome still recorded
      outcome: outcomeOf(ev).outcome,
      subject,
      ocsf: [null, null],
      attributes: { target_type: nonBlank(first?.type), subject_from: first ? 'target' : who ? 'actor' : 'event_id' },
    },
  ];
};

const MAPPERS: Readonly<Record<string, Mapper>> = {
  'user.lifecycle.create': lifecycle('created', 1),
  'user.lifecycle.activate': lifecycle('reactivated', 2),
  'user.lifecycle.reactivate': lifecycle('reactivated', 2),
  'user.lifecycle.unsuspend': lifecycle('reactivated', 2),
  'user.lifecycle.deactivate': lifecycle('suspended', 5),
  'user.lifecycle.suspend': lifecycle('suspended', 5),
  'user.lifecycle.delete.initiated': lifecycle('deleted', 6),
  'user.lifecycle.delete.completed': lifecycle('deleted', 6),
  'user.session.start': sessionEvent('start'),
  'user.session.end': sessionEvent('end'),
  'group.user_membership.add': groupMembership('added'),
  'group.user_membership.remove': groupMembership('removed'),
  'application.user_membership.add': appMembership('added'),
  'application.user_membership.remove': appMembership('removed'),
  'user.account.privilege.grant': privilege('added'),
  'user.account.privilege.revoke': privilege('removed'),
  'system.api_token.create': apiToken('created'),
  'system.api_token.revoke': apiToken('revoked'),
  'app.oauth2.credentials.lifecycle.create': oauthCredential('created', 1),
  'app.oauth2.credentials.lifecycle.activate': oauthCredential('activated', 10),
  'app.oauth2.credentials.lifecycle.deactivate': oauthCredential('revoked', 11),
  'app.oauth2.credentials.lifecycle.delete': oauthCredential('deleted', 4),
  'app.oauth2.client.read_client_secret': oauthCredential('used', 2, 'secret_read'),
};

/** Event types with a dedicated mapping (user.authentication.* and app.oauth2.* secret types match by pattern too). */
export const MAPPED_EVENT_TYPES: readonly string[] = Object.keys(MAPPERS);

function mapperFor(type: string): Mapper | null {
  if (Object.hasOwn(MAPPERS, type)) return MAPPERS[type]!;
  if (type.startsWith('user.authentication.') && type.length > 'user.authentication.'.length) return authentication;
  if (type.startsWith('app.oauth2.') && /secret|credential/i.test(type)) return oauthCredential('other', 99);
  return null;
}

function orgFromDebug(ev: LogEvent): string | null {
  const debug = record(ev.debugContext?.debugData);
  for (const key of ['url', 'requestUri']) {
    const v = nonBlank(debug?.[key]);
    if (v !== null && /^https?:\/\//i.test(v)) return oktaOrgHost(v);
  }
  return null;
}

/**
 * Maps one LogEvent. `raw` is validated here (the poller hands System Log items as they came);
 * a rejected item's reason names the field, e.g. `uuid: expected string, received undefined`.
 */
export function mapOktaLogEvent(raw: unknown, ctx: OktaMapContext = {}): MapResult {
  const parsed = LogEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: formatIssues(parsed.error) };
  const ev = parsed.data;
  const occurredAt = isoToMs(ev.published);
  if (occurredAt === null) {
    return {
      ok: false,
      reason: `${ev.eventType}: published: expected ISO 8601 timestamp, received ${JSON.stringify(ev.published.slice(0, 64))}`,
    };
  }
  const ts = targets(ev);
  const drafts = (mapperFor(ev.eventType) ?? unknownEvent)(ev, ts);
  if (typeof drafts === 'string') return { ok: false, reason: `${ev.eventType}: ${drafts}` };

  const org = oktaOrgHost(ctx.org) ?? orgFromDebug(ev);
  const actor = actorOf(ev);
  const { outcome: result, result: resultText } = outcomeOf(ev);
  const debug = record(ev.debugContext?.debugData);

  const events = drafts.map((d, i): MappedEvent => {
    let action = d.action;
    let outcome: OutcomeClass = d.kind === 'auth' ? (d.outcome ?? null) : result;
    let attempted: string | null = null;
    if (d.kind === 'change' && result === 'failure') {
      attempted = d.action;
      action = 'failed';
      outcome = 'failure';
    }
    return {
      event_id: i === 0 ? ev.uuid : `${ev.uuid}#${i + 1}`,
      tenant_id: org,
      category: d.category,
      action,
      outcome,
      subject: { kind: d.subject.kind, id: d.subject.id, email: normalizeEmail(d.subject.email), name: nonBlank(d.subject.name) },
      actor,
      credential: d.credential ?? null,
      occurred_at: occurredAt,
      vendor_type: ev.eventType,
      ocsf_class_uid: d.ocsf[0],
      ocsf_activity_id: d.ocsf[1],
      attributes: attrs({
        ...d.attributes,
        attempted_action: attempted,
        outcome_result: resultText !== null && result === null ? resultText : null,
        outcome_reason: nonBlank(ev.outcome?.reason),
        actor_type: nonBlank(ev.actor?.type),
        actor_display_name: usableId(ev.actor?.displayName),
        display_message: nonBlank(ev.displayMessage),
        severity: nonBlank(ev.severity),
        legacy_event_type: nonBlank(ev.legacyEventType),
        transaction_id: nonBlank(ev.transaction?.id),
        request_id: nonBlank(debug?.requestId),
        request_uri: pathOnly(debug?.requestUri),
        delivery_id: nonBlank(ctx.deliveryId),
      }),
      plane_keys: { organization_id: org },
    };
  });
  return { ok: true, events };
}
