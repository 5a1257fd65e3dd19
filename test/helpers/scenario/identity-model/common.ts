// Shared pieces of the identity-model scenarios (test/integration/identity-model-scenarios.test.ts):
// times, the RawEnvelope the collector / poll runner would have written for a delivery, the
// inventory-removed envelope the poll runner derives from two complete snapshots, and the shape of
// a company's hand-written ground truth.
import { rawEnvelopeId, type RawEnvelope } from '../../../../core/events/raw-envelope.ts';
import { INVENTORY_REMOVED_CONTENT_TYPE, removedBody } from '../../../../source-kit/poll/inventory.ts';
import { pollEnvelopeId } from '../../../../services/poller/publish.ts';
import type { InventoryObject } from '../../../../source-kit/poller.ts';
import type { BoundaryMap } from '../../../../core/config/boundary-map.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** ISO 8601 without a zone suffix is read as UTC: `t('2026-11-20T09:00')`. */
export const t = (iso: string): number => {
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  if (!Number.isFinite(ms)) throw new Error(`bad time ${iso}`);
  return ms;
};
export const iso = (ms: number): string => new Date(ms).toISOString();
export const secs = (ms: number): number => Math.floor(ms / 1000);

/** Both companies are evaluated at the same instant. */
export const NOW = t('2026-11-30T12:00');

const SCHEMES: Record<string, string> = {
  okta: 'okta-authorization',
  workos: 'workos-hmac-sha256',
  auth0: 'auth0-bearer',
  aws: 'aws-bearer',
  scim: 'planewatch-hmac-sha256',
};

/** The envelope of one delivery, named as the collector (webhooks) or the poll runner (pages) names it. */
export function envelope(
  source: string,
  connection: string,
  transport: 'webhook' | 'poll' | 'inventory',
  contentType: string,
  body: string,
  receivedAt: number,
): RawEnvelope {
  const bytes = Buffer.from(body);
  return {
    id: transport === 'webhook' ? rawEnvelopeId(source, connection, bytes) : pollEnvelopeId(source, connection, contentType, bytes),
    source,
    connection_id: connection,
    received_at: receivedAt,
    transport,
    content_type: contentType,
    headers: {},
    body: bytes,
    verification:
      transport === 'webhook'
        ? { scheme: SCHEMES[source] ?? 'hmac', verified: true, detail: null }
        : { scheme: 'api-fetch', verified: true, detail: null },
  };
}

export interface Snapshot {
  id: string;
  /** when the snapshot started (its pages are received from then on) */
  startedAt: number;
  /** when its last page was received */
  completedAt: number;
  objects: InventoryObject[];
}

const objectKey = (o: InventoryObject) => `${o.kind}\u0000${o.scope ?? ''}\u0000${o.id}`;

/**
 * What the poll runner publishes between two complete snapshots: one inventory-removed envelope per
 * object of `prev` that `next` no longer lists (source-kit/poll/inventory.ts), received when `next` started.
 */
export function removedBetween(source: string, connection: string, prev: Snapshot, next: Snapshot): RawEnvelope[] {
  const present = new Set(next.objects.map(objectKey));
  return prev.objects
    .filter((o) => !present.has(objectKey(o)))
    .map((o) =>
      envelope(
        source,
        connection,
        'inventory',
        INVENTORY_REMOVED_CONTENT_TYPE,
        JSON.stringify(
          removedBody(
            connection,
            o,
            { snapshotId: prev.id, completedAt: prev.completedAt },
            { snapshotId: next.id, startedAt: next.startedAt },
          ),
        ),
        next.startedAt,
      ),
    );
}

/** A list page as the Admin APIs return it. */
export function listPage(items: unknown[], extra: Record<string, unknown> = {}): string {
  const ids = items.map((i) => (i as { id?: string; user_id?: string }).id ?? (i as { user_id?: string }).user_id ?? null);
  return JSON.stringify({
    object: 'list',
    data: items,
    first_id: ids[0] ?? null,
    last_id: ids[ids.length - 1] ?? null,
    has_more: false,
    ...extra,
  });
}

// ---- ground truth ------------------------------------------------------------------------------

export type Plane = 'platform' | 'application';

/** One expected open finding, with the reason a reader can check against the docs. */
export interface Case {
  detection: string;
  kind: string;
  id: string;
  /** '' when the finding has no tenant */
  tenant: string;
  reason: string;
}

/** The key the test compares: detection | subject kind | subject id | tenant. */
export const caseKey = (c: Pick<Case, 'detection' | 'kind' | 'id' | 'tenant'>): string => `${c.detection}|${c.kind}|${c.id}|${c.tenant}`;

export interface LagExpectation {
  count: number;
  removed: number;
  pending: number;
  overdue: number;
  breaches: number;
  /** items per source (the lag statistics' per-source rows) */
  bySource: Record<string, number>;
  /** every item: the unit (source, subject id, tenant), whether it was removed by NOW, and why */
  items: LagUnit[];
}

export interface LagUnit {
  source: string;
  id: string;
  tenant: string;
  removed: boolean;
  note: string;
}
export const lagUnitKey = (u: Pick<LagUnit, 'source' | 'id' | 'tenant' | 'removed'>): string =>
  `${u.source}|${u.id}|${u.tenant}|${u.removed ? 'removed' : 'pending'}`;

export interface Company {
  name: string;
  now: number;
  configYaml: string;
  map: BoundaryMap;
  envelopes: RawEnvelope[];
  /** the sources every envelope belongs to (each must be present) */
  sources: string[];
  cases: Case[];
  lag: Record<Plane, LagExpectation>;
  /** account findings whose detail.scopes is stated by the ground truth: `detection|kind|id|tenant` → scopes */
  scopes: Record<string, string[]>;
  /** findings whose detail.basis must be `observed` (existence by observation) */
  observed: string[];
}
