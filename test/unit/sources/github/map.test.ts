// Mapping from GitHub's documented payloads (test/fixtures/github, written from the REST docs of the
// secret_scanning_alert webhook and the secret scanning alert object); expected values by hand.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizeGithub } from '../../../../sources/github/index.ts';
import { checkGithubBody } from '../../../../sources/github/webhook.ts';
import { fingerprintSecret, storedAlertOf } from '../../../../sources/github/fingerprint.ts';
import { redactSecrets } from '../../../../source-kit/redact.ts';
import { parseRestAlert } from '../../../../sources/github/payloads.ts';
import { redactAlertsPage } from '../../../../sources/github/redact.ts';
import { IdentityEventSchema } from '../../../../core/events/identity-event.ts';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../../fixtures/github/${name}`, import.meta.url)));
const json = (name: string) => JSON.parse(fixture(name).toString('utf8')) as Record<string, unknown>;
const SECRET = ['sk', 'proj', 'PLANTEDgh7a9Zt2LmQw4Rv8Xy1Ks6Np3Bd5Fg0Hj2Qx7Z'].join('-'); // a planted fake, built so no scanner takes it for a key

/** A delivery as the collector publishes it: its alert replaced by the fetched alert minus the secret (enrich.ts). */
function enriched(delivery: string): Buffer {
  const d = json(delivery);
  const fetched = storedAlertOf(
    parseRestAlert(
      {
        ...json('repo-alert-42.json'),
        ...(d.alert as object),
        state: (d.alert as { resolved_at?: string }).resolved_at ? 'resolved' : 'open',
      },
      'test',
    ),
  );
  return Buffer.from(JSON.stringify({ ...d, alert: fetched }));
}
const normalize = (body: Buffer) =>
  normalizeGithub({
    body,
    contentType: 'application/json',
    transport: 'webhook',
    receivedAt: Date.parse('2026-03-03T00:00:00Z'),
    rawId: 'raw-1',
  });

describe('fingerprintSecret', () => {
  it('keeps the first 16 and last 4 characters of an OpenAI key, never the key', () => {
    expect(fingerprintSecret('openai_api_key', SECRET)).toEqual({ vendor: 'openai', key_head: 'sk-proj-PLANTEDg', key_tail: 'Qx7Z' });
  });
  it('keeps an AWS access key id (it is an identifier), nothing of a secret access key', () => {
    expect(fingerprintSecret('aws_access_key_id', 'AKIAIOSFODNN7EXAMPLE')).toEqual({ vendor: 'aws', key_id: 'AKIAIOSFODNN7EXAMPLE' });
    expect(fingerprintSecret('aws_secret_access_key', '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')).toEqual({});
  });
  it('keeps nothing of a short secret or an unknown type', () => {
    expect(fingerprintSecret('openai_api_key', 'sk-short')).toEqual({ vendor: 'openai' });
    expect(fingerprintSecret('slack_api_token', 'xoxb-0000000000000000000000000000000000000000')).toEqual({});
  });
});

describe('a delivery through the one redaction policy (source-kit/redact.ts)', () => {
  it('keeps a delivery without a secret byte for byte, and removes a `secret` member should one be sent', () => {
    const raw = fixture('secret_scanning_alert.created.json');
    expect(redactSecrets(raw)).toEqual(raw);
    const withSecret = Buffer.from(
      JSON.stringify({
        ...json('secret_scanning_alert.created.json'),
        alert: { ...(json('secret_scanning_alert.created.json').alert as object), secret: SECRET },
      }),
    );
    expect(redactSecrets(withSecret).toString('utf8')).not.toContain(SECRET);
    expect(redactSecrets(Buffer.from(`{"alert":{"secret":"${SECRET}"`)).toString('utf8')).not.toContain(SECRET);
  });
});

describe('checkGithubBody', () => {
  it('accepts a secret_scanning_alert delivery and refuses a ping', () => {
    expect(checkGithubBody(fixture('secret_scanning_alert.created.json'))).toBeNull();
    expect(checkGithubBody(Buffer.from('{"zen":"Design for failure.","hook_id":1}'))).toMatch(/action/);
  });
});

describe('normalizeGithub: webhook deliveries', () => {
  it('created → one `exposed` event at the alert created_at, with the fingerprint and no secret', () => {
    const body = enriched('secret_scanning_alert.created.json');
    expect(body.toString('utf8')).not.toContain(SECRET);
    const { events, rejected } = normalize(body);
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e).toMatchObject({
      event_id: 'github:secret-scanning:acme/app#42:exposed',
      category: 'credential',
      action: 'exposed',
      actor: null,
      credential: null,
      subject: { kind: 'other', id: 'github-alert:acme/app#42', email: null, name: 'OpenAI API Key' },
      occurred_at: Date.parse('2026-03-01T09:00:00Z'),
      vendor_type: 'secret_scanning_alert.exposed',
    });
    expect(e.attributes).toEqual({
      alert_number: '42',
      repository: 'acme/app',
      secret_type: 'openai_api_key',
      secret_type_display_name: 'OpenAI API Key',
      state: 'open',
      validity: 'active',
      publicly_leaked: 'false',
      html_url: 'https://github.com/acme/app/security/secret-scanning/42',
      locations_url: 'https://api.github.com/repos/acme/app/secret-scanning/alerts/42/locations',
      webhook_action: 'created',
      fetched: 'yes',
      exposure_vendor: 'openai',
      key_head: 'sk-proj-PLANTEDg',
      key_tail: 'Qx7Z',
    });
    expect(
      IdentityEventSchema.safeParse({
        ...e,
        plane: 'platform',
        connection_id: 'gh',
        raw_id: 'r',
        received_at: 1,
        authoritative_for: null,
        source: 'github',
      }).success,
    ).toBe(true);
  });
  it('resolved → `exposed` (same id as created) and `exposure_resolved` at resolved_at', () => {
    const { events } = normalize(enriched('secret_scanning_alert.resolved.json'));
    expect(events.map((e) => [e.event_id, e.action, new Date(e.occurred_at).toISOString()])).toEqual([
      ['github:secret-scanning:acme/app#42:exposed', 'exposed', '2026-03-01T09:00:00.000Z'],
      ['github:secret-scanning:acme/app#42:resolved:2026-03-01T15:30:00Z', 'exposure_resolved', '2026-03-01T15:30:00.000Z'],
    ]);
    expect(events[1]!.attributes).toMatchObject({ state: 'resolved', resolution: 'revoked', resolved_by: 'octocat', validity: 'inactive' });
  });
  it('reopened → `exposed` again at updated_at (the alert is open after its resolution)', () => {
    const { events } = normalize(enriched('secret_scanning_alert.reopened.json'));
    expect(events.map((e) => [e.event_id, e.action, new Date(e.occurred_at).toISOString()])).toEqual([
      ['github:secret-scanning:acme/app#42:exposed', 'exposed', '2026-03-01T09:00:00.000Z'],
      ['github:secret-scanning:acme/app#42:reopened:2026-03-02T08:00:00Z', 'exposed', '2026-03-02T08:00:00.000Z'],
    ]);
    expect(events[0]!.attributes.publicly_leaked).toBe('true');
  });
  it('a delivery that was not enriched is still mapped, marked fetched=no (it can match nothing)', () => {
    const { events } = normalize(fixture('secret_scanning_alert.created.json'));
    expect(events[0]!.attributes).toMatchObject({ fetched: 'no', state: 'open' });
    expect(events[0]!.attributes.key_head).toBeUndefined();
  });
});

describe('normalizeGithub: a polled organisation page', () => {
  it('drops every secret from the page, maps each alert under its repository', () => {
    const page = Buffer.from(JSON.stringify(redactAlertsPage(fixture('org-alerts.page.json'))));
    const text = page.toString('utf8');
    expect(text).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYPLANTEDKEY');
    expect(text).not.toContain('"secret"');
    const { events, rejected } = normalize(page);
    expect(rejected).toEqual([]);
    expect(events.map((e) => [e.subject.id, e.action, new Date(e.occurred_at).toISOString()])).toEqual([
      ['github-alert:acme/infra#2', 'exposed', '2026-02-20T10:00:00.000Z'],
      ['github-alert:acme/infra#2', 'exposure_resolved', '2026-02-21T11:00:00.000Z'],
      ['github-alert:acme/infra#3', 'exposed', '2026-02-22T10:00:00.000Z'],
    ]);
    expect(events[0]!.attributes).toMatchObject({ exposure_vendor: 'aws', key_id: 'AKIAIOSFODNN7EXAMPLE' });
    expect('webhook_action' in events[0]!.attributes).toBe(false);
    expect(events[2]!.attributes).toMatchObject({ secret_type: 'aws_secret_access_key', fetched: 'yes' });
    expect(events[2]!.attributes.exposure_vendor).toBeUndefined();
  });
  it('a page that is not JSON is a PageError whose bytes have the secret blanked', () => {
    const broken = Buffer.from(`${fixture('org-alerts.page.json').toString('utf8')}<html>`);
    try {
      redactAlertsPage(broken);
      expect.unreachable();
    } catch (err) {
      expect((err as { body: Buffer }).body.toString('utf8')).not.toContain('PLANTEDKEY');
    }
  });
});
