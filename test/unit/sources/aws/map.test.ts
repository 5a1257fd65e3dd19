import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MappedEvent } from '../../../../core/events/identity-event.ts';
import type { NormalizeOutcome } from '../../../../source-kit/source-module.ts';
import { aws } from '../../../../sources/aws/index.ts';
import { checkAwsBody } from '../../../../sources/aws/webhook.ts';
import { MAPPED_EVENT_NAMES } from '../../../../sources/aws/map.ts';
import {
  assertNormalizeProperty,
  completer,
  expectOneValidEvent,
  mutatedFixture,
  vendorFixtures,
  webhookInput,
} from '../../../helpers/map-cases.ts';

const fx = vendorFixtures('aws');
const fixtureFiles = fx.files;
const fixture = (name: string): Record<string, unknown> => fx.json(name);

function normalize(body: unknown): NormalizeOutcome {
  return aws.normalize(webhookInput(body));
}
const complete = completer('platform', 'aws');
const bridge = (detail: unknown, detailType = 'AWS API Call via CloudTrail') => ({
  version: '0',
  id: '6f2b0000-0000-4000-8000-0000000000ee',
  'detail-type': detailType,
  source: 'aws.iam',
  account: '111122223333',
  time: '2025-03-01T10:00:05Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

function mapOne(name: string, via: 'logfile' | 'eventbridge'): MappedEvent {
  const rec = fixture(name);
  const out = normalize(
    via === 'logfile'
      ? { Records: [rec] }
      : bridge(rec, name.startsWith('ConsoleLogin') ? 'AWS Console Sign In via CloudTrail' : 'AWS API Call via CloudTrail'),
  );
  return expectOneValidEvent(complete, out);
}

const ACCT = '111122223333';
const eventId = (n: number) => `3c1b9f00-0000-4000-8000-${String(n).padStart(12, '0')}`;
const at = (minute: number) => 1740823200000 + minute * 60_000; // 2025-03-01T10:MM:00Z
const ADMIN_ACTOR = {
  kind: 'human',
  id: `arn:aws:iam::${ACCT}:user/ada.admin@acme.example`,
  email: 'ada.admin@acme.example',
  ip: '203.0.113.7',
  user_agent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1',
  credential_id: 'ASIAADMINSESSION0001',
};
const CI_ACTOR = {
  kind: 'api_key',
  id: `arn:aws:iam::${ACCT}:user/svc-ci`,
  email: null,
  ip: '203.0.113.7',
  user_agent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.1',
  credential_id: 'AKIACIEXAMPLE0000001',
};
const GRACE = { kind: 'human', id: 'Grace.Hopper@Acme.example', email: 'grace.hopper@acme.example', name: null };
const SVC_CI = { kind: 'human', id: 'svc-ci', email: null, name: null };
const NEW_KEY = { kind: 'api_key', id: 'AKIANEWEXAMPLE000001', email: null, name: null };
const keyCred = (id: string, createdAt: number | null) => ({
  id,
  kind: 'access_key',
  owner_id: 'svc-ci',
  owner_kind: 'iam_user',
  scopes: [],
  created_at: createdAt,
  last_used_at: null,
});

interface Expected {
  n: number;
  minute: number;
  category: string;
  action: string;
  outcome: 'success' | 'failure';
  subject: Record<string, unknown>;
  ocsf: [number | null, number | null];
  actor?: Record<string, unknown>;
  credential?: Record<string, unknown> | null;
  attributes?: Record<string, string>;
  absent?: string[];
}

const CASES: Record<string, Expected> = {
  CreateUser: {
    n: 1,
    minute: 0,
    category: 'account',
    action: 'created',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3001, 1],
    actor: ADMIN_ACTOR,
    attributes: {
      iam_user_id: 'AIDAGRACEEXAMPLE0001',
      iam_user_arn: `arn:aws:iam::${ACCT}:user/engineering/Grace.Hopper@Acme.example`,
      iam_path: '/engineering/',
      event_source: 'iam.amazonaws.com',
      principal_type: 'IAMUser',
    },
  },
  CreateAccessKey: {
    n: 2,
    minute: 1,
    category: 'credential',
    action: 'created',
    outcome: 'success',
    subject: NEW_KEY,
    ocsf: [3004, 1],
    actor: ADMIN_ACTOR,
    credential: keyCred('AKIANEWEXAMPLE000001', at(1)),
    attributes: { credential_kind: 'access_key', key_status: 'Active' },
  },
  'CreateAccessKey.self': {
    n: 3,
    minute: 2,
    category: 'credential',
    action: 'created',
    outcome: 'success',
    subject: { kind: 'api_key', id: 'AKIASELFEXAMPLE00001', email: null, name: null },
    ocsf: [3004, 1],
    actor: CI_ACTOR,
    credential: keyCred('AKIASELFEXAMPLE00001', Date.UTC(2025, 2, 1, 12, 2, 3)),
  },
  'UpdateAccessKey.inactive': {
    n: 4,
    minute: 3,
    category: 'credential',
    action: 'revoked',
    outcome: 'success',
    subject: NEW_KEY,
    ocsf: [3004, 11],
    credential: keyCred('AKIANEWEXAMPLE000001', null),
    attributes: { key_status: 'Inactive' },
  },
  'UpdateAccessKey.active': {
    n: 5,
    minute: 4,
    category: 'credential',
    action: 'reactivated',
    outcome: 'success',
    subject: NEW_KEY,
    ocsf: [3004, 10],
    credential: keyCred('AKIANEWEXAMPLE000001', null),
    attributes: { key_status: 'Active' },
  },
  DeleteAccessKey: {
    n: 6,
    minute: 5,
    category: 'credential',
    action: 'deleted',
    outcome: 'success',
    subject: NEW_KEY,
    ocsf: [3004, 4],
    credential: keyCred('AKIANEWEXAMPLE000001', null),
  },
  CreateLoginProfile: {
    n: 7,
    minute: 6,
    category: 'credential',
    action: 'created',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3004, 1],
    credential: {
      id: 'Grace.Hopper@Acme.example:login_profile',
      kind: 'console_password',
      owner_id: 'Grace.Hopper@Acme.example',
      owner_kind: 'iam_user',
      scopes: [],
      created_at: at(6),
      last_used_at: null,
    },
    attributes: { credential_kind: 'console_password', password_reset_required: 'true' },
  },
  AttachUserPolicy: {
    n: 8,
    minute: 7,
    category: 'role',
    action: 'added',
    outcome: 'success',
    subject: SVC_CI,
    ocsf: [3001, 7],
    attributes: { policy_arn: 'arn:aws:iam::aws:policy/AmazonBedrockFullAccess' },
  },
  DeleteUser: {
    n: 9,
    minute: 8,
    category: 'account',
    action: 'deleted',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3001, 6],
    actor: ADMIN_ACTOR,
  },
  'ConsoleLogin.success': {
    n: 10,
    minute: 10,
    category: 'authentication',
    action: 'succeeded',
    outcome: 'success',
    subject: GRACE,
    ocsf: [3002, 1],
    actor: {
      kind: 'human',
      id: `arn:aws:iam::${ACCT}:user/engineering/Grace.Hopper@Acme.example`,
      email: 'grace.hopper@acme.example',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Chrome/124.0',
      credential_id: null,
    },
    credential: {
      id: 'Grace.Hopper@Acme.example:login_profile',
      kind: 'console_password',
      owner_id: 'Grace.Hopper@Acme.example',
      owner_kind: 'iam_user',
      scopes: [],
      created_at: null,
      last_used_at: at(10),
    },
    attributes: {
      mfa: 'true',
      mfa_type: 'Virtual MFA',
      login_to: 'https://console.aws.amazon.com/console/home',
      console_login_result: 'Success',
      event_source: 'signin.amazonaws.com',
    },
  },
  'ConsoleLogin.failure': {
    n: 11,
    minute: 11,
    category: 'authentication',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'other', id: eventId(11), email: null, name: null },
    ocsf: [3002, 1],
    attributes: {
      mfa: 'false',
      failure_reason: 'No username found in supplied account',
      user_name_hidden: 'true',
      subject_from: 'event_id',
      console_login_result: 'Failure',
    },
  },
  'ConsoleLogin.assumed-role': {
    n: 12,
    minute: 12,
    category: 'authentication',
    action: 'succeeded',
    outcome: 'success',
    subject: {
      kind: 'human',
      id: `arn:aws:sts::${ACCT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/Lee.Ver@Acme.example`,
      email: 'lee.ver@acme.example',
      name: null,
    },
    ocsf: [3002, 1],
    actor: {
      kind: 'human',
      id: `arn:aws:sts::${ACCT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/Lee.Ver@Acme.example`,
      email: 'lee.ver@acme.example',
      ip: '203.0.113.7',
      user_agent: 'Mozilla/5.0',
      credential_id: null,
    },
    attributes: { mfa: 'false', principal_type: 'AssumedRole' },
  },
  'CreateUser.access-denied': {
    n: 13,
    minute: 13,
    category: 'account',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'other', id: eventId(13), email: null, name: null },
    ocsf: [3001, 1],
    actor: CI_ACTOR,
    attributes: { attempted_action: 'created', error_code: 'AccessDenied', subject_from: 'event_id' },
  },
  'DeleteAccessKey.no-such-entity': {
    n: 14,
    minute: 14,
    category: 'credential',
    action: 'failed',
    outcome: 'failure',
    subject: { kind: 'api_key', id: 'AKIAGONEEXAMPLE00001', email: null, name: null },
    ocsf: [3004, 4],
    attributes: { attempted_action: 'deleted', error_code: 'NoSuchEntityException' },
  },
  ListUsers: {
    n: 15,
    minute: 15,
    category: 'other',
    action: 'other',
    outcome: 'success',
    subject: { kind: 'other', id: eventId(15), email: null, name: null },
    ocsf: [null, null],
    actor: CI_ACTOR,
  },
  'CreateUser.quicksight': {
    n: 16,
    minute: 16,
    category: 'other',
    action: 'other',
    outcome: 'success',
    subject: { kind: 'human', id: 'analyst', email: null, name: null },
    ocsf: [null, null],
    attributes: { event_source: 'quicksight.amazonaws.com' },
  },
};

