import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { okta } from '../../../../sources/okta/index.ts';
import { isOktaSecretKey, redactOktaBody } from '../../../../sources/okta/redact.ts';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/okta/', import.meta.url));
const fixture = (name: string): unknown => JSON.parse(readFileSync(FIXTURES + name + '.json', 'utf8'));
const delivery = (events: unknown[]) => JSON.stringify({ eventType: 'com.okta.event_hook', eventId: 'e1', source: 'https://acme.okta.com/api/v1/eventHooks/who1', data: { events } });

describe('Okta redaction before the raw envelope', () => {
  it('names secret members but keeps ids and types', () => {
    for (const k of ['clientSecret', 'client_secret', 'sessionToken', 'refresh_token', 'password', 'credentials', 'jti']) expect(isOktaSecretKey(k), k).toBe(true);
    for (const k of ['requestApiTokenId', 'tokenType', 'externalSessionId', 'credentialType', 'credentialProvider', 'uuid']) expect(isOktaSecretKey(k), k).toBe(false);
  });

  it('removes a client secret from debugData and keeps everything the mapping reads', () => {
    const body = Buffer.from(delivery([fixture('app.oauth2.credentials.lifecycle.create'), fixture('user.lifecycle.deactivate')]));
    const redacted = okta.webhook!.redactBody!(body);
    expect(redacted.toString('utf8')).not.toContain('PLAINTEXT-SECRET-MUST-NOT-LEAK');
    expect(redacted.toString('utf8')).toContain('"requestId":"reqSEC1"');
    const norm = (b: Buffer) => okta.normalize({ body: b, contentType: 'application/json', transport: 'webhook', receivedAt: 1, rawId: 'r' });
    expect(norm(redacted)).toEqual(norm(body));
  });

  it('returns the original bytes when there is nothing to remove or the body is not JSON', () => {
    const clean = Buffer.from(delivery([fixture('user.lifecycle.deactivate')]));
    expect(redactOktaBody(clean)).toBe(clean);
    const broken = Buffer.from('{"data":');
    expect(redactOktaBody(broken)).toBe(broken);
  });
});
