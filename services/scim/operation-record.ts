// Pieces of the operation record (sources/scim/payloads.ts) of one change, and the raw envelope
// that carries it to Kafka. Pure: the handler decides what changed; this only writes it down.
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import type { MemberSummary, PreviousSummary, ScimOperationRecord } from '../../sources/scim/index.ts';
import { memberIds, primaryEmail, type Obj } from './resource.ts';
import type { ResourceTypeDef } from './schema.ts';
import type { StoredResource } from './store.ts';

const str = (v: unknown) => (typeof v === 'string' ? v : null);

/** What the mapping needs to know of the state before the change. */
export function previousSummary(rt: ResourceTypeDef, version: number, body: Obj): PreviousSummary {
  return {
    version,
    active: typeof body.active === 'boolean' ? body.active : null,
    user_name: str(body.userName),
    external_id: str(body.externalId),
    display_name: str(body.displayName),
    email: primaryEmail(body),
    members_count: rt.name === 'Group' ? memberIds(body).length : null,
  };
}

/** The envelope of a record: transport and source 'scim', verified by the bearer token. */
export function operationEnvelope(record: ScimOperationRecord, headers: Record<string, string>): RawEnvelope {
  const body = Buffer.from(JSON.stringify(record), 'utf8');
  return {
    id: rawEnvelopeId('scim', record.connection, body),
    source: 'scim',
    connection_id: record.connection,
    received_at: record.at,
    transport: 'scim',
    content_type: 'application/json',
    headers,
    body,
    verification: { scheme: 'bearer', verified: true, detail: null },
  };
}

/** What is known of each member added or removed: its stored resource (if any) and its element. */
export function memberSummaries(ids: readonly string[], elements: readonly Obj[], stored: ReadonlyMap<string, StoredResource>): MemberSummary[] {
  return ids.map((id) => {
    const s = stored.get(id);
    const el = elements.find((e) => e.value === id);
    const declared = typeof el?.type === 'string' ? el.type.toLowerCase() : null;
    const type = s ? s.type : declared === 'group' ? 'Group' : declared === 'user' ? 'User' : null;
    const r = s?.resource ?? null;
    return {
      id,
      type,
      user_name: str(r?.userName),
      email: s?.type === 'User' ? primaryEmail(r) : null,
      external_id: str(r?.externalId),
      display: str(el?.display) ?? str(r?.displayName),
      known: s !== undefined,
    };
  });
}
