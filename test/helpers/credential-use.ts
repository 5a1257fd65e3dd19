// An identity-event row recording one use (or the creation) of an OpenAI project key (owner user-ann, project proj_1),
// for tests of the credential activity days and the use gaps built from them.
import { identityEventToRow } from '../../core/clickhouse/rows.ts';
import { IdentityEventSchema } from '../../core/events/identity-event.ts';

export function credentialUseRow(
  id: string,
  key: string,
  at: string,
  opts: { plane?: 'platform' | 'application'; createdAt?: string; receivedAt?: string; action?: 'used' | 'created' } = {},
) {
  return identityEventToRow(
    IdentityEventSchema.parse({
      event_id: id,
      source: 'openai',
      connection_id: 'openai-main',
      plane: opts.plane ?? 'platform',
      tenant_id: 'proj_1',
      authoritative_for: null,
      category: 'credential',
      action: opts.action ?? 'used',
      outcome: null,
      subject: { kind: 'api_key', id: key, email: null, name: null },
      actor: null,
      credential: {
        id: key,
        kind: 'project_key',
        owner_id: 'user-ann',
        owner_kind: 'human',
        scopes: [],
        created_at: opts.createdAt ? Date.parse(opts.createdAt) : null,
        last_used_at: null,
      },
      occurred_at: Date.parse(at),
      received_at: Date.parse(opts.receivedAt ?? at),
      raw_id: `raw-${id}`,
      vendor_type: `credential.${opts.action ?? 'used'}`,
      ocsf_class_uid: null,
      ocsf_activity_id: null,
      attributes: {},
    }),
  );
}
