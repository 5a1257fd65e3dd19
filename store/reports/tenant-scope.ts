// A boundary report as a tenant-scoped API token may see it (issue #18 point 2): the report of a
// tenant is built from that tenant's rows, but its query traces carried every parameter of the
// boundary map (links with their emails and account refs, every customer's and the corporate
// domains, every connection id including the platform plane's), its sources and thresholds named
// the platform plane, and evidence ids could point at other tenants' deliveries. Here every field
// is cut to the tenant: parameters outside an allowlist are withheld, the platform plane's
// thresholds and connections go, a source's last raw delivery id goes (it may be another
// tenant's), and evidence ids are kept only when they are the tenant's (store/queries/tenant-scope.ts).
import { keepTenantIds, type TenantEvidence } from '../queries/tenant-scope.ts';
import type { BoundaryReport, Control, ListedItem } from './types.ts';

/** Query parameters that hold nothing of another tenant or of the platform plane: times and the application plane's thresholds. */
const TENANT_SAFE_PARAMS = new Set([
  'now',
  'now_ms',
  'scoped',
  'from',
  'to',
  'end',
  'from_ms',
  'to_ms',
  'end_ms',
  'sla_application_ms',
  'grace_application_ms',
  'stale_application_ms',
  'predeparture_application_ms',
  'exposure_sla_application_ms',
  'directory_sources',
  'nhi_planes',
  'unobservable_kinds',
]);
export const WITHHELD = '(withheld: spans every tenant)';

/** Every evidence id of the report (items and control evidence), to ask which are the tenant's. */
export function reportEvidenceIds(r: BoundaryReport): { eventIds: string[]; rawIds: string[] } {
  const controls = r.sections.flatMap((s) => s.controls);
  return {
    eventIds: controls.flatMap((c) => [...c.evidence.event_ids, ...c.items.flatMap((i) => i.event_ids)]),
    rawIds: controls.flatMap((c) => [...c.evidence.raw_ids, ...c.items.flatMap((i) => i.raw_ids)]),
  };
}

function scopeItem(i: ListedItem, allowed: TenantEvidence): ListedItem {
  return keepTenantIds(i, allowed);
}

function scopeControl(c: Control, tenant: string, allowed: TenantEvidence): Control {
  const items = c.items
    .filter((i) => i.plane === 'application' && (i.tenant === null || i.tenant === tenant))
    .map((i) => scopeItem(i, allowed));
  return { ...c, items, evidence: { ...keepTenantIds(c.evidence, allowed), fingerprints: c.evidence.fingerprints } };
}

export function scopeReportToTenant(r: BoundaryReport, tenant: string, allowed: TenantEvidence): BoundaryReport {
  return {
    ...r,
    scope: { planes: ['application'], tenant },
    thresholds: { application: r.thresholds.application } as BoundaryReport['thresholds'],
    sources: r.sources.filter((s) => s.planes.includes('application')).map((s) => ({ ...s, planes: ['application'], last_raw_id: null })),
    sections: r.sections
      .filter((s) => s.plane === 'application' && s.tenant === tenant)
      .map((s) => ({ ...s, controls: s.controls.map((c) => scopeControl(c, tenant, allowed)) })),
    queries: r.queries.map((q) => ({
      ...q,
      params: Object.fromEntries(Object.entries(q.params).map(([k, v]) => [k, TENANT_SAFE_PARAMS.has(k) ? v : WITHHELD])),
    })),
  };
}
