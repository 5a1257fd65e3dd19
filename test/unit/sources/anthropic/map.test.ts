// Mapping of Anthropic Admin API inventory objects, with literal expectations: every listing, key
// status variants (active → observed; inactive / expired / archived → not active), owner variants
// (principal user, principal service account, creator only, none), and normalize() by content type.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapInventoryItem, type Listing } from '../../../../sources/anthropic/map.ts';
import { normalizeAnthropic } from '../../../../sources/anthropic/index.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE } from '../../../../source-kit/poll/inventory.ts';

const F = JSON.parse(readFileSync(new URL('../../../fixtures/anthropic/admin-api.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;
const RAW = 'raw_test_1';
const AT = Date.parse('2025-06-01T12:00:00Z');
const id = (kind: string, scope: string | null, objectId: string) =>
  'ant_inv_' +
  createHash('sha256')
    .update(`${RAW}\0${kind}\0${scope ?? ''}\0${objectId}`)
    .digest('hex')
    .slice(0, 32);

function map(listing: Listing, fixture: string, scope: string | null = null) {
  const r = mapInventoryItem(F[fixture], { listing, scope, rawId: RAW, receivedAt: AT });
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('Anthropic inventory mapping: accounts', () => {
  it('user → inventory/observed human, email lower-cased and trimmed, role kept', () => {
    expect(map('users', 'user')).toEqual({
      event: {
        event_id: id('user', null, 'user_01WCz1FkmYMm4gnmykNKU000'),
        tenant_id: null,
        category: 'inventory',
        action: 'observed',
        outcome: null,
        subject: { kind: 'human', id: 'user_01WCz1FkmYMm4gnmykNKU000', email: 'ada.lovelace@acme.example', name: 'Ada Lovelace' },
        actor: null,
        credential: null,
        occurred_at: AT,
        vendor_type: 'inventory.user',
        ocsf_class_uid: 5003,
        ocsf_activity_id: 1,
        attributes: { inventory_kind: 'user', role: 'developer', added_at: '2025-01-15T09:30:00Z' },
      },
      object: {
        kind: 'user',
        scope: null,
        id: 'user_01WCz1FkmYMm4gnmykNKU000',
        subject_kind: 'human',
        email: 'ada.lovelace@acme.example',
        name: 'Ada Lovelace',
      },
    });
  });

  it('pending invite → inventory/observed invite; an accepted one → account/deactivated (no longer pending access)', () => {
    expect(map('invites', 'invite.pending')).toEqual({
      event: {
        event_id: id('invite', null, 'invite_015gWxCN9Hfg2QhZwTK7Mdeu'),
        tenant_id: null,
        category: 'inventory',
        action: 'observed',
        outcome: null,
        subject: { kind: 'invite', id: 'invite_015gWxCN9Hfg2QhZwTK7Mdeu', email: 'new.hire@acme.example', name: null },
        actor: null,
        credential: null,
        occurred_at: AT,
        vendor_type: 'inventory.invite',
        ocsf_class_uid: 5003,
        ocsf_activity_id: 1,
        attributes: {
          inventory_kind: 'invite',
          status: 'pending',
          role: 'user',
          invited_at: '2025-03-01T10:00:00Z',
          expires_at: '2025-03-22T10:00:00Z',
        },
      },
      object: {
        kind: 'invite',
        scope: null,
        id: 'invite_015gWxCN9Hfg2QhZwTK7Mdeu',
        subject_kind: 'invite',
        email: 'new.hire@acme.example',
      },
    });
    const accepted = map('invites', 'invite.accepted').event;
    expect([accepted.category, accepted.action, accepted.vendor_type, accepted.attributes]).toEqual([
      'account',
      'deactivated',
      'inventory.invite',
      {
        inventory_kind: 'invite',
        status: 'accepted',
        role: 'developer',
        invited_at: '2025-02-01T10:00:00Z',
        expires_at: '2025-02-22T10:00:00Z',
        accepted_at: '2025-02-02T08:00:00Z',
        rbac_group_ids: 'rbac_01A,rbac_01B',
      },
    ]);
  });

  it('an expired invite closed at its own expires_at (effective_at), not at the listing that first shows it', () => {
    const expired = {
      id: 'invite_01Expired000',
      type: 'invite',
      email: 'Late.Joiner@acme.example',
      role: 'user',
      status: 'expired',
      invited_at: '2025-04-01T10:00:00Z',
      expires_at: '2025-04-22T10:00:00Z',
    };
    const r = mapInventoryItem(expired, { listing: 'invites', scope: null, rawId: RAW, receivedAt: AT });
    if (!r.ok) throw new Error(r.reason);
    expect([r.value.event.category, r.value.event.action, r.value.event.occurred_at, r.value.event.attributes]).toEqual([
      'account',
      'deactivated',
      AT,
      {
        inventory_kind: 'invite',
        status: 'expired',
        role: 'user',
        invited_at: '2025-04-01T10:00:00Z',
        expires_at: '2025-04-22T10:00:00Z',
        effective_at: '2025-04-22T10:00:00Z',
      },
    ]);
    // Deleted (and accepted) Invites carry no time of their own: dated at the listing.
    const deleted = mapInventoryItem(
      { ...expired, id: 'invite_01Deleted000', status: 'deleted' },
      { listing: 'invites', scope: null, rawId: RAW, receivedAt: AT },
    );
    if (!deleted.ok) throw new Error(deleted.reason);
    expect(deleted.value.event.attributes.effective_at).toBeUndefined();
  });

  it('service account → inventory/observed service_account; an archived one → account/deactivated', () => {
    expect(map('service_accounts', 'service_account.live')).toEqual({
      event: {
        event_id: id('service_account', null, 'svac_01Pipeline000'),
        tenant_id: null,
        category: 'inventory',
        action: 'observed',
        outcome: null,
        subject: { kind: 'service_account', id: 'svac_01Pipeline000', email: null, name: 'pipeline' },
        actor: null,
        credential: null,
        occurred_at: AT,
        vendor_type: 'inventory.service_account',
        ocsf_class_uid: 5003,
        ocsf_activity_id: 1,
        attributes: {
          inventory_kind: 'service_account',
          status: 'active',
          organization_role: 'developer',
          created_at: '2025-03-31T12:00:00Z',
          created_by_actor_id: 'user_01Admin000',
        },
      },
      object: { kind: 'service_account', scope: null, id: 'svac_01Pipeline000', subject_kind: 'service_account', name: 'pipeline' },
    });
    const archived = map('service_accounts', 'service_account.archived').event;
    expect([archived.category, archived.action, archived.subject, archived.attributes]).toEqual([
      'account',
      'deactivated',
      { kind: 'service_account', id: 'svac_01Retired000', email: null, name: 'retired' },
      {
        inventory_kind: 'service_account',
        status: 'archived',
        organization_role: 'admin',
        created_at: '2024-03-31T12:00:00Z',
        created_by_actor_id: 'user_01Admin000',
        archived_at: '2025-05-01T00:00:00Z',
        archived_by_actor_id: 'user_01Admin000',
      },
    ]);
  });

  it('workspace member → inventory/observed human membership, tenant = the workspace of the listing', () => {
    expect(map('workspace_members', 'workspace_member', 'wrkspc_01JwQvzr7rXLA5AGx3HK000')).toEqual({
      event: {
        event_id: id('workspace_member', 'wrkspc_01JwQvzr7rXLA5AGx3HK000', 'user_01WCz1FkmYMm4gnmykNKU000'),
        tenant_id: 'wrkspc_01JwQvzr7rXLA5AGx3HK000',
        category: 'inventory',
        action: 'observed',
        outcome: null,
        subject: { kind: 'human', id: 'user_01WCz1FkmYMm4gnmykNKU000', email: null, name: null },
        actor: null,
        credential: null,
        occurred_at: AT,
        vendor_type: 'inventory.workspace_member',
        ocsf_class_uid: 5003,
        ocsf_activity_id: 1,
        // A grant of the org user to the workspace, never a second account (docs/IDENTITY-MODEL.md).
        attributes: {
          inventory_kind: 'workspace_member',
          access: 'scope',
          workspace_role: 'workspace_developer',
          workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HK000',
        },
      },
      object: {
        kind: 'workspace_member',
        scope: 'wrkspc_01JwQvzr7rXLA5AGx3HK000',
        id: 'user_01WCz1FkmYMm4gnmykNKU000',
        subject_kind: 'human',
        access: 'scope',
      },
    });
  });

  it('workspaces → project subjects (tenant = themselves); archived ones stay observed with their status', () => {
    const live = map('workspaces', 'workspace.live');
    expect([
      live.event.tenant_id,
      live.event.category,
      live.event.action,
      live.event.subject,
      live.event.ocsf_class_uid,
      live.event.attributes,
      live.object,
    ]).toEqual([
      'wrkspc_01JwQvzr7rXLA5AGx3HK000',
      'inventory',
      'observed',
      { kind: 'project', id: 'wrkspc_01JwQvzr7rXLA5AGx3HK000', email: null, name: 'Production' },
      null,
      { inventory_kind: 'workspace', status: 'active', created_at: '2024-10-30T23:58:27.427722Z' },
      { kind: 'workspace', scope: null, id: 'wrkspc_01JwQvzr7rXLA5AGx3HK000', subject_kind: 'project', name: 'Production' },
    ]);
    expect(map('workspaces', 'workspace.archived').event.attributes).toEqual({
      inventory_kind: 'workspace',
      status: 'archived',
      created_at: '2024-01-01T00:00:00Z',
      archived_at: '2025-01-01T00:00:00Z',
    });
  });
});

describe('Anthropic inventory mapping: API keys', () => {
  it('active key acting as a user: observed credential api_key owned by that user; last_used_at null; partial_key_hint (what Anthropic displays of the key) kept as key_hint for secret scanning matches', () => {
    const r = map('api_keys', 'api_key.user-principal');
    expect(r).toEqual({
      event: {
        event_id: id('api_key', null, 'apikey_01Rj2N8SVvo6BePZj99Nh000'),
        tenant_id: 'wrkspc_01JwQvzr7rXLA5AGx3HK000',
        category: 'inventory',
        action: 'observed',
        outcome: null,
        subject: { kind: 'api_key', id: 'apikey_01Rj2N8SVvo6BePZj99Nh000', email: null, name: 'ci' },
        actor: null,
        credential: {
          id: 'apikey_01Rj2N8SVvo6BePZj99Nh000',
          kind: 'api_key',
          owner_id: 'user_01WCz1FkmYMm4gnmykNKU000',
          owner_kind: 'human',
          scopes: [],
          created_at: Date.parse('2025-03-01T10:00:00Z'),
          last_used_at: null,
        },
        occurred_at: AT,
        vendor_type: 'inventory.api_key',
        ocsf_class_uid: null,
        ocsf_activity_id: null,
        attributes: {
          inventory_kind: 'api_key',
          status: 'active',
          workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HK000',
          scope_type: 'workspace',
          owner_from: 'principal',
          created_by_id: 'user_01WCz1FkmYMm4gnmykNKU000',
          created_by_type: 'user',
          principal_type: 'user_actor',
          key_hint: 'sk-ant-api03-R2D...igAA',
        },
      },
      object: {
        kind: 'api_key',
        scope: null,
        id: 'apikey_01Rj2N8SVvo6BePZj99Nh000',
        subject_kind: 'api_key',
        name: 'ci',
        credential_kind: 'api_key',
      },
    });
  });

  it('a partial_key_hint not in the displayed shape (a whole key, no ellipsis, a non-string) is not read', () => {
    // 16 + 4 characters around "..." is the documented shape; a whole key is never a hint.
    const whole = ['sk-ant-api03-', 'Q'.repeat(80), '-AAAA'].join('');
    for (const hint of [whole, 'sk-ant-api03-R2DigAA', 'sk-ant-api03-R2D7...igAA', 'sk-ant-api03-R2D...igAA7', 42, null]) {
      const r = mapInventoryItem(
        { ...(F['api_key.user-principal'] as object), partial_key_hint: hint },
        { listing: 'api_keys', scope: null, rawId: RAW, receivedAt: AT },
      );
      expect(r.ok && [r.value.event.attributes.key_hint, JSON.stringify(r.value).includes('sk-ant')]).toEqual([undefined, false]);
    }
  });

  it('key acting as a service account: owner is the service account even though a user created it; organisation scope → no tenant', () => {
    const e = map('api_keys', 'api_key.sa-principal').event;
    expect([e.tenant_id, e.category, e.action, e.credential, e.attributes]).toEqual([
      null,
      'inventory',
      'observed',
      {
        id: 'apikey_01ServiceAcct000',
        kind: 'api_key',
        owner_id: 'svac_01Pipeline000',
        owner_kind: 'service_account',
        scopes: [],
        created_at: Date.parse('2025-04-01T00:00:00Z'),
        last_used_at: null,
      },
      {
        inventory_kind: 'api_key',
        status: 'active',
        expires_at: '2026-04-01T00:00:00Z',
        scope_type: 'organization',
        owner_from: 'principal',
        created_by_id: 'user_01Admin000',
        created_by_type: 'user',
        principal_type: 'service_account_actor',
        key_hint: 'sk-ant-api03-AbC...xyZ0',
      },
    ]);
  });

  it('inactive legacy key without principal: credential/deactivated, owner from created_by, tenant from the deprecated workspace_id', () => {
    const e = map('api_keys', 'api_key.legacy').event;
    expect([e.tenant_id, e.category, e.action, e.vendor_type, e.credential, e.attributes]).toEqual([
      'wrkspc_01Old000',
      'credential',
      'deactivated',
      'inventory.api_key',
      {
        id: 'apikey_01Legacy000',
        kind: 'api_key',
        owner_id: 'user_01Creator000',
        owner_kind: 'human',
        scopes: [],
        created_at: Date.parse('2024-06-01T00:00:00Z'),
        last_used_at: null,
      },
      {
        inventory_kind: 'api_key',
        status: 'inactive',
        workspace_id: 'wrkspc_01Old000',
        scope_type: 'workspace',
        owner_from: 'created_by',
        created_by_id: 'user_01Creator000',
        created_by_type: 'user',
      },
    ]);
  });

  it('archived key with no creator: credential/revoked, owner unknown', () => {
    const e = map('api_keys', 'api_key.archived').event;
    expect([e.category, e.action, e.credential?.owner_id, e.credential?.owner_kind, e.attributes]).toEqual([
      'credential',
      'revoked',
      null,
      null,
      {
        inventory_kind: 'api_key',
        status: 'archived',
        workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HK000',
        scope_type: 'workspace',
        key_hint: 'sk-ant-api03-QqQ...zzz0',
      },
    ]);
  });

  it('expired key created by a service account: credential/deactivated, owner the creating service account', () => {
    const e = map('api_keys', 'api_key.expired').event;
    expect([
      e.category,
      e.action,
      e.credential?.owner_id,
      e.credential?.owner_kind,
      e.attributes.status,
      e.attributes.owner_from,
      e.attributes.expires_at,
    ]).toEqual(['credential', 'deactivated', 'svac_01Pipeline000', 'service_account', 'expired', 'created_by', '2024-02-01T00:00:00Z']);
  });

  it('a status this mapping does not know keeps the key observed (never hides a live key)', () => {
    const r = mapInventoryItem(
      { ...(F['api_key.user-principal'] as object), status: 'quarantined' },
      { listing: 'api_keys', scope: null, rawId: RAW, receivedAt: AT },
    );
    expect(r.ok && [r.value.event.category, r.value.event.action, r.value.event.attributes.status]).toEqual([
      'inventory',
      'observed',
      'quarantined',
    ]);
  });

  it('an object without an id is rejected, naming the field', () => {
    expect(
      mapInventoryItem({ type: 'api_key', name: 'x', status: 'active' }, { listing: 'api_keys', scope: null, rawId: RAW, receivedAt: AT }),
    ).toEqual({ ok: false, reason: 'api_keys item: id: Invalid input: expected string, received undefined' });
    expect(
      mapInventoryItem(
        { type: 'workspace_member', workspace_id: 'w' },
        { listing: 'workspace_members', scope: 'w', rawId: RAW, receivedAt: AT },
      ),
    ).toEqual({ ok: false, reason: 'workspace_members item: user_id: Invalid input: expected string, received undefined' });
  });
});

describe('normalizeAnthropic', () => {
  const input = (body: unknown, contentType: string | null) => ({
    body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    contentType,
    transport: 'inventory',
    receivedAt: AT,
    rawId: RAW,
  });

  it('maps each item of a listing page and rejects the unidentifiable ones on their own', () => {
    const out = normalizeAnthropic(
      input(
        { data: [F.user, { type: 'user', email: 'x@y' }], has_more: false, first_id: 'a', last_id: 'b' },
        'application/json; planewatch-listing=users',
      ),
    );
    expect(out.events.map((e) => [e.subject.id, e.subject.email, e.vendor_type])).toEqual([
      ['user_01WCz1FkmYMm4gnmykNKU000', 'ada.lovelace@acme.example', 'inventory.user'],
    ]);
    expect(out.rejected).toEqual([
      { reason: 'data[1]: users item: id: Invalid input: expected string, received undefined', item: { type: 'user', email: 'x@y' } },
    ]);
  });

  it('reads the workspace of a members page from its content type', () => {
    const out = normalizeAnthropic(
      input(
        { data: [F.workspace_member], has_more: false },
        'application/json; planewatch-listing=workspace_members; planewatch-scope=wrkspc_9',
      ),
    );
    expect(out.events.map((e) => [e.tenant_id, e.event_id])).toEqual([
      ['wrkspc_9', id('workspace_member', 'wrkspc_9', 'user_01WCz1FkmYMm4gnmykNKU000')],
    ]);
  });

  it('refuses a body it did not produce', () => {
    expect(() => normalizeAnthropic(input({ data: [] }, 'application/json'))).toThrow(
      'Anthropic envelope content type "application/json": expected an inventory listing (planewatch-listing=users|invites|api_keys|workspaces|workspace_members|service_accounts)',
    );
    expect(() => normalizeAnthropic(input('{"data":', 'application/json; planewatch-listing=users'))).toThrow(
      /^Anthropic body is not valid JSON: /,
    );
    expect(() => normalizeAnthropic(input({ data: 'x' }, 'application/json; planewatch-listing=users'))).toThrow(
      'Anthropic users page is invalid: data: Invalid input: expected array, received string',
    );
  });

  it('maps a removed-envelope through the shared inventory helper', () => {
    const body = {
      object: 'planewatch.inventory_removed',
      event_id: 'inv_removed_x',
      connection_id: 'anthropic-main',
      kind: 'api_key',
      scope: null,
      id: 'apikey_1',
      subject_kind: 'api_key',
      email: null,
      name: 'ci',
      credential_kind: 'api_key',
      last_seen_snapshot_id: 's1',
      last_seen_at: AT - 1000,
      absent_from_snapshot_id: 's2',
      detected_at: AT,
    };
    const out = normalizeAnthropic(input(body, INVENTORY_REMOVED_CONTENT_TYPE));
    expect(
      out.events.map((e) => [e.event_id, e.category, e.action, e.subject.kind, e.subject.id, e.credential?.kind, e.vendor_type]),
    ).toEqual([['inv_removed_x', 'inventory', 'removed', 'api_key', 'apikey_1', 'api_key', 'inventory.api_key.removed']]);
  });

  it('a workspace member gone from a listing is a removed grant, also from a body written before `access` existed', () => {
    const old = {
      object: 'planewatch.inventory_removed',
      event_id: 'inv_removed_m',
      connection_id: 'anthropic-main',
      kind: 'workspace_member',
      scope: 'wrkspc_a',
      id: 'user_1',
      subject_kind: 'human',
      email: null,
      name: null,
      credential_kind: null,
      last_seen_snapshot_id: 's1',
      last_seen_at: AT - 1000,
      absent_from_snapshot_id: 's2',
      detected_at: AT,
    };
    for (const body of [old, { ...old, access: 'scope' }]) {
      const [ev] = normalizeAnthropic(input(body, INVENTORY_REMOVED_CONTENT_TYPE)).events;
      expect([ev!.tenant_id, ev!.subject.id, ev!.attributes.access]).toEqual(['wrkspc_a', 'user_1', 'scope']);
    }
    // A user gone from the users listing is the account itself, no grant.
    const [user] = normalizeAnthropic(input({ ...old, kind: 'user', scope: null }, INVENTORY_REMOVED_CONTENT_TYPE)).events;
    expect(user!.attributes.access).toBeUndefined();
  });
});
