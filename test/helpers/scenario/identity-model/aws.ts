// AWS CloudTrail records (docs.aws.amazon.com CloudTrail record contents, IAM and sign-in events)
// delivered as log files ({"Records": [...]}) to the webhook collector.
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { envelope } from './common.ts';

export interface AwsAccount {
  id: string;
}

/** userIdentity of an IAM user: in a console session (temporary ASIA key) or calling with a long-term AKIA key. */
export function iamUser(account: string, name: string, accessKeyId?: string): Record<string, unknown> {
  return {
    type: 'IAMUser',
    principalId: `AIDA${name
      .replace(/[^A-Za-z0-9]/g, '')
      .toUpperCase()
      .slice(0, 12)
      .padEnd(12, 'X')}`,
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    userName: name,
    ...(accessKeyId ? { accessKeyId } : {}),
  };
}

/** userIdentity of a role session (AssumedRole): `webIdentity` for a CI pipeline, else an IAM Identity Center permission set. */
export function assumedRole(
  account: string,
  role: string,
  session: string,
  accessKeyId: string,
  webIdentity?: string,
): Record<string, unknown> {
  const path = role.startsWith('AWSReservedSSO_') ? 'aws-reserved/sso.amazonaws.com/' : '';
  return {
    type: 'AssumedRole',
    principalId: `AROA${role.slice(0, 10).toUpperCase()}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: `AROA${role.slice(0, 10).toUpperCase()}`,
        arn: `arn:aws:iam::${account}:role/${path}${role}`,
        accountId: account,
        userName: role,
      },
      webIdFederationData: webIdentity ? { federatedProvider: `arn:aws:iam::${account}:oidc-provider/${webIdentity}`, attributes: {} } : {},
      attributes: { creationDate: '2026-01-01T00:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

export interface RecordOpts {
  eventSource?: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  eventType?: string;
  readOnly?: boolean;
}

export function record(
  account: string,
  eventID: string,
  eventName: string,
  at: number,
  userIdentity: Record<string, unknown>,
  o: RecordOpts = {},
): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    userIdentity,
    eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: o.eventSource ?? 'iam.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '203.0.113.40',
    userAgent: eventName === 'ConsoleLogin' ? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' : 'aws-cli/2.17.0 Python/3.11.9 Linux/6.5',
    requestParameters: o.requestParameters === undefined ? null : o.requestParameters,
    responseElements: o.responseElements === undefined ? null : o.responseElements,
    ...(o.additionalEventData ? { additionalEventData: o.additionalEventData } : {}),
    requestID: `req-${eventID}`,
    eventID,
    readOnly: o.readOnly ?? false,
    eventType: o.eventType ?? 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
  };
}

/** A successful console sign-in. */
export function consoleLogin(account: string, eventID: string, at: number, who: Record<string, unknown>): Record<string, unknown> {
  return record(account, eventID, 'ConsoleLogin', at, who, {
    eventSource: 'signin.amazonaws.com',
    eventType: 'AwsConsoleSignIn',
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: { LoginTo: 'https://console.aws.amazon.com/console/home', MobileVersion: 'No', MFAUsed: 'Yes' },
  });
}

/** CloudTrail's Java-style createDate: `Nov 28, 2026 2:01:00 AM`. */
export function javaDate(ms: number): string {
  const d = new Date(ms);
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]!;
  const h = d.getUTCHours();
  const h12 = h % 12 === 0 ? 12 : h % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  const ss = String(d.getUTCSeconds()).padStart(2, '0');
  return `${mon} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${h12}:${mm}:${ss} ${h < 12 ? 'AM' : 'PM'}`;
}

/** A CloudTrail log file delivered to the webhook collector. */
export function logFileEnvelope(connection: string, receivedAt: number, records: Record<string, unknown>[]): RawEnvelope {
  return envelope('aws', connection, 'webhook', 'application/json', JSON.stringify({ Records: records }), receivedAt);
}