describe('CloudTrail mapping per event (log file and EventBridge give the same event)', () => {
  it('has a literal case for every fixture', () => {
    expect(
      Object.keys(CASES)
        .map((k) => `${k}.json`)
        .sort(),
    ).toEqual(fixtureFiles);
  });

  for (const [name, exp] of Object.entries(CASES)) {
    it(name, () => {
      const ev = mapOne(name, 'logfile');
      expect({
        event_id: ev.event_id,
        tenant_id: ev.tenant_id,
        category: ev.category,
        action: ev.action,
        outcome: ev.outcome,
        subject: ev.subject,
        occurred_at: ev.occurred_at,
        ocsf: [ev.ocsf_class_uid, ev.ocsf_activity_id],
        vendor_type: ev.vendor_type,
        plane_keys: ev.plane_keys,
      }).toEqual({
        event_id: eventId(exp.n),
        tenant_id: ACCT,
        category: exp.category,
        action: exp.action,
        outcome: exp.outcome,
        subject: exp.subject,
        occurred_at: at(exp.minute),
        ocsf: exp.ocsf,
        vendor_type: fixture(name).eventName,
        plane_keys: { organization_id: ACCT },
      });
      if (exp.actor) expect(ev.actor).toEqual(exp.actor);
      if (exp.credential !== undefined) expect(ev.credential).toEqual(exp.credential);
      else expect(ev.credential).toBeNull();
      if (exp.attributes) expect(ev.attributes).toMatchObject(exp.attributes);
      for (const key of exp.absent ?? []) expect(ev.attributes).not.toHaveProperty(key);
      expect(mapOne(name, 'eventbridge')).toEqual(ev);
    });
  }
});

