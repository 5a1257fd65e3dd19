// Pieces of the operation record (sources/scim/record.ts) of one change, and the raw envelope
// that carries it to Kafka. Pure: change.ts decides what changed; this only writes it down.
import { rawEnvelopeId, type RawEnvelope } from '../../core/events/raw-envelope.ts';
import { SCIM_RECORD_KIND, type MemberSummary, type PreviousSummary, type ScimOperationRecord } from '../../sources/scim/index.ts';
import { changedAttributes, memberIds, primaryEmail, type Obj } from './resource.ts';
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
export function memberSummaries(
  ids: readonly string[],
  elements: readonly Obj[],
  stored: ReadonlyMap<string, StoredResource>,
): MemberSummary[] {
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

/** What one change did, as change.ts computed it. */
export interface ChangeFacts {
  rt: ResourceTypeDef;
  connection: string;
  method: ScimOperationRecord['method'];
  id: string;
  version: number;
  at: number;
  /** The request body (password stripped); null for DELETE. */
  request: unknown;
  passwordSupplied: boolean;
  impliedBy?: string;
  /** The stored form after the change (the tombstone's for a DELETE). */
  stored: Obj;
  /** The attributes after the change; null for a DELETE. */
  body: Obj | null;
  previous: { version: number; body: Obj } | null;
  members: { added: MemberSummary[]; removed: MemberSummary[] };
  client: ScimOperationRecord['client'];
}

/** A Group's `result` leaves out `members` (counted instead): an envelope stays the size of the request, not of the group. */
function resultOf(f: ChangeFacts): Obj | null {
  if (!f.body) return null;
  if (f.rt.name !== 'Group') return f.stored;
  const { members: _members, ...rest } = f.stored;
  return { ...rest, members_count: memberIds(f.body).length };
}

/** The operation record of a change. Its key order is part of the envelope id: keep it. */
export function changeRecord(f: ChangeFacts): ScimOperationRecord {
  return {
    kind: SCIM_RECORD_KIND,
    v: 1,
    connection: f.connection,
    method: f.method,
    path: f.method === 'POST' ? f.rt.endpoint : `${f.rt.endpoint}/${f.id}`,
    resource_type: f.rt.name,
    resource_id: f.id,
    status: f.method === 'POST' ? 201 : f.method === 'DELETE' ? 204 : 200,
    version: f.version,
    at: f.at,
    request: f.request ?? null,
    password_supplied: f.passwordSupplied,
    ...(f.impliedBy ? { implied_by: f.impliedBy } : {}),
    result: resultOf(f),
    previous: f.previous ? previousSummary(f.rt, f.previous.version, f.previous.body) : null,
    changes: {
      attributes: f.body ? changedAttributes(f.previous?.body ?? null, f.body) : [],
      members_added: f.members.added,
      members_removed: f.members.removed,
    },
    client: f.client,
  };
}
