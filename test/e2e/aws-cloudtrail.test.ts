// End to end through real components: CloudTrail deliveries (a log file and an EventBridge event)
// over HTTP -> collector -> Kafka -> normalizer -> Kafka -> sink -> embedded ClickHouse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { rawEnvelopeId } from '../../core/events/raw-envelope.ts';
import { startTestPipeline, type TestPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const SECRET = 'aws-shared-' + randomUUID();
const CONFIG = `
connections:
  - id: aws-prod
    vendor: aws
    transport: webhook
    secret_env: TEST_AWS_SECRET
`;

let t: TestPipeline;
const run = randomUUID().slice(0, 8);

beforeAll(async () => {
  t = await startTestPipeline({ configYaml: CONFIG, env: { TEST_AWS_SECRET: SECRET }, ackTimeoutMs: 15_000 });
});
afterAll(async () => {
  await t?.stop();
});

const url = () => `${t.pipeline.url}/webhooks/aws/aws-prod`;
const ACCT = '111122223333';
const admin = {
  type: 'IAMUser',
  principalId: 'AIDAADMIN',
  arn: `arn:aws:iam::${ACCT}:user/ada.admin@acme.example`,
  accountId: ACCT,
  accessKeyId: 'ASIAADMIN',
  userName: 'ada.admin@acme.example',
};
const user = `svc-${run}`;
const keyId = `AKIA${run.toUpperCase()}E2E`;
const record = (eventID: string, eventName: string, eventTime: string, fields: Record<string, unknown>) => ({
  eventVersion: '1.09',
  userIdentity: admin,
  eventTime,
  eventSource: 'iam.amazonaws.com',
  eventName,
  awsRegion: 'us-east-1',
  sourceIPAddress: '203.0.113.7',
  userAgent: 'aws-cli/2.15.0',
  requestParameters: null,
  responseElements: null,
  requestID: randomUUID(),
  eventID,
  eventType: 'AwsApiCall',
  managementEvent: true,
  recipientAccountId: ACCT,
  ...fields,
});
const post = (body: string, authorization?: string) =>
  fetch(url(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
    body,
  });

describe('AWS CloudTrail webhook to ClickHouse', () => {
  it('stores the records of a log file and an EventBridge event, and dead-letters the bad record', async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    const logFile = JSON.stringify({
      Records: [
        record(ids[0]!, 'CreateUser', '2026-11-29T09:00:00Z', {
          requestParameters: { userName: user },
          responseElements: {
            user: { userName: user, userId: 'AIDAE2E', arn: `arn:aws:iam::${ACCT}:user/${user}`, createDate: 'Nov 29, 2026 9:00:00 AM' },
          },
        }),
        record(ids[1]!, 'CreateAccessKey', '2026-11-29T09:01:00Z', {
          requestParameters: { userName: user },
          responseElements: { accessKey: { userName: user, accessKeyId: keyId, status: 'Active', createDate: 'Nov 29, 2026 9:01:00 AM' } },
        }),
        record(randomUUID(), 'AttachUserPolicy', 'not a time', {
          requestParameters: { userName: user, policyArn: 'arn:aws:iam::aws:policy/AmazonBedrockFullAccess' },
        }),
        record(ids[2]!, 'DeleteUser', '2026-11-29T09:02:00Z', {
          errorCode: 'AccessDenied',
          errorMessage: 'not authorized',
          userIdentity: { ...admin, accessKeyId: 'AKIACI' },
        }),
      ],
    });
    expect((await post(logFile, SECRET)).status).toBe(202);
    const event = JSON.stringify({
      version: '0',
      id: randomUUID(),
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.iam',
      account: ACCT,
      time: '2026-11-29T09:10:00Z',
      region: 'us-east-1',
      resources: [],
      detail: record(ids[3]!, 'UpdateAccessKey', '2026-11-29T09:10:00Z', {
        requestParameters: { userName: user, accessKeyId: keyId, status: 'Inactive' },
      }),
    });
    expect((await post(event, `Bearer ${SECRET}`)).status).toBe(202);

    const rows = await waitFor(async () => {
      const r = await t.query<Record<string, string | null>>(
        `SELECT event_id, plane, tenant_id, category, action, outcome, subject_kind, subject_id, actor_kind, credential_id, credential_kind, credential_owner_id,
                toUnixTimestamp64Milli(credential_created_at) AS credential_created_ms, vendor_type
           FROM identity_events FINAL WHERE event_id IN {ids:Array(String)} ORDER BY occurred_at`,
        { ids },
      );
      return r.length === 4 ? r : undefined;
    }, 'four CloudTrail events in identity_events');
    const common = { plane: 'platform', tenant_id: ACCT };
    expect(rows).toEqual([
      {
        ...common,
        event_id: ids[0],
        category: 'account',
        action: 'created',
        outcome: 'success',
        subject_kind: 'human',
        subject_id: user,
        actor_kind: 'human',
        credential_id: null,
        credential_kind: null,
        credential_owner_id: null,
        credential_created_ms: null,
        vendor_type: 'CreateUser',
      },
      {
        ...common,
        event_id: ids[1],
        category: 'credential',
        action: 'created',
        outcome: 'success',
        subject_kind: 'api_key',
        subject_id: keyId,
        actor_kind: 'human',
        credential_id: keyId,
        credential_kind: 'access_key',
        credential_owner_id: user,
        credential_created_ms: String(Date.UTC(2026, 10, 29, 9, 1, 0)),
        vendor_type: 'CreateAccessKey',
      },
      {
        ...common,
        event_id: ids[2],
        category: 'account',
        action: 'failed',
        outcome: 'failure',
        subject_kind: 'other',
        subject_id: ids[2],
        actor_kind: 'api_key',
        credential_id: null,
        credential_kind: null,
        credential_owner_id: null,
        credential_created_ms: null,
        vendor_type: 'DeleteUser',
      },
      {
        ...common,
        event_id: ids[3],
        category: 'credential',
        action: 'revoked',
        outcome: 'success',
        subject_kind: 'api_key',
        subject_id: keyId,
        actor_kind: 'human',
        credential_id: keyId,
        credential_kind: 'access_key',
        credential_owner_id: user,
        credential_created_ms: null,
        vendor_type: 'UpdateAccessKey',
      },
    ]);

    const rawId = rawEnvelopeId('aws', 'aws-prod', Buffer.from(logFile));
    const dead = await waitFor(async () => {
      const r = await t.query<{ reason: string }>('SELECT reason FROM dead_letters FINAL WHERE raw_id = {raw:String}', { raw: rawId });
      return r.length ? r : undefined;
    }, 'dead letter for the record with a bad eventTime');
    expect(dead).toEqual([{ reason: 'aws: Records[2]: AttachUserPolicy: eventTime: expected ISO 8601 timestamp, received "not a time"' }]);
  });

  it('answers 401 to a wrong or missing secret and stores nothing', async () => {
    const id = randomUUID();
    const body = JSON.stringify({ Records: [record(id, 'DeleteUser', '2026-11-29T10:00:00Z', { requestParameters: { userName: user } })] });
    const wrong = await post(body, 'wrong-secret');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { status: 401, code: 'unauthorized', message: "Authorization header does not match the AWS connection's shared secret" },
    });
    expect((await post(body)).status).toBe(401);

    const marker = randomUUID();
    expect(
      (
        await post(
          JSON.stringify({
            Records: [record(marker, 'DeleteUser', '2026-11-29T10:01:00Z', { requestParameters: { userName: `${user}-2` } })],
          }),
          SECRET,
        )
      ).status,
    ).toBe(202);
    await waitFor(
      async () => (await t.query('SELECT 1 FROM identity_events FINAL WHERE event_id = {id:String}', { id: marker })).length > 0,
      'marker event',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const rawId = rawEnvelopeId('aws', 'aws-prod', Buffer.from(body));
    const [counts] = await t.query<{ events: string; raws: string }>(
      `SELECT (SELECT count() FROM identity_events WHERE event_id = {id:String}) AS events,
              (SELECT count() FROM raw_envelopes WHERE id = {raw:String}) AS raws`,
      { id, raw: rawId },
    );
    expect(counts).toEqual({ events: '0', raws: '0' });
  });
});
