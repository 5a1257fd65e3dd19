// Pure mapping: one CloudTrail record (IAM and console sign-in) -> MappedEvent[].
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/aws.md.
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
  emailOf as emailLike,
  nonBlank,
  pathOnly,
  record,
  type AttrValue,
  type MapResult,
  type SubjectDraft,
} from '../../source-kit/map-helpers.ts';
import { parseCloudTrailDate, parseIsoDate } from './dates.ts';
import { CloudTrailRecordSchema, formatIssues, type CloudTrailRecord } from './payloads.ts';

export type { MapResult };

export interface AwsMapContext {
  /** The EventBridge event's `account`, used when the record lacks recipientAccountId. */
  account?: string | null;
}

const OCSF = { ACCOUNT_CHANGE: 3001, AUTHENTICATION: 3002, ENTITY_MANAGEMENT: 3004, GROUP_MANAGEMENT: 3006 } as const;
const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

// ---------------------------------------------------------------------------------------------
// helpers

/** Attribute values are cut to this many characters. */
const MAX_ATTRIBUTE_LENGTH = 1024;
const attrs = (values: Record<string, AttrValue>): Record<string, string> => attributes(values, MAX_ATTRIBUTE_LENGTH);

/** An email shape that also refuses `/` and `:`, so that an ARN or a path is never read as an address. */
const AWS_EMAIL_SHAPE = /^[^@\s/:]+@[^@\s/:]+$/;
const emailOf = (v: unknown): string | null => emailLike(v, AWS_EMAIL_SHAPE);

const IP = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]+)$/i;

