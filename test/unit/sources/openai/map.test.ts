// Mapping of OpenAI audit-log events and inventory items, with literal expectations.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapAuditEvent, mapInventoryItem } from '../../../../sources/openai/map.ts';
import { normalizeOpenai } from '../../../../sources/openai/index.ts';
import { AuditLogEventSchema, type AuditLogEvent } from '../../../../sources/openai/payloads.ts';
import type { MappedEvent } from '../../../../core/events/identity-event.ts';

const FIXTURES = JSON.parse(readFileSync(new URL('../../../fixtures/openai/audit-events.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;

function mapped(name: string): MappedEvent[] {
  const ev = AuditLogEventSchema.parse(FIXTURES[name]) as AuditLogEvent;
  const r = mapAuditEvent(ev);
  if (!r.ok) throw new Error(r.reason);
  return r.events;
}

const T = 1740787200000;
const SESSION_ACTOR = {
  kind: 'human',
  id: 'user-owner1',
  email: 'owner@example.com',
  ip: '203.0.113.7',
  user_agent: 'Mozilla/5.0',
  credential_id: null,
};

describe('OpenAI audit log mapping: actors', () => {
  it('api_key.created by a service account key: actor kind service_account with the key as credential_id', () => {
    expect(mapped('api_key.created--sa-key-actor')).toEqual([
      {
        event_id: 'audit_log-api_key.created--sa-key-actor',
        tenant_id: 'proj_abc',
        category: 'credential',
        action: 'created',
        outcome: null,
        subject: { kind: 'api_key', id: 'key_new01', email: null, name: null },
        actor: { kind: 'service_account', id: 'svc_acct_123', email: null, ip: null, user_agent: null, credential_id: 'key_admin01' },
        credential: {
          id: 'key_new01',
          kind: 'api_key',
          owner_id: null,
          owner_kind: null,
          scopes: ['api.model.request'],
          created_at: null,
          last_used_at: null,
        },
        occurred_at: T,
        vendor_type: 'api_key.created',
        ocsf_class_uid: 3004,
        ocsf_activity_id: 1,
        attributes: { actor_via: 'api_key', project_name: 'Prod' },
      },
    ]);
  });

  it('api_key.created by a user-owned key: actor kind human with the user email and the key as credential_id', () => {
    expect(mapped('api_key.created--user-key-actor')[0]!.actor).toEqual({
      kind: 'human',
      id: 'user-dev1',
      email: 'dev@example.com',
      ip: null,
      user_agent: null,
      credential_id: 'key_user01',
    });
  });

  it('session actor: user id, lower-cased email, IP and user agent; ja3/ja4 are not kept', () => {
    const [e] = mapped('user.deleted');
    expect(e!.actor).toEqual(SESSION_ACTOR);
    expect(e!.attributes).toEqual({ actor_via: 'session' });
  });

  it('no actor → null actor', () => {
    expect(mapped('null-actor')[0]!.actor).toBeNull();
  });
});

describe('OpenAI audit log mapping: every identity-relevant type', () => {
  // [fixture, category, action, outcome, subject, tenant, ocsf class, ocsf activity, attributes]
  const table: [string, string, string, string | null, object, string | null, number | null, number | null, Record<string, string>][] = [
    [
      'api_key.updated',
      'credential',
      'updated',
      null,
      { kind: 'api_key', id: 'key_new01', email: null, name: null },
      'proj_abc',
      3004,
      3,
      { actor_via: 'session', project_name: 'Prod' },
    ],
    [
      'api_key.deleted',
      'credential',
      'revoked',
      null,
      { kind: 'api_key', id: 'key_new01', email: null, name: null },
      'proj_abc',
      3004,
      4,
      { actor_via: 'session', project_name: 'Prod' },
    ],
    [
      'service_account.created',
      'account',
      'created',
      null,
      { kind: 'service_account', id: 'svc_acct_9', email: null, name: null },
      'proj_abc',
      3001,
      1,
      { actor_via: 'session', project_name: 'Prod', role: 'member' },
    ],
    [
      'service_account.updated',
      'role',
      'updated',
      null,
      { kind: 'service_account', id: 'svc_acct_9', email: null, name: null },
      'proj_abc',
      3005,
      1,
      { actor_via: 'session', project_name: 'Prod', role: 'owner' },
    ],
    [
      'service_account.deleted',
      'account',
      'deleted',
      null,
      { kind: 'service_account', id: 'svc_acct_9', email: null, name: null },
      'proj_abc',
      3001,
      6,
      { actor_via: 'session', project_name: 'Prod' },
    ],
    [
      'user.added',
      'account',
      'created',
      null,
      { kind: 'human', id: 'user-new1', email: null, name: null },
      null,
      3001,
      1,
      { actor_via: 'session', role: 'reader' },
    ],
    [
      'user.updated',
      'role',
      'updated',
      null,
      { kind: 'human', id: 'user-new1', email: null, name: null },
      null,
      3005,
      1,
      { actor_via: 'session', role: 'owner' },
    ],
    [
      'user.deleted',
      'account',
      'deleted',
      null,
      { kind: 'human', id: 'user-leaver1', email: null, name: null },
      null,
      3001,
      6,
      { actor_via: 'session' },
    ],
    [
      'invite.sent',
      'account',
      'invited',
      null,
      { kind: 'invite', id: 'invite-1', email: 'new.hire@example.com', name: null },
      null,
      null,
      null,
      { actor_via: 'session', role: 'reader' },
    ],
    [
      'invite.accepted',
      'account',
      'activated',
      null,
      { kind: 'invite', id: 'invite-1', email: null, name: null },
      null,
      null,
      null,
      { actor_via: 'session' },
    ],
    [
      'invite.deleted',
      'account',
      'revoked',
      null,
      { kind: 'invite', id: 'invite-2', email: null, name: null },
      null,
      null,
      null,
      { actor_via: 'session' },
    ],
    [
      'login.succeeded',
      'authentication',
      'succeeded',
      'success',
      { kind: 'human', id: 'user-owner1', email: 'owner@example.com', name: null },
      null,
      3002,
      1,
      { actor_via: 'session' },
    ],
    [
      'login.failed',
      'authentication',
      'failed',
      'failure',
      { kind: 'human', id: 'user-owner1', email: 'owner@example.com', name: null },
      null,
      3002,
      1,
      { actor_via: 'session', error_code: 'invalid_password', error_message: 'Wrong password' },
    ],
    [
      'logout.succeeded',
      'session',
      'ended',
      'success',
      { kind: 'human', id: 'user-owner1', email: 'owner@example.com', name: null },
      null,
      3002,
      2,
      { actor_via: 'session' },
    ],
    [
      'logout.failed',
      'session',
      'failed',
      'failure',
      { kind: 'human', id: 'user-owner1', email: 'owner@example.com', name: null },
      null,
      3002,
      2,
      { actor_via: 'session', error_code: 'session_expired', error_message: 'Session expired' },
    ],
    [
      'project.created',
      'other',
      'created',
      null,
      { kind: 'project', id: 'proj_new', email: null, name: 'Staging' },
      'proj_new',
      3004,
      1,
      { actor_via: 'session' },
    ],
    [
      'project.archived',
      'other',
      'deactivated',
      null,
      { kind: 'project', id: 'proj_old', email: null, name: null },
      'proj_old',
      3004,
      11,
      { actor_via: 'session' },
    ],
    [
      'role.created',
      'role',
      'created',
      null,
      { kind: 'role', id: 'role_1', email: null, name: 'Auditor' },
      null,
      3004,
      1,
      { actor_via: 'session', permissions: 'read.audit', resource_id: 'org_1', resource_type: 'organization' },
    ],
    [
      'role.updated',
      'role',
      'updated',
      null,
      { kind: 'role', id: 'role_1', email: null, name: 'Auditor' },
      null,
      3004,
      3,
      { actor_via: 'session', permissions_added: 'read.keys', permissions_removed: 'read.audit' },
    ],
    [
      'role.assignment.created',
      'membership',
      'added',
      null,
      { kind: 'human', id: 'user-dev1', email: null, name: null },
      'proj_abc',
      3005,
      1,
      {
        actor_via: 'session',
        access: 'scope',
        role_id: 'role_1',
        principal_type: 'user',
        resource_id: 'proj_abc',
        resource_type: 'api.project',
      },
    ],
    [
      'role.assignment.deleted',
      'membership',
      'removed',
      null,
      { kind: 'group', id: 'group_7', email: null, name: null },
      null,
      3005,
      2,
      {
        actor_via: 'session',
        access: 'scope',
        role_id: 'role_1',
        principal_type: 'group',
        resource_id: 'org_1',
        resource_type: 'api.organization',
      },
    ],
    [
      'group.created',
      'other',
      'created',
      null,
      { kind: 'group', id: 'group_7', email: null, name: 'Engineers' },
      null,
      3006,
      6,
      { actor_via: 'session' },
    ],
    [
      'scim.enabled',
      'connection',
      'activated',
      null,
      { kind: 'connection', id: 'scim_1', email: null, name: 'scim' },
      null,
      3004,
      10,
      { actor_via: 'session' },
    ],
    [
      'scim.disabled',
      'connection',
      'deactivated',
      null,
      { kind: 'connection', id: 'scim_1', email: null, name: 'scim' },
      null,
      3004,
      11,
      { actor_via: 'session' },
    ],
    [
      'certificate.deleted',
      'credential',
      'revoked',
      null,
      { kind: 'other', id: 'cert_1', email: null, name: 'mtls' },
      null,
      3004,
      4,
      { actor_via: 'session' },
    ],
    [
      'tenant.user.removed',
      'other',
      'removed',
      null,
      { kind: 'other', id: 'audit_log-tenant.user.removed', email: null, name: null },
      null,
      null,
      null,
      { actor_via: 'session' },
    ],
    [
      'unknown.future_type',
      'other',
      'other',
      null,
      { kind: 'other', id: 'thing_1', email: null, name: null },
      null,
      null,
      null,
      { actor_via: 'session' },
    ],
  ];
  it.each(table)('%s', (name, category, action, outcome, subject, tenant, ocsfClass, ocsfActivity, attributes) => {
    const events = mapped(name);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect({
      category: e.category,
      action: e.action,
      outcome: e.outcome,
      subject: e.subject,
      tenant: e.tenant_id,
      ocsf: [e.ocsf_class_uid, e.ocsf_activity_id],
      attributes: e.attributes,
      occurred_at: e.occurred_at,
      event_id: e.event_id,
    }).toEqual({
      category,
      action,
      outcome,
      subject,
      tenant,
      ocsf: [ocsfClass, ocsfActivity],
      attributes,
      occurred_at: T,
      event_id: `audit_log-${name}`,
    });
  });

  it('tenant.* keeps its type string', () => {
    expect(mapped('tenant.user.removed')[0]!.vendor_type).toBe('tenant.user.removed');
  });

  it('ip_allowlist.config.activated lists several configs: one event each, #n suffixes', () => {
    expect(mapped('ip_allowlist.config.activated').map((e) => [e.event_id, e.action, e.subject.id, e.subject.name])).toEqual([
      ['audit_log-ip_allowlist.config.activated', 'activated', 'ipcfg_1', 'Office'],
      ['audit_log-ip_allowlist.config.activated#2', 'activated', 'ipcfg_2', 'VPN'],
    ]);
  });

  it('a payload of the wrong shape is rejected with the field named', () => {
    const r = mapAuditEvent(
      AuditLogEventSchema.parse({
        id: 'x',
        type: 'api_key.created',
        effective_at: 1,
        actor: null,
        'api_key.created': { id: 'k', data: { scopes: 'all' } },
      }) as AuditLogEvent,
    );
    expect(r).toEqual({
      ok: false,
      reason: 'api_key.created: api_key.created.data.scopes: Invalid input: expected array, received string',
    });
  });
});

describe('OpenAI normalize of an audit page', () => {
  it('maps each item and rejects the bad one while the rest flows', () => {
    const page = {
      object: 'list',
      data: [FIXTURES['user.deleted'], { type: 'user.added', effective_at: 5 }],
      first_id: 'a',
      last_id: 'b',
      has_more: false,
    };
    const out = normalizeOpenai({
      body: Buffer.from(JSON.stringify(page)),
      contentType: 'application/json; planewatch-listing=audit_logs',
      transport: 'poll',
      receivedAt: 1,
      rawId: 'raw_1',
    });
    expect(out.events.map((e) => e.event_id)).toEqual(['audit_log-user.deleted']);
    expect(out.rejected.map((r) => r.reason)).toEqual(['data[1]: id: Invalid input: expected string, received undefined']);
  });
});

describe('OpenAI inventory mapping', () => {
  it('project API key owned by a user: credential project_key with owner, times and owner_project_access; redacted_value (what OpenAI itself shows of the key) kept as key_hint for secret scanning matches', () => {
    const item = {
      object: 'organization.project.api_key',
      id: 'key_abc',
      name: 'ci',
      redacted_value: 'sk-abc...def',
      created_at: 1711471533,
      last_used_at: 1711471534,
      owner_project_access: 'inactive',
      owner: { type: 'user', user: { id: 'user_abc', email: 'A@example.com', name: 'A', role: 'owner', created_at: 1711471533 } },
    };
    const r = mapInventoryItem(item, { listing: 'project_api_keys', scope: 'proj_abc', rawId: 'raw_x', receivedAt: 1_800_000_000_000 });
    expect(r).toEqual({
      ok: true,
      value: {
        event: {
          // documented formula: sha256(raw id \0 kind \0 scope \0 object id), first 32 hex
          event_id: 'oai_inv_' + createHash('sha256').update('raw_x\0project_api_key\0proj_abc\0key_abc').digest('hex').slice(0, 32),
          tenant_id: 'proj_abc',
          category: 'inventory',
          action: 'observed',
          outcome: null,
          actor: null,
          occurred_at: 1_800_000_000_000,
          vendor_type: 'inventory.project_api_key',
          subject: { kind: 'api_key', id: 'key_abc', email: null, name: 'ci' },
          credential: {
            id: 'key_abc',
            kind: 'project_key',
            owner_id: 'user_abc',
            owner_kind: 'human',
            scopes: [],
            created_at: 1711471533000,
            last_used_at: 1711471534000,
          },
          ocsf_class_uid: null,
          ocsf_activity_id: null,
          attributes: {
            inventory_kind: 'project_api_key',
            owner_project_access: 'inactive',
            owner_email: 'a@example.com',
            owner_role: 'owner',
            key_hint: 'sk-abc...def',
          },
        },
        object: {
          kind: 'project_api_key',
          scope: 'proj_abc',
          id: 'key_abc',
          subject_kind: 'api_key',
          name: 'ci',
          credential_kind: 'project_key',
        },
      },
    });
  });

  it('project API key owned by a service account: credential service_account_key', () => {
    const r = mapInventoryItem(
      {
        id: 'key_sa',
        name: 'bot',
        created_at: 10,
        last_used_at: null,
        owner_project_access: 'active',
        owner: { type: 'service_account', service_account: { id: 'svc_1', name: 'bot', role: 'member', created_at: 9 } },
      },
      { listing: 'project_api_keys', scope: 'proj_abc', rawId: 'raw_x', receivedAt: 5 },
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.event.credential).toEqual({
      id: 'key_sa',
      kind: 'service_account_key',
      owner_id: 'svc_1',
      owner_kind: 'service_account',
      scopes: [],
      created_at: 10000,
      last_used_at: null,
    });
  });

  it('admin API key and org user', () => {
    const k = mapInventoryItem(
      {
        object: 'organization.admin_api_key',
        id: 'key_adm',
        name: 'ops',
        redacted_value: 'sk-admin...x',
        created_at: 100,
        last_used_at: 200,
        expires_at: null,
        owner: { type: 'user', object: 'organization.user', id: 'user-owner1', name: 'Owner', role: 'owner' },
      },
      { listing: 'admin_api_keys', scope: null, rawId: 'r', receivedAt: 5 },
    );
    if (!k.ok) throw new Error(k.reason);
    expect([k.value.event.subject, k.value.event.credential]).toEqual([
      { kind: 'admin_key', id: 'key_adm', email: null, name: 'ops' },
      {
        id: 'key_adm',
        kind: 'admin_key',
        owner_id: 'user-owner1',
        owner_kind: 'human',
        scopes: [],
        created_at: 100000,
        last_used_at: 200000,
      },
    ]);
    const u = mapInventoryItem(
      { object: 'organization.user', id: 'user-1', name: 'Ada', email: 'Ada@Acme.example', role: 'reader', added_at: 1700000000 },
      { listing: 'users', scope: null, rawId: 'r', receivedAt: 5 },
    );
    if (!u.ok) throw new Error(u.reason);
    expect([u.value.event.subject, u.value.event.attributes, u.value.event.ocsf_class_uid]).toEqual([
      { kind: 'human', id: 'user-1', email: 'ada@acme.example', name: 'Ada' },
      { inventory_kind: 'user', role: 'reader', added_at: '2023-11-14T22:13:20.000Z' },
      5003,
    ]);
  });
});
