// Planted secrets: every kind of secret planewatch handles is sent through every input, then the
// places it could leak are searched, and each must hold zero occurrences:
//   secrets: webhook signing secrets (WorkOS, SCIM copies), shared webhook secrets (Okta, Auth0,
//   AWS — and wrong guesses of them), the SCIM bearer token (and a wrong one), SCIM passwords (POST,
//   PUT, PATCH by path and by value, SCIM copies), client secrets / token ids / passwords inside
//   Okta and Auth0 logs, AWS key material inside CloudTrail records (secret access key, session
//   token), admin API keys of the pollers (OpenAI, Anthropic — echoed back by the vendor in its
//   error messages), the local API token (and a wrong one), the generic alert webhook's signing
//   secret and the secret part of its URL, the Slack incoming-webhook URL's secret path (of a
//   working channel and of one that fails until it is dead), the PagerDuty routing key and the
//   secret part of its endpoint URL;
//   searched: the pipeline's logs (every pino line of the process, at trace level), every HTTP
//   answer including /metrics, /readyz and the API, every message (key, value, headers) of every
//   Kafka topic, every row of every ClickHouse table (base64 columns decoded; this includes the
//   alert delivery log pw_alert_notifications / pw_alert_attempts and the alerter's dead letters),
//   and every alert payload the webhook, Slack and PagerDuty receivers got (headers and body; the
//   routing key is allowed in exactly one place: PagerDuty's own `routing_key` field).
// The pipeline runs in a child process (test/security/child-pipeline.ts) so its stdout can be
// captured whole. Positive controls make sure each place was really searched: a non-secret marker
// sent along IS found in Kafka and ClickHouse, the logs hold debug lines and the rejections, and
// the alert reached its receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createKafka } from '../../core/kafka/client.ts';
import { TOPICS } from '../../core/kafka/topics.ts';
import { REPO_ROOT } from '../../local-broker/index.ts';
import { createClickHouse } from '../../core/clickhouse/client.ts';
import { signWorkosPayload } from '../../sources/workos/webhook.ts';
import { signScimCopy } from '../../sources/scim/webhook.ts';
import { signGithubPayload } from '../../sources/github/webhook.ts';
import { json, startVendorApiServer, type VendorApiServer } from '../../demo/vendor-api-server.ts';
import { waitFor } from '../helpers/wait.ts';
import { FIXTURES_DIR } from '../fuzz/harness.ts';