describe('CloudTrail deliveries', () => {
  it('maps every record of a log file and rejects only the bad ones, naming the field', () => {
    const noId = fixture('DeleteUser');
    delete noId.eventID;
    const badTime = { ...fixture('AttachUserPolicy'), eventTime: 'Mar 1, 2025 10:07:00 AM' };
    const noKeyId = { ...fixture('DeleteAccessKey'), requestParameters: { userName: 'svc-ci' } };
    const noUser = { ...fixture('CreateUser'), requestParameters: null, responseElements: null };
    const out = normalize({
      Records: [
        fixture('CreateAccessKey'),
        noId,
        badTime,
        fixture('UpdateAccessKey.inactive'),
        noKeyId,
        noUser,
        7,
        fixture('ConsoleLogin.success'),
      ],
    });
    expect(out.events.map((e) => [e.event_id, e.vendor_type, e.action])).toEqual([
      [eventId(2), 'CreateAccessKey', 'created'],
      [eventId(4), 'UpdateAccessKey', 'revoked'],
      [eventId(10), 'ConsoleLogin', 'succeeded'],
    ]);
    expect(out.rejected.map((r) => r.reason)).toEqual([
      'Records[1]: eventID: expected string, received undefined',
      'Records[2]: AttachUserPolicy: eventTime: expected ISO 8601 timestamp, received "Mar 1, 2025 10:07:00 AM"',
      'Records[4]: DeleteAccessKey: requestParameters.accessKeyId: expected the access key id, received none',
      'Records[5]: CreateUser: requestParameters.userName: expected the IAM user name, received none',
      'Records[6]: (body): expected object, received number',
    ]);
    expect(out.rejected[0]!.item).toEqual(noId);
  });

  it('keeps a createDate it cannot read verbatim instead of guessing', () => {
    const rec = fixture('CreateAccessKey');
    (rec.responseElements as { accessKey: Record<string, unknown> }).accessKey.createDate = '01.03.2025 10:01';
    const [ev] = normalize({ Records: [rec] }).events;
    expect(ev!.credential?.created_at).toBeNull();
    expect(ev!.attributes.create_date_unparsed).toBe('01.03.2025 10:01');
  });

  it('takes the tenant from the EventBridge account when the record has no recipientAccountId', () => {
    const rec = { ...fixture('DeleteUser') };
    delete rec.recipientAccountId;
    const [ev] = normalize({ ...bridge(rec), account: '444455556666' }).events;
    expect(ev!.tenant_id).toBe('444455556666');
    expect(ev!.attributes.principal_account_id).toBe(ACCT);
  });

  it('throws a described error for a body that is neither shape; checkBody answers 400 for it', () => {
    expect(() => normalize('{"Records": ')).toThrow(/^AWS body is not valid JSON: /);
    expect(() => normalize({ Records: {} })).toThrow(
      'AWS CloudTrail delivery is invalid: CloudTrail log file: Records: expected array, received object',
    );
    expect(() => normalize(bridge({}, 'EC2 Instance State-change Notification'))).toThrow(
      'AWS CloudTrail delivery is invalid: detail-type: expected a CloudTrail detail-type ("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"), received "EC2 Instance State-change Notification"',
    );
    expect(() => normalize({ ...bridge({}), detail: 'x' })).toThrow(
      'AWS CloudTrail delivery is invalid: EventBridge event: detail: expected object, received string',
    );
    expect(() => normalize([])).toThrow(
      'AWS CloudTrail delivery is invalid: body: expected a JSON object (a CloudTrail log file {"Records":[…]} or an EventBridge event), received array',
    );
    expect(checkAwsBody(Buffer.from('{"Records":[]}'))).toBeNull();
    expect(checkAwsBody(Buffer.from(JSON.stringify(bridge(fixture('DeleteUser')))))).toBeNull();
    expect(checkAwsBody(Buffer.from('{"eventName":"CreateUser"}'))).toBe(
      'body: expected "Records" (a CloudTrail log file) or "detail-type" and "detail" (an EventBridge event), found neither',
    );
  });
});

