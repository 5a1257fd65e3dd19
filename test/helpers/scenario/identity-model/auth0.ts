// Auth0 tenant logs as a log stream (custom webhook) delivers them: an array of {log_id, data}
// records (auth0.com/docs log event type codes: s, ss, seccft, sapi, …).
import { createHash } from 'node:crypto';
import type { RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { envelope, iso } from './common.ts';

export interface Auth0Tenant {
  name: string;
  connection: string;
}

/** A 40-character Auth0 log id derived from the scenario's own name for the log. */
function logId(name: string): string {
  return `9002026${BigInt('0x' + createHash('sha256').update(name).digest('hex').slice(0, 24))
    .toString()
    .padStart(33, '0')}`.slice(0, 40);
}

function base(tenant: Auth0Tenant, id: string, type: string, at: number, fields: Record<string, unknown>): Record<string, unknown> {
  const lid = logId(id);
  return {
    log_id: lid,
    data: {
      date: iso(at),
      type,
      ...fields,
      log_id: lid,
      tenant_name: tenant.name,
      environment_name: 'prod-us-3',
      $event_schema: { version: '1.0.0' },
    },
  };
}

export interface Auth0User {
  userId: string;
  email: string;
  connection: string;
  strategy: string;
  strategyType: 'database' | 'enterprise';
}

/** A successful login (`s`) of `u` through the product's web client. */
export function login(tenant: Auth0Tenant, id: string, at: number, u: Auth0User): Record<string, unknown> {
  return base(tenant, id, 's', at, {
    client_id: 'CLIENTumbrellaweb000001',
    client_name: 'Umbrella Web',
    ip: '198.51.100.61',
    user_agent: 'Chrome 131.0.0 / Windows 10',
    hostname: 'login.umbrella.example',
    connection: u.connection,
    connection_id: `con_${u.connection.replace(/[^A-Za-z0-9]/g, '')}`,
    strategy: u.strategy,
    strategy_type: u.strategyType,
    user_id: u.userId,
    user_name: u.email,
    description: '',
    details: { prompts: [{ name: 'login', performed_amr: ['pwd'] }], session_id: `sess_${id}` },
  });
}

/** A database signup (`ss`). */
export function signup(tenant: Auth0Tenant, id: string, at: number, u: Auth0User): Record<string, unknown> {
  return base(tenant, id, 'ss', at, {
    client_id: 'CLIENTumbrellaweb000001',
    client_name: 'Umbrella Web',
    ip: '198.51.100.61',
    user_agent: 'Chrome 131.0.0 / Windows 10',
    hostname: 'login.umbrella.example',
    connection: u.connection,
    connection_id: `con_${u.connection.replace(/[^A-Za-z0-9]/g, '')}`,
    strategy: u.strategy,
    strategy_type: u.strategyType,
    user_id: u.userId,
    user_name: u.email,
    description: '',
    details: { body: { email: u.email, connection: u.connection } },
  });
}

/** An M2M client exchanging its secret for a token (`seccft`: client credentials grant). */
export function clientCredentials(
  tenant: Auth0Tenant,
  id: string,
  at: number,
  clientId: string,
  clientName: string,
): Record<string, unknown> {
  return base(tenant, id, 'seccft', at, {
    client_id: clientId,
    client_name: clientName,
    ip: '192.0.2.44',
    user_agent: 'node-fetch/2.7.0',
    hostname: `${tenant.name}.us.auth0.com`,
    audience: 'https://api.umbrella.example/',
    user_id: '',
    user_name: '',
    description: 'Client Credentials for Access Token',
    scope: ['read:reports'],
    details: {},
  });
}

/** A Management API call (`sapi`) by a tenant admin on a user: PATCH {blocked: true} or DELETE. */
export function managementApi(
  tenant: Auth0Tenant,
  id: string,
  at: number,
  method: 'patch' | 'delete',
  userId: string,
  body: Record<string, unknown>,
  description: string,
): Record<string, unknown> {
  return base(tenant, id, 'sapi', at, {
    client_id: 'CLIENTdashboard00000001',
    client_name: '',
    ip: '198.51.100.9',
    user_agent: 'Firefox 133.0.0 / Linux',
    hostname: `${tenant.name}.us.auth0.com`,
    user_id: 'google-oauth2|100000000000000000077',
    description,
    details: {
      request: {
        method,
        path: `/api/v2/users/${encodeURIComponent(userId)}`,
        query: {},
        userAgent: 'Firefox 133.0.0 / Linux',
        body,
        channel: 'https://manage.auth0.com/',
        ip: '198.51.100.9',
        auth: {
          user: { user_id: 'google-oauth2|100000000000000000077', name: 'Support Admin', email: 'support.admin@umbrella.example' },
          strategy: 'jwt',
        },
      },
      response: {
        statusCode: method === 'delete' ? 204 : 200,
        body: method === 'delete' ? {} : { user_id: userId, blocked: body.blocked },
      },
    },
  });
}

/** One log stream delivery (JSON array of records). */
export function streamEnvelope(connection: string, receivedAt: number, records: Record<string, unknown>[]): RawEnvelope {
  return envelope('auth0', connection, 'webhook', 'application/json', JSON.stringify(records), receivedAt);
}