/** `arn:aws:sts::111122223333:assumed-role/Admin/ada@acme.example` -> `ada@acme.example`. */
function sessionName(arn: string | null): string | null {
  if (arn === null || !/:assumed-role\//.test(arn)) return null;
  const parts = arn.split('/');
  return parts.length >= 3 ? nonBlank(parts[parts.length - 1]) : null;
}

function actorOf(rec: CloudTrailRecord): Actor | null {
  const ui = rec.userIdentity;
  const src = nonBlank(rec.sourceIPAddress);
  const ip = src !== null && IP.test(src) ? src : null;
  const ua = nonBlank(rec.userAgent);
  if (!ui && ip === null && ua === null) return null;
  const type = nonBlank(ui?.type);
  const keyId = nonBlank(ui?.accessKeyId);
  const arn = nonBlank(ui?.arn);
  let kind: string;
  let email: string | null = null;
  switch (type) {
    case 'IAMUser':
      kind = keyId !== null && keyId.startsWith('AKIA') ? 'api_key' : 'human';
      email = emailOf(ui?.userName);
      break;
    case 'Root':
      kind = 'root';
      break;
    case 'AssumedRole':
      email = emailOf(sessionName(arn));
      kind = roleSessionIsPerson(arn, email) ? 'human' : 'service_account';
      break;
    case 'FederatedUser':
      kind = 'federated_user';
      break;
    case 'AWSService':
      kind = 'aws_service';
      break;
    case 'AWSAccount':
      kind = 'aws_account';
      break;
    case 'IdentityCenterUser':
      kind = 'human';
      break;
    default:
      kind = type !== null ? type.toLowerCase() : 'unknown';
  }
  return {
    ...emptyActor(kind),
    id: arn ?? nonBlank(ui?.principalId) ?? nonBlank(ui?.invokedBy),
    email,
    ip,
    user_agent: ua,
    credential_id: keyId,
  };
}

/**
 * Whether a role session is a person signing in rather than a workload: an IAM Identity Center
 * permission set (AWS names its roles `AWSReservedSSO_<set>_<id>`), or a session named by an email
 * address (what SAML and Identity Center federation put there for people). Anything else — a CI
 * job through web-identity federation, a service, a script — is non-human. The record itself says
 * no more than this (docs/vendors/aws.md).
 */
function roleSessionIsPerson(arn: string | null, sessionEmail: string | null): boolean {
  const role = arn?.split(':assumed-role/')[1]?.split('/')[0] ?? '';
  return role.startsWith('AWSReservedSSO_') || sessionEmail !== null;
}

/**
 * The IAM user acting, by the user name that identifies its account (the subject id of its own
 * events), when it belongs to the account the record is about: its API calls and console sessions
 * prove the account exists, even when it was created before the trail began.
 */
function actingIamUser(rec: CloudTrailRecord, tenant: string | null): string | null {
  const ui = rec.userIdentity;
  if (nonBlank(ui?.type) !== 'IAMUser') return null;
  const account = nonBlank(ui?.accountId);
  return account === null || account === tenant ? nonBlank(ui?.userName) : null;
}

const iamUser = (name: string): SubjectDraft => ({ kind: 'human', id: name, email: emailOf(name) });

/**
 * The IAM user a call acts on: the named one (request, else response). For access-key calls,
 * where IAM defaults UserName to the caller, the calling IAM user when none is named.
 */
function targetUser(rec: CloudTrailRecord, selfDefault: boolean, ...more: unknown[]): string | null {
  const req = rec.requestParameters;
  const named = nonBlank(req?.userName) ?? more.map(nonBlank).find((v) => v !== null) ?? null;
  if (named !== null) return named;
  if (selfDefault && rec.userIdentity?.type === 'IAMUser') {
    const self = nonBlank(rec.userIdentity.userName);
    if (self !== null && self !== HIDDEN) return self;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// drafts

interface Draft {
  category: Category;
  action: Action;
  subject: SubjectDraft;
  credential?: Credential | null;
  /** Authentication drafts set their own outcome; others take it from errorCode. */
  outcome?: 'success' | 'failure';
  ocsf: readonly [number | null, number | null];
  attributes: Record<string, AttrValue>;
}

type Mapper = (rec: CloudTrailRecord, failed: boolean) => Draft[] | string;

/** Subject when a failed call names no target: the event itself. */
function orEvent(rec: CloudTrailRecord, subject: SubjectDraft | null): { subject: SubjectDraft; from: string | null } {
  return subject !== null ? { subject, from: null } : { subject: { kind: 'other', id: rec.eventID }, from: 'event_id' };
}

const NEEDS_USER = 'requestParameters.userName: expected the IAM user name, received none';

function userAccount(action: 'created' | 'deleted'): Mapper {
  return (rec, failed) => {
    const user = record(rec.responseElements?.user);
    const name = targetUser(rec, false, user?.userName);
    if (name === null && !failed) return NEEDS_USER;
    const { subject, from } = orEvent(rec, name !== null ? iamUser(name) : null);
    return [
      {
        category: 'account',
        action,
        subject,
        ocsf: [OCSF.ACCOUNT_CHANGE, action === 'created' ? 1 : 6],
        attributes: {
          iam_user_id: nonBlank(user?.userId),
          iam_user_arn: nonBlank(user?.arn),
          iam_path: nonBlank(user?.path) ?? nonBlank(rec.requestParameters?.path),
          subject_from: from,
        },
      },
    ];
  };
}

function accessKeyCredential(keyId: string, owner: string | null, createdAt: number | null): Credential {
  return {
    id: keyId,
    kind: 'access_key',
    owner_id: owner,
    owner_kind: owner !== null ? 'iam_user' : null,
    scopes: [],
    created_at: createdAt,
    last_used_at: null,
  };
}

const createAccessKey: Mapper = (rec, failed) => {
  const key = record(rec.responseElements?.accessKey);
  const keyId = nonBlank(key?.accessKeyId);
  const owner = targetUser(rec, true, key?.userName);
  if (keyId === null && !failed) return 'responseElements.accessKey.accessKeyId: expected the new access key id, received none';
  if (keyId === null) {
    const { subject, from } = orEvent(rec, owner !== null ? iamUser(owner) : null);
    return [
      {
        category: 'credential',
        action: 'created',
        subject,
        ocsf: [OCSF.ENTITY_MANAGEMENT, 1],
        attributes: { credential_kind: 'access_key', subject_from: from },
      },
    ];
  }
  const rawCreate = nonBlank(key?.createDate);
  const createdAt = parseCloudTrailDate(rawCreate);
  return [
    {
      category: 'credential',
      action: 'created',
      subject: { kind: 'api_key', id: keyId },
      credential: accessKeyCredential(keyId, owner, createdAt),
      ocsf: [OCSF.ENTITY_MANAGEMENT, 1],
      attributes: {
        credential_kind: 'access_key',
        key_status: nonBlank(key?.status),
        // an unreadable createDate is kept verbatim rather than guessed
        create_date_unparsed: rawCreate !== null && createdAt === null ? rawCreate : null,
      },
    },
  ];
};

function keyOperation(op: 'update' | 'delete'): Mapper {
  return (rec, failed) => {
    const keyId = nonBlank(rec.requestParameters?.accessKeyId);
    const owner = targetUser(rec, true);
    const status = nonBlank(rec.requestParameters?.status);
    let action: Action = 'deleted';
    let activity = 4;
    if (op === 'update') {
      if (status?.toLowerCase() === 'inactive') [action, activity] = ['revoked', 11];
      else if (status?.toLowerCase() === 'active') [action, activity] = ['reactivated', 10];
      else [action, activity] = ['updated', 3];
    }
    if (keyId === null) {
      if (!failed) return 'requestParameters.accessKeyId: expected the access key id, received none';
      const { subject, from } = orEvent(rec, owner !== null ? iamUser(owner) : null);
      return [
        {
          category: 'credential',
          action,
          subject,
          ocsf: [OCSF.ENTITY_MANAGEMENT, activity],
          attributes: { credential_kind: 'access_key', key_status: status, subject_from: from },
        },
      ];
    }
    return [
      {
        category: 'credential',
        action,
        subject: { kind: 'api_key', id: keyId },
        credential: accessKeyCredential(keyId, owner, null),
        ocsf: [OCSF.ENTITY_MANAGEMENT, activity],
        attributes: { credential_kind: 'access_key', key_status: status },
      },
    ];
  };
}

function loginProfileCredential(user: string, createdAt: number | null, lastUsedAt: number | null): Credential {
  return {
    id: `${user}:login_profile`,
    kind: 'console_password',
    owner_id: user,
    owner_kind: 'iam_user',
    scopes: [],
    created_at: createdAt,
    last_used_at: lastUsedAt,
  };
}

function loginProfile(action: 'created' | 'deleted'): Mapper {
  return (rec, failed) => {
    const profile = record(rec.responseElements?.loginProfile);
    const user = targetUser(rec, false, profile?.userName);
    if (user === null && !failed) return NEEDS_USER;
    const { subject, from } = orEvent(rec, user !== null ? iamUser(user) : null);
    const reset = rec.requestParameters?.passwordResetRequired ?? profile?.passwordResetRequired;
    return [
      {
        category: 'credential',
        action,
        subject,
        credential:
          user !== null ? loginProfileCredential(user, action === 'created' ? parseCloudTrailDate(profile?.createDate) : null, null) : null,
        ocsf: [OCSF.ENTITY_MANAGEMENT, action === 'created' ? 1 : 4],
        attributes: {
          credential_kind: 'console_password',
          password_reset_required: typeof reset === 'boolean' ? reset : null,
          subject_from: from,
        },
      },
    ];
  };
}

function userPolicy(action: 'added' | 'removed'): Mapper {
  return (rec, failed) => {
    const user = targetUser(rec, false);
    if (user === null && !failed) return NEEDS_USER;
    const { subject, from } = orEvent(rec, user !== null ? iamUser(user) : null);
    return [
      {
        category: 'role',
        action,
        subject,
        ocsf: [OCSF.ACCOUNT_CHANGE, action === 'added' ? 7 : 8],
        attributes: { policy_arn: nonBlank(rec.requestParameters?.policyArn), subject_from: from },
      },
    ];
  };
}

function groupMembership(action: 'added' | 'removed'): Mapper {
  return (rec, failed) => {
    const user = nonBlank(rec.requestParameters?.userName);
    if (user === null && !failed) return NEEDS_USER;
    const { subject, from } = orEvent(rec, user !== null ? iamUser(user) : null);
    return [
      {
        category: 'membership',
        action,
        subject,
        ocsf: [OCSF.GROUP_MANAGEMENT, action === 'added' ? 3 : 4],
        attributes: { group_name: nonBlank(rec.requestParameters?.groupName), subject_from: from },
      },
    ];
  };
}

const consoleLogin: Mapper = (rec) => {
  const result = nonBlank(rec.responseElements?.ConsoleLogin);
  const failed =
    result !== null ? result.toLowerCase() !== 'success' : nonBlank(rec.errorCode) !== null || nonBlank(rec.errorMessage) !== null;
  const ui = rec.userIdentity;
  const type = nonBlank(ui?.type);
  const arn = nonBlank(ui?.arn);
  let subject: SubjectDraft | null = null;
  let from: string | null = null;
  let iamUserName: string | null = null;
  if (type === 'IAMUser') {
    const name = nonBlank(ui?.userName);
    if (name !== null && name !== HIDDEN) {
      subject = iamUser(name);
      iamUserName = name;
    }
  } else if (type === 'Root') {
    subject = { kind: 'human', id: 'root', name: 'root user' };
  } else if (arn !== null || nonBlank(ui?.principalId) !== null) {
    subject = { kind: 'human', id: arn ?? nonBlank(ui?.principalId)!, email: emailOf(sessionName(arn)) };
  }
  if (subject === null) ({ subject, from } = orEvent(rec, null));
  const extra = record(rec.additionalEventData);
  const mfaUsed = nonBlank(extra?.MFAUsed);
  const at = parseIsoDate(rec.eventTime);
  return [
    {
      category: 'authentication',
      action: failed ? 'failed' : 'succeeded',
      outcome: failed ? 'failure' : 'success',
      subject,
      credential: iamUserName !== null && !failed ? loginProfileCredential(iamUserName, null, at) : null,
      ocsf: [OCSF.AUTHENTICATION, 1],
      attributes: {
        auth_method: 'console_password',
        mfa: mfaUsed === null ? null : mfaUsed.toLowerCase() === 'yes',
        mfa_type: nonBlank(extra?.MfaType),
        login_to: pathOnly(extra?.LoginTo),
        mobile_version: nonBlank(extra?.MobileVersion),
        console_login_result: result,
        failure_reason: failed ? nonBlank(rec.errorMessage) : null,
        user_name_hidden: type === 'IAMUser' && nonBlank(ui?.userName) === HIDDEN ? true : null,
        subject_from: from,
      },
    },
  ];
};

const IAM_MAPPERS: Readonly<Record<string, Mapper>> = {
  CreateUser: userAccount('created'),
  DeleteUser: userAccount('deleted'),
  CreateAccessKey: createAccessKey,
  UpdateAccessKey: keyOperation('update'),
  DeleteAccessKey: keyOperation('delete'),
  CreateLoginProfile: loginProfile('created'),
  DeleteLoginProfile: loginProfile('deleted'),
  AttachUserPolicy: userPolicy('added'),
  DetachUserPolicy: userPolicy('removed'),
  AddUserToGroup: groupMembership('added'),
  RemoveUserFromGroup: groupMembership('removed'),
};

/** eventNames with a dedicated mapping (IAM ones only for eventSource iam.amazonaws.com). */
export const MAPPED_EVENT_NAMES: readonly string[] = [...Object.keys(IAM_MAPPERS), 'ConsoleLogin'];

const unknownEvent: Mapper = (rec) => {
  const user = nonBlank(rec.requestParameters?.userName);
  const { subject, from } = orEvent(rec, user !== null ? iamUser(user) : null);
  return [{ category: 'other', action: 'other', subject, ocsf: [null, null], attributes: { subject_from: from } }];
};

function mapperFor(rec: CloudTrailRecord): { mapper: Mapper; known: boolean } {
  const source = nonBlank(rec.eventSource)?.toLowerCase() ?? null;
  if (rec.eventName === 'ConsoleLogin' && (source === null || source === 'signin.amazonaws.com'))
    return { mapper: consoleLogin, known: true };
  if ((source === null || source === 'iam.amazonaws.com') && Object.hasOwn(IAM_MAPPERS, rec.eventName))
    return { mapper: IAM_MAPPERS[rec.eventName]!, known: true };
  return { mapper: unknownEvent, known: false };
}

/** Maps one CloudTrail record; a rejected record's reason names the field (e.g. `eventID: expected string, received undefined`). */
export function mapCloudTrailRecord(raw: unknown, ctx: AwsMapContext = {}): MapResult {
  const parsed = CloudTrailRecordSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: formatIssues(parsed.error) };
  const rec = parsed.data;
  const occurredAt = parseIsoDate(rec.eventTime);
  if (occurredAt === null) {
    return {
      ok: false,
      reason: `${rec.eventName}: eventTime: expected ISO 8601 timestamp, received ${JSON.stringify(rec.eventTime.slice(0, 64))}`,
    };
  }
  const errorCode = nonBlank(rec.errorCode);
  const failed = errorCode !== null;
  const { mapper, known } = mapperFor(rec);
  const drafts = mapper(rec, failed);
  if (typeof drafts === 'string') return { ok: false, reason: `${rec.eventName}: ${drafts}` };

  const tenant = nonBlank(rec.recipientAccountId) ?? nonBlank(ctx.account) ?? nonBlank(rec.userIdentity?.accountId);
  const actor = actorOf(rec);
  const src = nonBlank(rec.sourceIPAddress);
  const events = drafts.map((d, i): MappedEvent => {
    const isFailure = d.outcome !== undefined ? d.outcome === 'failure' : failed;
    const turnFailed = d.outcome === undefined && failed && known;
    return {
      event_id: i === 0 ? rec.eventID : `${rec.eventID}#${i + 1}`,
      tenant_id: tenant,
      category: d.category,
      action: turnFailed ? 'failed' : d.action,
      outcome: isFailure ? 'failure' : 'success',
      subject: { kind: d.subject.kind, id: d.subject.id, email: normalizeEmail(d.subject.email), name: nonBlank(d.subject.name) },
      actor,
      credential: turnFailed ? null : (d.credential ?? null),
      occurred_at: occurredAt,
      vendor_type: rec.eventName,
      ocsf_class_uid: d.ocsf[0],
      ocsf_activity_id: d.ocsf[1],
      attributes: attrs({
        ...d.attributes,
        attempted_action: turnFailed ? d.action : null,
        error_code: errorCode,
        error_message: nonBlank(rec.errorMessage),
        event_source: nonBlank(rec.eventSource),
        aws_region: nonBlank(rec.awsRegion),
        event_type: nonBlank(rec.eventType),
        request_id: nonBlank(rec.requestID),
        principal_type: nonBlank(rec.userIdentity?.type),
        actor_account_id: actingIamUser(rec, tenant),
        principal_account_id: nonBlank(rec.userIdentity?.accountId) !== tenant ? nonBlank(rec.userIdentity?.accountId) : null,
        source_ip_address: src !== null && actor?.ip !== src ? src : null,
      }),
      plane_keys: { organization_id: tenant },
    };
  });
  return { ok: true, events };
}