describe('CloudTrail normalize: property', () => {
  const mutated = mutatedFixture(fx.all()) as fc.Arbitrary<unknown>;
  const recordLike = fc.record(
    {
      eventID: fc.oneof(fc.uuid(), fc.jsonValue()),
      eventName: fc.oneof(fc.constantFrom(...MAPPED_EVENT_NAMES), fc.string(), fc.jsonValue()),
      eventSource: fc.oneof(fc.constantFrom('iam.amazonaws.com', 'signin.amazonaws.com', 's3.amazonaws.com'), fc.jsonValue()),
      eventTime: fc.oneof(
        fc.date({ noInvalidDate: true, min: new Date(0) }).map((d) => d.toISOString()),
        fc.string(),
        fc.jsonValue(),
      ),
      userIdentity: fc.oneof(
        fc.record(
          {
            type: fc.oneof(fc.constantFrom('IAMUser', 'Root', 'AssumedRole', 'AWSService'), fc.jsonValue()),
            arn: fc.jsonValue(),
            userName: fc.jsonValue(),
            accessKeyId: fc.oneof(fc.constantFrom('AKIAX', 'ASIAX', ''), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      requestParameters: fc.oneof(
        fc.record(
          {
            userName: fc.jsonValue(),
            accessKeyId: fc.jsonValue(),
            status: fc.oneof(fc.constantFrom('Active', 'Inactive'), fc.jsonValue()),
            policyArn: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      responseElements: fc.oneof(
        fc.record(
          {
            accessKey: fc.jsonValue({ maxDepth: 2 }),
            user: fc.jsonValue({ maxDepth: 2 }),
            ConsoleLogin: fc.oneof(fc.constantFrom('Success', 'Failure'), fc.jsonValue()),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      additionalEventData: fc.jsonValue({ maxDepth: 2 }),
      errorCode: fc.oneof(fc.constantFrom('AccessDenied'), fc.jsonValue()),
      recipientAccountId: fc.oneof(fc.constant('111122223333'), fc.jsonValue()),
      sourceIPAddress: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<unknown>;
  const anyRecord = fc.oneof(
    { weight: 5, arbitrary: mutated },
    { weight: 4, arbitrary: recordLike },
    { weight: 1, arbitrary: fc.jsonValue() as fc.Arbitrary<unknown> },
  );
  const anyBody = fc.oneof(
    { weight: 5, arbitrary: fc.array(anyRecord, { maxLength: 4 }).map((Records) => JSON.stringify({ Records })) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(anyRecord, fc.oneof(fc.constant('AWS API Call via CloudTrail'), fc.string()), fc.jsonValue())
        .map(([detail, dt, account]) => JSON.stringify({ ...bridge(detail, dt), account })),
    },
    { weight: 1, arbitrary: fc.json() },
    { weight: 1, arbitrary: fc.string() },
  );

  it('never throws anything but a described Error, and every event passes the schema', () => {
    assertNormalizeProperty({
      bodies: anyBody,
      normalize,
      complete,
      thrown: (message) => expect(message).toMatch(/^AWS (body is not valid JSON|CloudTrail delivery is invalid): /),
      rejected: (rej) => expect(rej.reason).toMatch(/^(Records\[\d+\]|detail): .+/),
      numRuns: 1500,
    });
  });
});