const run = randomUUID().slice(0, 8);
const secret = (label: string) => `${label}-${run}-${randomBytes(9).toString('hex')}`;
const S = {
  workosSecret: secret('PLANT-workos-whsec'),
  oktaSecret: secret('PLANT-okta-hook'),
  oktaWrongGuess: secret('PLANT-okta-guess'),
  auth0Secret: secret('PLANT-auth0-token'),
  awsSecret: secret('PLANT-aws-forwarder'),
  scimCopySecret: secret('PLANT-scimcopy-hmac'),
  scimToken: secret('PLANT-scim-bearer'),
  scimWrongToken: secret('PLANT-scim-guess'),
  scimPasswordPost: secret('PLANT-pw-post'),
  scimPasswordPut: secret('PLANT-pw-put'),
  scimPasswordPatchPath: secret('PLANT-pw-patchpath'),
  scimPasswordPatchValue: secret('PLANT-pw-patchvalue'),
  scimCopyPassword: secret('PLANT-pw-copy'),
  oktaClientSecret: secret('PLANT-okta-clientsecret'),
  auth0Password: secret('PLANT-auth0-password'),
  auth0ClientSecret: secret('PLANT-auth0-clientsecret'),
  auth0Jti: secret('PLANT-auth0-jti'),
  awsSecretAccessKey: secret('PLANT-aws-secretaccesskey'),
  awsSessionToken: secret('PLANT-aws-sessiontoken'),
  workosCustomPassword: secret('PLANT-workos-custom-password'),
  workosRawApiToken: secret('PLANT-workos-raw-api-token'),
  workosDeadLetterSecret: secret('PLANT-workos-dlq-client-secret'),
  openaiPageSecret: secret('PLANT-openai-page-client-secret'),
  openaiKey: `sk-admin-${secret('PLANT').replace(/-/g, '')}`,
  anthropicKey: `sk-ant-admin01-${secret('PLANT').replace(/-/g, '')}`,
  apiToken: secret('PLANT-api-token'),
  apiWrongToken: secret('PLANT-api-guess'),
  alertSecret: secret('PLANT-alert-hmac'),
  alertUrlToken: secret('PLANT-alert-url'),
  slackUrlToken: secret('PLANT-slack-url'),
  slackDeadUrlToken: secret('PLANT-slack-dead-url'),
  pagerdutyRoutingKey: secret('PLANT-pd-routing-key'),
  pagerdutyUrlToken: secret('PLANT-pd-url'),
  githubWebhookSecret: secret('PLANT-github-hook'),
  githubToken: `ghp_${secret('PLANT').replace(/-/g, '')}`,
  githubLeakedKey: `sk-proj-${secret('PLANT').replace(/-/g, '')}${randomBytes(12).toString('hex')}`,
  githubPolledLeak: `wJalr${secret('PLANT').replace(/-/g, '')}`,
};
const MARKER = `marker-${run}@acme.example`; // not a secret: must be found (positive control)
const DLQ_MARKER = `event_psdlq_${run}`; // a WorkOS event the mapping rejects: must be found in the dead letters

const C = {
  github: `ps-github-${run}`,
  githubpoll: `ps-githubpoll-${run}`,
  workos: `ps-workos-${run}`,
  okta: `ps-okta-${run}`,
  auth0: `ps-auth0-${run}`,
  aws: `ps-aws-${run}`,
  scimcopy: `ps-scimcopy-${run}`,
  scim: `ps-scim-${run}`,
  openai: `ps-openai-${run}`,
  anthropic: `ps-anthropic-${run}`,
};

let api: VendorApiServer;
let receiver: http.Server;
const alertPayloads: { headers: http.IncomingHttpHeaders; body: string; url: string }[] = [];
let child: ChildProcess;
let out = '';
let url = '';
let dataDir = '';
const httpAnswers: string[] = [];

