// Sample deliveries for `planewatch send-sample aws`: a CloudTrail log file in which an admin
// creates an IAM user for a CI job, gives it an access key and a policy, plus a console sign-in
// with MFA; then two EventBridge events: the key is deactivated and the user deleted. Ids are
// fresh on every call. Authenticated with the connection's shared secret in Authorization.
import { randomBytes, randomUUID } from 'node:crypto';
import type { SampleDeliveries } from '../../source-kit/source-module.ts';

const ACCOUNT = '111122223333';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Mar 1, 2025 10:00:00 AM` (UTC), as CloudTrail prints dates inside responseElements. */
export function formatJavaDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

export const webhookSamples: SampleDeliveries = {
  events(nowMs) {
    const tag = randomBytes(4).toString('hex');
    const ms = (minutesAgo: number) => Math.floor((nowMs - minutesAgo * 60_000) / 1000) * 1000;
    const iso = (minutesAgo: number) => new Date(ms(minutesAgo)).toISOString().replace('.000Z', 'Z');
    const admin = {
      type: 'IAMUser',
      principalId: 'AIDASAMPLEADMIN000001',
      arn: `arn:aws:iam::${ACCOUNT}:user/it-admin@acme.example`,
      accountId: ACCOUNT,
      accessKeyId: 'ASIASAMPLESESSION001',
      userName: 'it-admin@acme.example',
      sessionContext: { attributes: { creationDate: iso(120), mfaAuthenticated: 'true' } },
    };
    const user = `svc-ci-${tag}`;
    const keyId = `AKIASAMPLE${tag.toUpperCase()}`;
    const rec = (eventName: string, minutesAgo: number, fields: Record<string, unknown>, eventSource = 'iam.amazonaws.com') => ({
      eventVersion: '1.09',
      userIdentity: admin,
      eventTime: iso(minutesAgo),
      eventSource,
      eventName,
      awsRegion: 'us-east-1',
      sourceIPAddress: '198.51.100.77',
      userAgent: 'aws-cli/2.15.0 Python/3.11',
      requestParameters: null,
      responseElements: null,
      requestID: randomUUID(),
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      ...fields,
    });
    const logFile = {
      Records: [
        rec('CreateUser', 60, {
          requestParameters: { userName: user },
          responseElements: {
            user: {
              path: '/',
              userName: user,
              userId: `AIDASAMPLE${tag.toUpperCase()}`,
              arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
              createDate: formatJavaDate(ms(60)),
            },
          },
        }),
        rec('CreateAccessKey', 59, {
          requestParameters: { userName: user },
          responseElements: { accessKey: { userName: user, accessKeyId: keyId, status: 'Active', createDate: formatJavaDate(ms(59)) } },
        }),
        rec('AttachUserPolicy', 58, {
          requestParameters: { userName: user, policyArn: 'arn:aws:iam::aws:policy/AmazonBedrockFullAccess' },
        }),
        rec(
          'ConsoleLogin',
          45,
          {
            userIdentity: {
              type: 'IAMUser',
              principalId: 'AIDASAMPLEADMIN000001',
              arn: admin.arn,
              accountId: ACCOUNT,
              userName: 'it-admin@acme.example',
            },
            userAgent: 'Mozilla/5.0 (Macintosh)',
            eventType: 'AwsConsoleSignIn',
            responseElements: { ConsoleLogin: 'Success' },
            additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' },
          },
          'signin.amazonaws.com',
        ),
      ],
    };
    const bridge = (record: Record<string, unknown>) =>
      JSON.stringify({
        version: '0',
        id: randomUUID(),
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.iam',
        account: ACCOUNT,
        time: record.eventTime,
        region: 'us-east-1',
        resources: [],
        detail: record,
      });
    return [
      {
        description: 'CloudTrail log file: CreateUser, CreateAccessKey, AttachUserPolicy, ConsoleLogin (MFA)',
        body: JSON.stringify(logFile),
      },
      {
        description: 'EventBridge: UpdateAccessKey status Inactive (key revoked)',
        body: bridge(rec('UpdateAccessKey', 10, { requestParameters: { userName: user, accessKeyId: keyId, status: 'Inactive' } })),
      },
      { description: 'EventBridge: DeleteUser', body: bridge(rec('DeleteUser', 5, { requestParameters: { userName: user } })) },
    ];
  },
  sign(_body, secret) {
    return { authorization: secret };
  },
};
