// Sample deliveries for `planewatch send-sample auth0`: a customer user signs up and signs in, a
// wrong password attempt, then a tenant admin deletes the user through the Management API (one
// JSONARRAY delivery); and a machine-to-machine client exchanging its credentials, plus a
// brute-force block (one JSONLINES delivery). Ids are fresh on every call. Authenticated as an
// Auth0 custom-webhook stream does: the Authorization Token, here entered as `Bearer <secret>`.
import { randomBytes } from 'node:crypto';
import type { SampleDeliveries } from '../../source-kit/source-module.ts';

const TENANT = 'acme-prod';

export const webhookSamples: SampleDeliveries = {
  events(nowMs) {
    const tag = randomBytes(4).toString('hex');
    const at = (minutesAgo: number) => new Date(nowMs - minutesAgo * 60_000).toISOString();
    let n = 0;
    const record = (data: Record<string, unknown>) => {
      const log_id = `90020${tag}${String(++n).padStart(4, '0')}SAMPLE`;
      return { log_id, data: { ...data, log_id, tenant_name: TENANT, environment_name: 'prod-us-1' } };
    };
    const userId = `auth0|${tag}sample`;
    const email = `lin.${tag}@customer.example`;
    const common = {
      client_id: 'SAMPLEclientWebApp00000000',
      client_name: 'Acme Web',
      ip: '203.0.113.40',
      user_agent: 'Chrome 124.0.0 / Mac OS X 14.4.1',
      hostname: 'login.acme.example',
    };
    const login = {
      connection: 'Username-Password-Authentication',
      connection_id: 'con_SAMPLE0000000001',
      strategy: 'auth0',
      strategy_type: 'database',
    };
    const array = [
      record({ ...common, ...login, date: at(120), type: 'ss', description: '', user_id: userId, user_name: email }),
      record({ ...common, ...login, date: at(90), type: 'fp', description: 'Wrong email or password.', user_id: userId, user_name: email }),
      record({
        ...common,
        ...login,
        date: at(89),
        type: 's',
        description: '',
        user_id: userId,
        user_name: email,
        organization_id: 'org_SAMPLECUSTOMER01',
        organization_name: 'customer-one',
        details: { session_id: `sess_${tag}`, prompts: [] },
      }),
      record({
        date: at(10),
        type: 'sapi',
        description: 'Delete a user',
        client_id: 'SAMPLEdashboard0000000000',
        client_name: '',
        ip: '198.51.100.9',
        user_agent: 'Firefox 126.0.0 / Linux',
        details: {
          request: {
            method: 'delete',
            path: `/api/v2/users/${encodeURIComponent(userId)}`,
            query: {},
            body: {},
            channel: 'https://manage.auth0.com/',
            ip: '198.51.100.9',
            auth: {
              user: { user_id: 'google-oauth2|admin01', name: 'Tenant Admin', email: 'admin@acme.example' },
              strategy: 'jwt',
              credentials: { jti: `jti-${tag}` },
            },
          },
          response: { statusCode: 204, body: {} },
        },
      }),
    ];
    const lines = [
      record({
        date: at(30),
        type: 'seccft',
        description: 'Client Credentials for Access Token',
        client_id: `SAMPLEm2m${tag}`,
        client_name: 'nightly-export',
        ip: '192.0.2.10',
        user_agent: 'node-fetch/1.0',
        hostname: 'acme-prod.us.auth0.com',
        audience: 'https://api.acme.example/',
        scope: 'read:reports export:data',
        user_id: '',
        user_name: '',
      }),
      record({
        ...common,
        date: at(20),
        type: 'limit_wc',
        description: 'Too many failed login attempts',
        user_id: `auth0|${tag}other`,
        user_name: `kim.${tag}@customer.example`,
      }),
    ];
    return [
      { description: 'JSONARRAY: ss, fp, s, sapi DELETE /api/v2/users/{id}', body: JSON.stringify(array) },
      {
        description: 'JSONLINES: seccft (M2M client credentials), limit_wc (brute-force block)',
        body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
      },
    ];
  },
  sign(_body, secret) {
    return { authorization: `Bearer ${secret}` };
  },
};