const fixture = (vendor: string, name: string) =>
  JSON.parse(readFileSync(path.join(FIXTURES_DIR, vendor, name), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  // Vendor APIs that echo the key back in their error messages.
  api = await startVendorApiServer();
  const list = (data: unknown[]) => ({ object: 'list', data, first_id: null, last_id: null, has_more: false });
  const saKeyEvent = {
    ...(JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'openai/audit-events.json'), 'utf8')) as Record<string, Record<string, unknown>>)[
      'api_key.created--sa-key-actor'
    ],
    id: `audit_log-ps-${run}`,
    effective_at: Math.floor(Date.now() / 1000) - 60,
    metadata: { client_secret: S.openaiPageSecret },
  };
  api.route({ path: '/openai/v1/organization/audit_logs' }, [
    json(
      {
        error: {
          message: `Incorrect API key provided: ${S.openaiKey}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
      401,
    ),
    json(list([saKeyEvent])),
    json(list([])),
  ]);
  api.route({ path: '/openai/v1/organization/users' }, [
    json({ error: { message: `Bad request for key ${S.openaiKey} (Authorization: Bearer ${S.openaiKey})` } }, 400),
  ]);
  api.route({ path: /^\/openai\/v1\// }, [json(list([]))]);
  // GitHub's REST API: the alert of the webhook (with its secret), and the organisation's alerts.
  const ghAlert = fixture('github', 'repo-alert-42.json');
  api.route({ path: '/github/repos/acme/app/secret-scanning/alerts/42' }, [json({ ...ghAlert, secret: S.githubLeakedKey })]);
  api.route({ path: '/github/orgs/acme/secret-scanning/alerts' }, [
    json([
      { ...ghAlert, number: 7, secret_type: 'aws_secret_access_key', secret: S.githubPolledLeak, repository: { full_name: 'acme/infra' } },
    ]),
  ]);
  api.route({ path: /^\/anthropic\// }, [
    json({ type: 'error', error: { type: 'permission_error', message: `x-api-key ${S.anthropicKey} may not list this` } }, 403),
  ]);

  // The alert webhook receiver (its URL carries a secret path component).
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString('utf8');
    });
    req.on('end', () => {
      alertPayloads.push({ headers: req.headers, body, url: req.url ?? '' });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook/${S.alertUrlToken}`;
  const slackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T0PLANT/B0PLANT/${S.slackUrlToken}`;
  const pagerdutyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pd/${S.pagerdutyUrlToken}/v2/enqueue`;
  // A Slack webhook nobody answers (a port just closed): its notifications fail until they are dead.
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const slackDeadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/services/T0PLANT/B0DEAD/${S.slackDeadUrlToken}`;
  await new Promise<void>((r) => closed.close(() => r()));

  dataDir = mkdtempSync(path.join(tmpdir(), 'pw-planted-'));
  const configPath = path.join(dataDir, 'planewatch.yaml');
  writeFileSync(
    configPath,
    `
connections:
  - { id: ${C.workos}, vendor: workos, transport: webhook, secret_env: PS_WORKOS }
  - { id: ${C.okta}, vendor: okta, transport: webhook, secret_env: PS_OKTA }
  - { id: ${C.auth0}, vendor: auth0, transport: webhook, secret_env: PS_AUTH0 }
  - { id: ${C.aws}, vendor: aws, transport: webhook, secret_env: PS_AWS }
  - { id: ${C.scimcopy}, vendor: scim, transport: webhook, secret_env: PS_SCIMCOPY }
  - { id: ${C.scim}, vendor: scim, transport: scim, secret_env: PS_SCIM_TOKEN }
  - { id: ${C.openai}, vendor: openai, transport: poll, api_key_env: PS_OPENAI_KEY, base_url: ${api.url}/openai/v1, poll_interval: 2s, inventory_interval: 1h }
  - { id: ${C.github}, vendor: github, transport: webhook, secret_env: PS_GITHUB_HOOK, api_key_env: PS_GITHUB_TOKEN, base_url: ${api.url}/github }
  - { id: ${C.githubpoll}, vendor: github, transport: poll, organization: acme, api_key_env: PS_GITHUB_TOKEN, base_url: ${api.url}/github, poll_interval: 2s }
  - { id: ${C.anthropic}, vendor: anthropic, transport: inventory, api_key_env: PS_ANTHROPIC_KEY, base_url: ${api.url}/anthropic/v1, inventory_interval: 1h }
detections:
  debounce: 1s
alerts:
  channels:
    - { name: hook, type: webhook, url_env: PS_ALERT_URL, secret_env: PS_ALERT_SECRET }
    - { name: slack, type: slack, url_env: PS_SLACK_URL }
    - { name: slackdead, type: slack, url_env: PS_SLACK_DEAD_URL }
    - { name: pd, type: pagerduty, routing_key_env: PS_PD_KEY, url_env: PS_PD_URL }
  default_route: { channels: [hook, slack, slackdead, pd] }
  delivery: { max_attempts: 2, initial_backoff: 100ms, max_backoff: 1s, timeout: 5s }
`,
  );
  child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test/security/child-pipeline.ts')], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PLANEWATCH_DATA_DIR: dataDir,
      PLANEWATCH_CONFIG: configPath,
      PLANEWATCH_HTTP_PORT: '0',
      PLANEWATCH_LOG_LEVEL: 'trace',
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
      PLANEWATCH_TOPIC_PREFIX: process.env.PLANEWATCH_TOPIC_PREFIX ?? '',
      PW_TEST_API_TOKEN: S.apiToken,
      PW_TEST_GROUP_SUFFIX: `planted-${run}`,
      PS_WORKOS: S.workosSecret,
      PS_OKTA: S.oktaSecret,
      PS_AUTH0: S.auth0Secret,
      PS_AWS: S.awsSecret,
      PS_SCIMCOPY: S.scimCopySecret,
      PS_SCIM_TOKEN: S.scimToken,
      PS_OPENAI_KEY: S.openaiKey,
      PS_ANTHROPIC_KEY: S.anthropicKey,
      PS_ALERT_URL: receiverUrl,
      PS_ALERT_SECRET: S.alertSecret,
      PS_SLACK_URL: slackUrl,
      PS_SLACK_DEAD_URL: slackDeadUrl,
      PS_PD_KEY: S.pagerdutyRoutingKey,
      PS_PD_URL: pagerdutyUrl,
      PS_GITHUB_HOOK: S.githubWebhookSecret,
      PS_GITHUB_TOKEN: S.githubToken,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr!.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  url = await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`child exited: ${out.slice(-3000)}`);
      return /PW_CHILD_READY (\S+)/.exec(out)?.[1];
    },
    'the child pipeline',
    120_000,
    200,
  );
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await api?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

async function send(method: string, p: string, headers: Record<string, string>, body?: string): Promise<number> {
  const res = await fetch(`${url}${p}`, { method, headers, ...(body === undefined ? {} : { body }) });
  httpAnswers.push(await res.text());
  return res.status;
}

describe('planted secrets', () => {
  it('never appear in logs, HTTP answers, Kafka, ClickHouse or alert payloads', async () => {
    // --- webhooks ----------------------------------------------------------------------------------
    // WorkOS directory users carry whatever the IdP syncs in custom_attributes / raw_attributes.
    const workosUser = fixture('workos', 'dsync.user.created.json').data as Record<string, unknown>;
    const workos = JSON.stringify({
      ...fixture('workos', 'dsync.user.created.json'),
      id: `event_ps_${run}`,
      data: {
        ...workosUser,
        id: `directory_user_ps_${run}`,
        email: MARKER,
        emails: [{ primary: true, value: MARKER }],
        custom_attributes: { department: 'Eng', password: S.workosCustomPassword },
        raw_attributes: { userName: MARKER, api_token: S.workosRawApiToken },
      },
    });
    expect(
      await send(
        'POST',
        `/webhooks/workos/${C.workos}`,
        {
          'content-type': 'application/json',
          'workos-signature': signWorkosPayload(workos, S.workosSecret, Date.now()),
          authorization: `Bearer ${S.workosSecret}`,
        },
        workos,
      ),
    ).toBe(202);
    // One the mapping rejects (a directory user without an id): it goes to the dead-letter topic and table, secrets and all, unless redacted first.
    const { id: _id, ...idless } = workosUser;
    const workosDead = JSON.stringify({
      object: 'event',
      id: DLQ_MARKER,
      event: 'dsync.user.created',
      created_at: new Date().toISOString(),
      data: { ...idless, custom_attributes: { client_secret: S.workosDeadLetterSecret } },
    });
    expect(
      await send(
        'POST',
        `/webhooks/workos/${C.workos}`,
        { 'content-type': 'application/json', 'workos-signature': signWorkosPayload(workosDead, S.workosSecret, Date.now()) },
        workosDead,
      ),
    ).toBe(202);

    const oktaEvent = fixture('okta', 'app.oauth2.credentials.lifecycle.create.json') as {
      debugContext: { debugData: Record<string, unknown> };
    } & Record<string, unknown>;
    const okta = JSON.stringify({
      eventType: 'com.okta.event_hook',
      eventTypeVersion: '1.0',
      cloudEventsVersion: '0.1',
      source: 'https://acme.okta.com/api/v1/eventHooks/who',
      eventId: `ps-${run}`,
      data: {
        events: [
          {
            ...oktaEvent,
            uuid: `ps-${run}`,
            debugContext: {
              debugData: { ...oktaEvent.debugContext.debugData, clientSecret: S.oktaClientSecret, sessionToken: S.oktaClientSecret },
            },
          },
        ],
      },
    });
    expect(await send('GET', `/webhooks/okta/${C.okta}`, { authorization: S.oktaSecret, 'x-okta-verification-challenge': 'ch' })).toBe(200);
    expect(
      await send('POST', `/webhooks/okta/${C.okta}`, { 'content-type': 'application/json', authorization: S.oktaWrongGuess }, okta),
    ).toBe(401);
    expect(await send('POST', `/webhooks/okta/${C.okta}`, { 'content-type': 'application/json', authorization: S.oktaSecret }, okta)).toBe(
      202,
    );

    const sapi = fixture('auth0', 'sapi.create-user.json') as {
      log_id: string;
      data: {
        details: {
          request: Record<string, unknown> & { auth: Record<string, unknown>; body: Record<string, unknown> };
          response: Record<string, unknown> & { body: Record<string, unknown> };
        };
      } & Record<string, unknown>;
    };
    const d = sapi.data.details;
    const auth0 = JSON.stringify([
      {
        log_id: `9002025030199${run}`,
        data: {
          ...sapi.data,
          log_id: `9002025030199${run}`,
          details: {
            request: {
              ...d.request,
              auth: { ...d.request.auth, credentials: { jti: S.auth0Jti, scopes: ['create:users'] } },
              body: { ...d.request.body, email: MARKER, password: S.auth0Password },
            },
            response: { ...d.response, body: { ...d.response.body, client_secret: S.auth0ClientSecret, access_token_jti: S.auth0Jti } },
          },
        },
      },
    ]);
    expect(
      await send(
        'POST',
        `/webhooks/auth0/${C.auth0}`,
        { 'content-type': 'application/json', authorization: `Bearer ${S.auth0Secret}` },
        auth0,
      ),
    ).toBe(202);

    const ct = fixture('aws', 'CreateAccessKey.json') as { responseElements: { accessKey: Record<string, unknown> } } & Record<
      string,
      unknown
    >;
    const aws = JSON.stringify({
      Records: [
        {
          ...ct,
          eventID: `ps-${run}`,
          responseElements: {
            accessKey: { ...ct.responseElements.accessKey, secretAccessKey: S.awsSecretAccessKey },
            credentials: { accessKeyId: 'ASIAEXAMPLE', sessionToken: S.awsSessionToken, expiration: 'Mar 1, 2025 11:01:00 AM' },
          },
        },
      ],
    });
    expect(await send('POST', `/webhooks/aws/${C.aws}`, { 'content-type': 'application/json', authorization: S.awsSecret }, aws)).toBe(202);

    const copy = JSON.stringify({
      method: 'POST',
      path: '/scim/v2/Users',
      status: 201,
      request: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: MARKER, password: S.scimCopyPassword, active: true },
      response: { id: `copy-${run}`, userName: MARKER, active: true },
    });
    expect(
      await send(
        'POST',
        `/webhooks/scim/${C.scimcopy}`,
        { 'content-type': 'application/json', 'x-planewatch-signature': signScimCopy(copy, S.scimCopySecret, Date.now()) },
        copy,
      ),
    ).toBe(202);

    const gh = JSON.stringify(fixture('github', 'secret_scanning_alert.created.json'));
    expect(
      await send(
        'POST',
        `/webhooks/github/${C.github}`,
        { 'content-type': 'application/json', 'x-hub-signature-256': signGithubPayload(gh, 'not-the-secret') },
        gh,
      ),
    ).toBe(401);
    expect(
      await send(
        'POST',
        `/webhooks/github/${C.github}`,
        {
          'content-type': 'application/json',
          'x-github-event': 'secret_scanning_alert',
          'x-hub-signature-256': signGithubPayload(gh, S.githubWebhookSecret),
        },
        gh,
      ),
    ).toBe(202);

    // --- SCIM service provider ------------------------------------------------------------------------
    const scim = (method: string, p: string, body?: unknown, token = S.scimToken) =>
      send(
        method,
        `/scim/v2/${C.scim}${p}`,
        { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        body === undefined ? undefined : JSON.stringify(body),
      );
    expect(await scim('GET', '/Users', undefined, S.scimWrongToken)).toBe(401);
    expect(
      await scim('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `sp-${MARKER}`,
        password: S.scimPasswordPost,
        active: true,
      }),
    ).toBe(201);
    const created = JSON.parse(httpAnswers[httpAnswers.length - 1]!) as { id: string };
    expect(
      await scim('PUT', `/Users/${created.id}`, {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `sp-${MARKER}`,
        password: S.scimPasswordPut,
        active: true,
        displayName: 'Put',
      }),
    ).toBe(200);
    expect(
      await scim('PATCH', `/Users/${created.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'replace', path: 'password', value: S.scimPasswordPatchPath },
          { op: 'replace', path: 'displayName', value: 'Patched' },
        ],
      }),
    ).toBe(200);
    expect(
      await scim('PATCH', `/Users/${created.id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { password: S.scimPasswordPatchValue, active: false } }],
      }),
    ).toBe(200);

    // --- API ----------------------------------------------------------------------------------------
    expect(await send('GET', '/api/v1/events?last=5', { authorization: `Bearer ${S.apiWrongToken}` })).toBe(401);
    expect(await send('GET', '/api/v1/events?last=5', { authorization: `Bearer ${S.apiToken}` })).toBe(200);

    // --- wait for everything to flow: events of each webhook, poller errors recorded, the alert ----------
    const events = async (conn: string) => {
      const res = await fetch(`${url}/api/v1/events?connection=${conn}&last=100`, { headers: { authorization: `Bearer ${S.apiToken}` } });
      return ((await res.json()) as { data: unknown[] }).data.length;
    };
    for (const conn of [C.workos, C.okta, C.auth0, C.aws, C.scimcopy, C.scim, C.github, C.githubpoll])
      await waitFor(async () => ((await events(conn)) > 0 ? true : undefined), `events of ${conn}`, 60_000, 500);
    await waitFor(
      async () => {
        const res = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${S.apiToken}` } });
        const rows = (await res.json()) as { data: { connection_id: string; stream: string; last_error: string | null }[] };
        const err = (c: string, s: string) => rows.data.find((r) => r.connection_id === c && r.stream === s)?.last_error;
        return err(C.openai, 'pages') && err(C.openai, 'inventory') && err(C.anthropic, 'inventory') ? true : undefined;
      },
      "the pollers' errors in the status",
      60_000,
      500,
    );
    await waitFor(async () => ((await events(C.openai)) > 0 ? true : undefined), 'the OpenAI audit event', 60_000, 500);
    // The service-account key creating a key (the OpenAI audit event) is a PW-NHI-HUMAN-ACTION incident: alerted.
    await waitFor(
      async () => (alertPayloads.some((a) => a.body.includes('PW-NHI-HUMAN-ACTION')) ? true : undefined),
      'the PW-NHI-HUMAN-ACTION alert at the webhook receiver',
      90_000,
      500,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; received: ${alertPayloads.map((a) => a.body.slice(0, 300)).join(' | ')}`);
    });
    const receivedOn = (prefix: string) => alertPayloads.filter((a) => a.url.startsWith(prefix) && a.body.includes('PW-NHI-HUMAN-ACTION'));
    await waitFor(
      async () => (receivedOn('/services/').length > 0 && receivedOn('/pd/').length > 0 ? true : undefined),
      'the alert at the Slack and PagerDuty receivers',
      60_000,
      500,
    );
    // The unreachable Slack channel's notification is dead: in the delivery log and in the status.
    await waitFor(
      async () => {
        const res = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${S.apiToken}` } });
        const body = (await res.json()) as { dead_alerts?: { by_channel: { channel: string }[] } };
        return body.dead_alerts?.by_channel.some((c) => c.channel === 'slackdead') ? true : undefined;
      },
      'the dead Slack notification in the status',
      60_000,
      500,
    );

    for (const p of ['/metrics', '/readyz', '/healthz', '/api/v1/openapi.json']) await send('GET', p, {});
    for (const p of ['/api/v1/status', '/api/v1/events?last=1000']) await send('GET', p, { authorization: `Bearer ${S.apiToken}` });

    // --- stop the child; collect Kafka and ClickHouse --------------------------------------------------
    child.kill('SIGTERM');
    await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));

    const kafkaText = await dumpKafka();
    const clickhouseText = await dumpClickHouse(dataDir);
    const alertsText = alertPayloads.map((a) => `${a.url}\n${JSON.stringify(a.headers)}\n${a.body}`).join('\n');
    // What each receiver got apart from its own URL (the one place its URL secret legitimately goes);
    // PagerDuty's routing key belongs in its `routing_key` field, and only there.
    const received = (prefix: string) =>
      alertPayloads
        .filter((a) => a.url.startsWith(prefix))
        .map((a) => `${JSON.stringify(a.headers)}\n${a.body}`)
        .join('\n');
    const routingKeyField = `"routing_key":${JSON.stringify(S.pagerdutyRoutingKey)}`;
    const pdText = received('/pd/');
    expect(pdText.split(routingKeyField).length - 1, 'the routing key in each PagerDuty event').toBe(
      alertPayloads.filter((a) => a.url.startsWith('/pd/')).length,
    );
    const places: Record<string, string> = {
      logs: out,
      'HTTP answers': httpAnswers.join('\n'),
      kafka: kafkaText,
      clickhouse: clickhouseText,
      'webhook alert payloads': received('/hook/'),
      'Slack alert payloads': received('/services/'),
      'PagerDuty alert payloads': pdText.split(routingKeyField).join('"routing_key":"(its field)"'),
      // Each receiver's URL without its own token: another channel's secret would show here.
      'alert URLs': alertPayloads
        .map((a) =>
          a.url.replace(
            a.url.startsWith('/hook/') ? S.alertUrlToken : a.url.startsWith('/pd/') ? S.pagerdutyUrlToken : S.slackUrlToken,
            '',
          ),
        )
        .join('\n'),
    };

    // Positive controls: the places were really searched.
    expect(kafkaText.includes(MARKER), 'the marker in Kafka').toBe(true);
    expect(clickhouseText.includes(MARKER), 'the marker in ClickHouse').toBe(true);
    const deadLetterTable = clickhouseText.slice(
      clickhouseText.indexOf('### dead_letters\n'),
      clickhouseText.indexOf('\n### ', clickhouseText.indexOf('### dead_letters\n') + 1),
    );
    expect(deadLetterTable.includes(DLQ_MARKER), 'the rejected WorkOS event in the dead letters').toBe(true);
    expect(clickhouseText.includes(`audit_log-ps-${run}`), 'the OpenAI page (with its planted client_secret) was stored').toBe(true);
    expect(out.includes('"level":20'), 'debug lines: the logs were captured at the most verbose level').toBe(true);
    expect(out.includes('scim request rejected'), 'the rejected SCIM request was logged').toBe(true);
    expect(out.includes('webhook rejected'), 'the rejected Okta delivery was logged').toBe(true);
    // The GitHub alerts were stored, each with its fingerprint (the first 16 characters), never its secret.
    expect(clickhouseText.includes(S.githubLeakedKey.slice(0, 16)), 'the webhook alert fingerprint in ClickHouse').toBe(true);
    expect(clickhouseText.includes('github-alert:acme/infra#7'), 'the polled alert in ClickHouse').toBe(true);
    expect(alertsText.includes('PW-NHI-HUMAN-ACTION'), 'the alert reached the receiver').toBe(true);
    expect(places['Slack alert payloads']!.includes('"blocks"'), 'Slack payloads were searched').toBe(true);
    expect(places['PagerDuty alert payloads']!.includes('"event_action":"trigger"'), 'PagerDuty payloads were searched').toBe(true);
    for (const channel of ['hook', 'slack', 'pd'])
      expect(clickhouseText.includes(`"channel":"${channel}","channel_type"`), `the delivery log of ${channel} in ClickHouse`).toBe(true);
    expect(
      /"channel":"slackdead","channel_type":"slack","state":"dead"/.test(clickhouseText),
      'the dead Slack notification in ClickHouse',
    ).toBe(true);
    expect(clickhouseText.includes('to channel slackdead (slack): gave up after 2 attempts'), 'its dead letter in ClickHouse').toBe(true);

    const leaks: string[] = [];
    for (const [name, value] of Object.entries(S)) {
      for (const [place, text] of Object.entries(places)) {
        if (text.includes(value))
          leaks.push(
            `${name} in ${place}: …${text.slice(Math.max(0, text.indexOf(value) - 200), text.indexOf(value) + value.length + 50)}…`,
          );
      }
    }
    expect(leaks).toEqual([]);
    // The alert payload bodies themselves carry no channel secret (the routing key only in its field).
    const channelSecrets = [S.alertSecret, S.alertUrlToken, S.slackUrlToken, S.slackDeadUrlToken, S.pagerdutyUrlToken];
    expect(alertPayloads.filter((a) => channelSecrets.some((s) => a.body.includes(s)))).toEqual([]);
  }, 300_000);
});

