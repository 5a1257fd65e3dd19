// Identity events for tests, written compactly: the fields a test cares about, the rest at their
// schema defaults (connection `<source>-main`, platform plane, no tenant, actor or credential),
// times as ISO strings. Parsed by the real IdentityEventSchema, so a test event is a valid one.
import { identityEventToRow } from '../../core/clickhouse/rows.ts';
import { IdentityEventSchema, type IdentityEvent } from '../../core/events/identity-event.ts';

export interface TestEvent {
  id: string;
  /** occurred_at; received_at too unless `received` is given (a backfill, a first listing). */
  at: string;
  received?: string;
  source: string;
  connection?: string;
  plane?: string;
  tenant?: string | null;
  authoritative_for?: string | null;
  category: string;
  action: string;
  outcome?: string | null;
  subject: { kind: string; id: string; email?: string | null; name?: string | null };
  actor?: { kind: string; id?: string | null; email?: string | null; credential_id?: string | null } | null;
  credential?: {
    id: string;
    kind: string;
    owner_id?: string | null;
    owner_kind?: string | null;
    scopes?: string[];
    created_at?: string | null;
    last_used_at?: string | null;
  } | null;
  attributes?: Record<string, string>;
  vendor_type?: string;
}

export function ms(iso: string): number {
  const v = Date.parse(iso);
  if (Number.isNaN(v)) throw new Error(`not an ISO time: ${iso}`);
  return v;
}

export function identityEvent(e: TestEvent): IdentityEvent {
  const c = e.credential;
  return IdentityEventSchema.parse({
    event_id: e.id,
    source: e.source,
    connection_id: e.connection ?? `${e.source}-main`,
    plane: e.plane ?? 'platform',
    tenant_id: e.tenant ?? null,
    authoritative_for: e.authoritative_for ?? null,
    category: e.category,
    action: e.action,
    outcome: e.outcome ?? null,
    subject: { kind: e.subject.kind, id: e.subject.id, email: e.subject.email ?? null, name: e.subject.name ?? null },
    actor: e.actor
      ? {
          kind: e.actor.kind,
          id: e.actor.id ?? null,
          email: e.actor.email ?? null,
          ip: null,
          user_agent: null,
          credential_id: e.actor.credential_id ?? null,
        }
      : null,
    credential: c
      ? {
          id: c.id,
          kind: c.kind,
          owner_id: c.owner_id ?? null,
          owner_kind: c.owner_kind ?? null,
          scopes: c.scopes ?? [],
          created_at: c.created_at ? ms(c.created_at) : null,
          last_used_at: c.last_used_at ? ms(c.last_used_at) : null,
        }
      : null,
    occurred_at: ms(e.at),
    received_at: ms(e.received ?? e.at),
    raw_id: `raw-${e.id}`,
    vendor_type: e.vendor_type ?? `${e.category}.${e.action}`,
    ocsf_class_uid: null,
    ocsf_activity_id: null,
    attributes: e.attributes ?? {},
  });
}

/** identityEvent as an identity_events row. */
export const identityEventRow = (e: TestEvent) => identityEventToRow(identityEvent(e));