/** Every message of every planewatch topic on the broker (values, keys, headers; base64 inside decoded by the searcher). */
async function dumpKafka(): Promise<string> {
  const kafka = createKafka(process.env.KAFKA_BROKERS!.split(','), `planted-dump-${run}`);
  const admin = kafka.admin();
  await admin.connect();
  const topics = Object.values(TOPICS);
  const ends = new Map<string, number>();
  for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
  await admin.disconnect();
  const chunks: string[] = [];
  const seen = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `planted-dump-${run}`, maxBytesPerPartition: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const done = () => [...ends].every(([k, high]) => high === 0 || (seen.get(k) ?? -1) >= high - 1);
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      seen.set(`${topic}/${partition}`, Number(message.offset));
      chunks.push(message.key?.toString('latin1') ?? '', message.value?.toString('latin1') ?? '');
      for (const [k, v] of Object.entries(message.headers ?? {})) chunks.push(k, String(v));
    },
  });
  await waitFor(async () => (done() ? true : undefined), 'the whole of every topic', 120_000, 300);
  await consumer.disconnect();
  return chunks.join('\n');
}

/** Every row of every table of the child's embedded ClickHouse, as JSON text, with base64-looking strings decoded alongside. */
async function dumpClickHouse(dir: string): Promise<string> {
  const ch = createClickHouse({ dataDir: dir });
  try {
    const tables = await (
      await ch.client.query({
        query: "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine NOT LIKE '%View%' ORDER BY name",
        format: 'JSONEachRow',
      })
    ).json<{ name: string }>();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['identity_events', 'raw_envelopes', 'dead_letters', 'scim_resources', 'poller_status']),
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      const text = await (await ch.client.query({ query: `SELECT * FROM \`${name}\``, format: 'JSONEachRow' })).text();
      parts.push(`### ${name}`, text);
      for (const m of text.matchAll(/"([A-Za-z0-9+/]{16,}={0,2})"/g)) parts.push(Buffer.from(m[1]!, 'base64').toString('latin1'));
    }
    return parts.join('\n');
  } finally {
    await ch.close();
  }
}
