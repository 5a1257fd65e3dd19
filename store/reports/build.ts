// Pure: query results → the boundary report's sections and controls. No I/O, no clock.
// The status rules implemented here are documented in docs/REPORTS.md ("Status rules").
import { PLANES, type Plane } from '../../core/events/identity-event.ts';
import { CONTROL_META, type ControlId, type ControlStatus } from './controls.ts';
import type { Control, Figure, ListedItem, Section, SourceCoverage } from './types.ts';

export interface AccountRow {
  plane: string;
  tenant: string;
  source: string;
  subject_id: string;
  person: string;
  link: string;
  managed: number;
  event_id: string;
  raw_id: string;
}
export interface DirectoryRow {
  plane: string;
  tenant: string;
  source: string;
  connection_id: string;
  subject_id: string;
  kind: string;
  name: string;
  last_action: string;
  state: string;
  event_id: string;
  raw_id: string;
  disabled: number;
}
export interface DirectoryEventsRow {
  plane: string;
  tenant: string;
  connection_id: string;
  source: string;
  events: number;
  last_ms: number;
  last_event_id: string;
  last_raw_id: string;
}
export interface SignInRow {
  plane: string;
  tenant: string;
  source: string;
  subject_id: string;
  email: string;
  sign_ins: number;
  sso: number;
  password: number;
  other: number;
  unknown: number;
  mfa: number;
  mfa_reported: number;
  managed: number;
  event_id: string;
  raw_id: string;
}
export interface LagItemRow {
  plane: string;
  source: string;
  item: string;
  subject_kind: string;
  subject_id: string;
  tenant: string;
  person: string;
  signal_ms: number;
  signal_event_id: string;
  removed_ms: number;
  removed_event_id: string;
}
export interface CredentialRow {
  plane: string;
  tenant: string;
  source: string;
  credential_id: string;
  kind: string;
  owner_id: string;
  owner_kind: string;
  created_ms: number;
  last_used_ms: number;
  ref_ms: number;
  unobservable: number;
  event_id: string;
  raw_id: string;
}
export interface ExposureItemRow {
  plane: string;
  tenant: string;
  source: string;
  alert_id: string;
  secret_type: string;
  repository: string;
  match: string;
  credential_kind: string;
  credential_id: string;
  exposed_ms: number;
  exposed_event_id: string;
  exposed_raw_id: string;
  removed_ms: number;
  removed_event_id: string;
  in_lag: number;
}
export interface DetectionHit {
  detection: string;
  fingerprint: string;
  plane: string;
  tenant: string;
  source: string;
  subject_kind: string;
  subject_id: string;
  subject_email: string;
  event_ids: string[];
  raw_ids: string[];
  detail: Record<string, string>;
}

export interface ReportInputs {
  planes: Plane[];
  tenant: string | null;
  from: number;
  to: number;
  /** min(to, as_of) */
  end: number;
  asOf: number;
  thresholds: Record<Plane, { deprovision_sla_ms: number; grace_ms: number; stale_after_ms: number; exposure_sla_ms?: number }>;
  sources: SourceCoverage[];
  accounts: AccountRow[];
  directories: DirectoryRow[];
  directoryEvents: DirectoryEventsRow[];
  signIns: SignInRow[];
  lagItems: LagItemRow[];
  credentials: CredentialRow[];
  /** Credential exposures found in the period; absent when no secret scanning source is configured. */
  exposures?: ExposureItemRow[];
  /** Rows of the detections the report uses, each with its fingerprint. */
  hits: DetectionHit[];
  /** Findings of the crossing detections that were open at some time in the period (from pw_findings). */
  crossingFindings: DetectionHit[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const ratio = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);
const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`);
const uniq = (xs: Iterable<string>) => [...new Set([...xs].filter((x) => x !== ''))].sort();

/** Exact order statistic sorted[min(floor(q·n), n−1)] (ClickHouse quantileExact, as the lag statistics). */
export function quantileExact(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(Math.floor(q * s.length), s.length - 1)]!;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return 'n/a';
  const h = ms / 3_600_000;
  if (h >= 48) return `${(h / 24).toFixed(1)}d`;
  if (h >= 1) return `${h.toFixed(1)}h`;
  return `${Math.round(ms / 60_000)}m`;
}

function fig(name: string, label: string, value: Figure['value'], unit: Figure['unit'], queries: string[]): Figure {
  return { name, label, value, unit, queries };
}

function control(
  id: ControlId,
  status: ControlStatus,
  reason: string,
  figures: Figure[],
  items: ListedItem[],
  extra: { fingerprints?: string[]; event_ids?: string[]; raw_ids?: string[] } = {},
): Control {
  const m = CONTROL_META[id];
  return {
    id,
    title: m.title,
    question: m.question,
    status,
    reason,
    figures,
    items,
    evidence: {
      fingerprints: uniq([...items.map((i) => i.fingerprint ?? ''), ...(extra.fingerprints ?? [])]),
      event_ids: uniq([...items.flatMap((i) => i.event_ids), ...(extra.event_ids ?? [])]),
      raw_ids: uniq([...items.flatMap((i) => i.raw_ids), ...(extra.raw_ids ?? [])]),
    },
    frameworks: m.frameworks,
  };
}

interface Scope {
  plane: Plane;
  tenant: string | null;
}
const inScope = (s: Scope) => (r: { plane: string; tenant: string }) => r.plane === s.plane && (s.tenant === null || r.tenant === s.tenant);
const tenantOf = (t: string) => (t === '' ? null : t);

function hitItem(kind: string, h: DetectionHit): ListedItem {
  return {
    kind,
    plane: h.plane as Plane,
    tenant: tenantOf(h.tenant),
    source: h.source,
    id: h.subject_id,
    email: h.subject_email || null,
    detail: { ...h.detail, detection: h.detection, subject_kind: h.subject_kind },
    fingerprint: h.fingerprint,
    event_ids: h.event_ids.filter(Boolean),
    raw_ids: h.raw_ids.filter(Boolean),
  };
}
const byItem = (a: ListedItem, b: ListedItem) =>
  a.kind.localeCompare(b.kind) ||
  a.source.localeCompare(b.source) ||
  (a.tenant ?? '').localeCompare(b.tenant ?? '') ||
  a.id.localeCompare(b.id);

/** Sources feeding the plane (a connection whose base plane or a plane rule is this plane). */
function planeSources(inp: ReportInputs, plane: Plane): SourceCoverage[] {
  return inp.sources.filter((s) => s.planes.includes(plane));
}

function provisioning(inp: ReportInputs, s: Scope): Control {
  const events = inp.directoryEvents.filter(inScope(s));
  const dirs = inp.directories.filter(inScope(s));
  const disabled = dirs.filter((d) => d.disabled === 1);
  const conns = uniq(events.map((e) => e.connection_id));
  const silent = conns.filter((c) => inp.sources.find((x) => x.connection_id === c)?.silent_at_end ?? true);
  const delivering = conns.filter((c) => !silent.includes(c));
  const accounts = inp.accounts.filter(inScope(s));
  const unmanaged = accounts.filter((a) => a.managed !== 1);
  const managedShare = ratio(accounts.length - unmanaged.length, accounts.length);
  const hitsFor = (det: string) =>
    new Map(inp.hits.filter((h) => h.detection === det).map((h) => [`${h.plane}|${h.tenant}|${h.source}|${h.subject_id}`, h]));
  const unmanagedHits = hitsFor('PW-UNMANAGED-ACCOUNT');
  const disabledHits = hitsFor('PW-PROVISIONING-DISABLED');
  const items: ListedItem[] = [
    ...unmanaged.map((a): ListedItem => {
      const h = unmanagedHits.get(`${a.plane}|${a.tenant}|${a.source}|${a.subject_id}`);
      return {
        kind: 'unmanaged_account',
        plane: s.plane,
        tenant: tenantOf(a.tenant),
        source: a.source,
        id: a.subject_id,
        email: a.person || null,
        detail: { link: a.link, reason: a.person === '' ? 'no email or link' : 'no directory account with this email' },
        fingerprint: h?.fingerprint ?? null,
        event_ids: [a.event_id].filter(Boolean),
        raw_ids: [a.raw_id].filter(Boolean),
      };
    }),
    ...disabled.map((d): ListedItem => ({
      kind: 'provisioning_disabled',
      plane: s.plane,
      tenant: tenantOf(d.tenant),
      source: d.source,
      id: d.subject_id,
      email: null,
      detail: { name: d.name, last_action: d.last_action, state: d.state, connection_id: d.connection_id },
      fingerprint: disabledHits.get(`${d.plane}|${d.tenant}|${d.source}|${d.subject_id}`)?.fingerprint ?? null,
      event_ids: [d.event_id].filter(Boolean),
      raw_ids: [d.raw_id].filter(Boolean),
    })),
    ...silent.map((c): ListedItem => {
      const src = inp.sources.find((x) => x.connection_id === c);
      return {
        kind: 'directory_source_silent',
        plane: s.plane,
        tenant: s.tenant,
        source: src?.source ?? '',
        id: c,
        email: null,
        detail: { last_delivery_at: src?.last_delivery_at ?? 'never', silent_after_ms: String(src?.silent_after_ms ?? '') },
        fingerprint: inp.hits.find((h) => h.detection === 'PW-SOURCE-SILENT' && h.subject_id === c)?.fingerprint ?? null,
        event_ids: [],
        raw_ids: src?.last_raw_id ? [src.last_raw_id] : [],
      };
    }),
  ].sort(byItem);
  const figures = [
    fig(
      'directory_events',
      'authoritative directory events in the period',
      events.reduce((n, e) => n + Number(e.events), 0),
      'count',
      ['directory_events'],
    ),
    fig('directory_connections', 'directory connections that delivered in the period', conns.length, 'count', ['directory_events']),
    fig('directory_connections_delivering', 'of which still delivering at the end of the period', delivering.length, 'count', [
      'directory_events',
      'deliveries',
    ]),
    fig('provisioning_disabled', 'directories / SCIM connections with provisioning disabled', disabled.length, 'count', ['directories']),
    fig('active_accounts', 'active human accounts outside the directories', accounts.length, 'count', ['accounts']),
    fig('managed_accounts', 'of which linked to an authoritative directory', accounts.length - unmanaged.length, 'count', ['accounts']),
    fig('unmanaged_accounts', 'unmanaged accounts', unmanaged.length, 'count', ['accounts']),
    fig('managed_share', 'share of active accounts that are directory-managed', managedShare, 'ratio', ['accounts']),
  ];
  let status: ControlStatus;
  let reason: string;
  if (conns.length === 0) {
    status = 'not_proven';
    reason = 'no authoritative directory delivered any event in the period';
  } else if (delivering.length === 0) {
    status = 'not_proven';
    reason = `the directory source${silent.length > 1 ? 's' : ''} ${silent.join(', ')} went silent before the end of the period`;
  } else if (disabled.length > 0) {
    status = 'not_proven';
    reason = `provisioning is disabled on ${disabled.map((d) => d.subject_id).join(', ')}`;
  } else if (unmanaged.length > 0) {
    status = 'partly';
    reason = `a directory delivers, but ${unmanaged.length} of ${accounts.length} active accounts are unmanaged (${pct(managedShare)} managed)`;
  } else {
    status = 'proven';
    reason = `${delivering.length} directory connection(s) delivering; every active account (${accounts.length}) is directory-managed`;
  }
  return control('provisioning', status, reason, figures, items);
}

function authentication(inp: ReportInputs, s: Scope): Control {
  const rows = inp.signIns.filter(inScope(s));
  const sum = (f: (r: SignInRow) => number) => rows.reduce((n, r) => n + Number(f(r)), 0);
  const total = sum((r) => r.sign_ins);
  const sso = sum((r) => r.sso);
  const reportingSources = new Set(rows.filter((r) => Number(r.mfa_reported) > 0).map((r) => r.source));
  const mfaBase = rows.filter((r) => reportingSources.has(r.source)).reduce((n, r) => n + Number(r.sign_ins), 0);
  const mfa = sum((r) => r.mfa);
  const unmanaged = rows.filter((r) => r.managed !== 1);
  const unmanagedSignIns = unmanaged.reduce((n, r) => n + Number(r.sign_ins), 0);
  const accounts = inp.accounts.filter(inScope(s)).length;
  const items: ListedItem[] = unmanaged
    .map((r): ListedItem => ({
      kind: 'unmanaged_sign_in',
      plane: s.plane,
      tenant: tenantOf(r.tenant),
      source: r.source,
      id: r.subject_id,
      email: r.email || null,
      detail: {
        sign_ins: String(r.sign_ins),
        sso: String(r.sso),
        password: String(r.password),
        other: String(r.other),
        unknown: String(r.unknown),
      },
      fingerprint: null,
      event_ids: [r.event_id].filter(Boolean),
      raw_ids: [r.raw_id].filter(Boolean),
    }))
    .sort(byItem);
  const figures = [
    fig('sign_ins', 'successful sign-ins in the period', total, 'count', ['sign_ins']),
    fig('sso', 'through SSO', sso, 'count', ['sign_ins']),
    fig(
      'password',
      'with a password',
      sum((r) => r.password),
      'count',
      ['sign_ins'],
    ),
    fig(
      'other_method',
      'with another method (magic link, social, passkey, ...)',
      sum((r) => r.other),
      'count',
      ['sign_ins'],
    ),
    fig(
      'unknown_method',
      'method not reported by the source',
      sum((r) => r.unknown),
      'count',
      ['sign_ins'],
    ),
    fig('sso_share', 'share of sign-ins through SSO', ratio(sso, total), 'ratio', ['sign_ins']),
    fig('mfa_share', 'share with MFA (sources that report MFA)', ratio(mfa, mfaBase), 'ratio', ['sign_ins']),
    fig('unmanaged_sign_ins', 'sign-ins by accounts that are not directory-managed', unmanagedSignIns, 'count', ['sign_ins']),
  ];
  let status: ControlStatus;
  let reason: string;
  if (total === 0 && accounts === 0) {
    status = 'not_applicable';
    reason = 'no accounts and no sign-ins in scope';
  } else if (total === 0) {
    status = 'not_proven';
    reason = 'no successful sign-in was observed in the period: how people get in is not evidenced';
  } else if (sso === 0) {
    status = 'not_proven';
    reason = `none of the ${total} sign-ins went through SSO`;
  } else if (sso < total || unmanagedSignIns > 0) {
    status = 'partly';
    reason = `${pct(ratio(sso, total))} of ${total} sign-ins through SSO; ${unmanagedSignIns} by unmanaged accounts`;
  } else {
    status = 'proven';
    reason = `all ${total} sign-ins through SSO by directory-managed accounts`;
  }
  return control('authentication', status, reason, figures, items);
}

function deprovisioning(inp: ReportInputs, s: Scope, provisioningStatus: Control): Control {
  const sla = inp.thresholds[s.plane].deprovision_sla_ms;
  const items = inp.lagItems.filter(inScope(s));
  const removed = items.filter((i) => Number(i.removed_ms) > 0);
  const lags = removed.map((i) => Number(i.removed_ms) - Number(i.signal_ms));
  const pending = items.filter((i) => Number(i.removed_ms) === 0);
  const overdue = pending.filter((i) => inp.asOf - Number(i.signal_ms) > sla);
  const breaches = removed.filter((i) => Number(i.removed_ms) - Number(i.signal_ms) > sla);
  const leavers = uniq(items.map((i) => i.person));
  const aad = inp.hits
    .filter((h) => h.detection === 'PW-ACTIVITY-AFTER-DEPROVISION' && inScope(s)(h))
    .filter((h) => {
      const at = Date.parse((h.detail.activity_at ?? '').replace(' ', 'T') + 'Z');
      return at >= inp.from && at < inp.end;
    });
  const overdueHits = new Map(
    inp.hits.filter((h) => h.detection === 'PW-DEPROV-OVERDUE').map((h) => [`${h.plane}|${h.tenant}|${h.source}|${h.subject_id}`, h]),
  );
  const listed: ListedItem[] = [
    ...pending.map((i): ListedItem => ({
      kind: inp.asOf - Number(i.signal_ms) > sla ? 'overdue_removal' : 'pending_removal',
      plane: s.plane,
      tenant: tenantOf(i.tenant),
      source: i.source,
      id: i.subject_id,
      email: i.person || null,
      detail: {
        item: i.item,
        subject_kind: i.subject_kind,
        signal_at: iso(Number(i.signal_ms)),
        pending_ms: String(inp.asOf - Number(i.signal_ms)),
      },
      fingerprint: overdueHits.get(`${i.plane}|${i.tenant}|${i.source}|${i.subject_id}`)?.fingerprint ?? null,
      event_ids: [i.signal_event_id].filter(Boolean),
      raw_ids: [],
    })),
    ...breaches.map((i): ListedItem => ({
      kind: 'late_removal',
      plane: s.plane,
      tenant: tenantOf(i.tenant),
      source: i.source,
      id: i.subject_id,
      email: i.person || null,
      detail: {
        item: i.item,
        subject_kind: i.subject_kind,
        signal_at: iso(Number(i.signal_ms)),
        removed_at: iso(Number(i.removed_ms)),
        lag_ms: String(Number(i.removed_ms) - Number(i.signal_ms)),
      },
      fingerprint: null,
      event_ids: [i.signal_event_id, i.removed_event_id].filter(Boolean),
      raw_ids: [],
    })),
    ...aad.map((h) => hitItem('activity_after_deprovision', h)),
  ].sort(byItem);
  const q = ['lag_items'];
  const figures = [
    fig('leavers', 'people deprovisioned in the period (directory signal)', leavers.length, 'count', q),
    fig('items', 'their accounts and credentials on this plane', items.length, 'count', q),
    fig('removed', 'removed', removed.length, 'count', q),
    fig('removed_within_sla', 'removed within the SLA', removed.length - breaches.length, 'count', q),
    fig('within_sla_share', 'share removed within the SLA', ratio(removed.length - breaches.length, items.length), 'ratio', q),
    fig('breaches', 'removed later than the SLA', breaches.length, 'count', q),
    fig('pending', 'still pending', pending.length, 'count', q),
    fig('overdue', 'pending longer than the SLA', overdue.length, 'count', q),
    fig('lag_p50_ms', 'lag p50', quantileExact(lags, 0.5), 'ms', q),
    fig('lag_p90_ms', 'lag p90', quantileExact(lags, 0.9), 'ms', q),
    fig('lag_max_ms', 'lag max', lags.length ? Math.max(...lags) : null, 'ms', q),
    fig('sla_ms', "the plane's deprovisioning SLA", sla, 'ms', []),
    fig('activity_after_deprovision', 'activity after deprovision in the period', aad.length, 'count', [
      'detection:PW-ACTIVITY-AFTER-DEPROVISION',
    ]),
  ];
  const dirFig = provisioningStatus.figures.find((f) => f.name === 'directory_connections')!;
  const dirLive = provisioningStatus.figures.find((f) => f.name === 'directory_connections_delivering')!;
  let status: ControlStatus;
  let reason: string;
  if (overdue.length > 0 || aad.length > 0) {
    status = 'not_proven';
    reason = `${overdue.length} removal(s) overdue beyond the ${formatMs(sla)} SLA; ${aad.length} case(s) of activity after deprovision`;
  } else if (dirFig.value === 0) {
    status = 'not_proven';
    reason = 'no authoritative directory delivered in the period: leavers cannot be observed';
  } else if (items.length === 0) {
    status = 'not_applicable';
    reason = 'nobody with access to this plane was deprovisioned in the period';
  } else if (breaches.length > 0 || pending.length > 0 || dirLive.value === 0) {
    status = 'partly';
    reason = `${breaches.length} removal(s) later than the SLA; ${pending.length} still pending within the SLA${dirLive.value === 0 ? '; the directory went silent before the end of the period' : ''}`;
  } else {
    status = 'proven';
    reason = `all ${items.length} accounts/credentials of ${leavers.length} leaver(s) removed within the ${formatMs(sla)} SLA; no activity after deprovision`;
  }
  return control('deprovisioning', status, reason, figures, listed, {
    event_ids: items.flatMap((i) => [i.signal_event_id, i.removed_event_id]),
  });
}

function credentials(inp: ReportInputs, s: Scope): Control {
  const creds = inp.credentials.filter(inScope(s));
  const ids = new Set(creds.map((c) => `${c.source}|${c.credential_id}`));
  const mine = (det: string) => inp.hits.filter((h) => h.detection === det && inScope(s)(h) && ids.has(`${h.source}|${h.subject_id}`));
  const stale = mine('PW-STALE-CREDENTIAL');
  const orphaned = mine('PW-ORPHANED-CREDENTIAL');
  const byKind = new Map<string, number>();
  for (const c of creds) byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
  const observable = creds
    .filter((c) => c.unobservable !== 1)
    .sort((a, b) => Number(a.ref_ms) - Number(b.ref_ms) || a.credential_id.localeCompare(b.credential_id));
  const oldest = observable[0];
  const items = [...stale.map((h) => hitItem('stale_credential', h)), ...orphaned.map((h) => hitItem('orphaned_credential', h))].sort(
    byItem,
  );
  const figures = [
    fig('active_credentials', 'active credentials', creds.length, 'count', ['credentials']),
    ...[...byKind.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => fig(`kind:${k}`, `of kind ${k}`, n, 'count', ['credentials'])),
    fig('living_owner', 'with a known living owner', creds.length - orphaned.length, 'count', [
      'credentials',
      'detection:PW-ORPHANED-CREDENTIAL',
    ]),
    fig('living_owner_share', 'share with a known living owner', ratio(creds.length - orphaned.length, creds.length), 'ratio', [
      'credentials',
      'detection:PW-ORPHANED-CREDENTIAL',
    ]),
    fig('stale', "stale (unused longer than the plane's threshold)", stale.length, 'count', ['detection:PW-STALE-CREDENTIAL']),
    fig('orphaned', 'orphaned (owner removed, deprovisioned or unknown)', orphaned.length, 'count', ['detection:PW-ORPHANED-CREDENTIAL']),
    fig('oldest_unused', 'oldest unused credential', oldest ? `${oldest.source}:${oldest.credential_id}` : null, 'text', ['credentials']),
    fig(
      'oldest_unused_since',
      oldest && Number(oldest.last_used_ms) > 0 ? 'its last use' : 'never used; created / first seen',
      oldest ? iso(Number(oldest.ref_ms)) : null,
      'time',
      ['credentials'],
    ),
  ];
  let status: ControlStatus;
  let reason: string;
  if (creds.length === 0) {
    status = 'not_applicable';
    reason = 'no active credential in scope';
  } else if (orphaned.length > 0) {
    status = 'not_proven';
    reason = `${orphaned.length} of ${creds.length} active credentials have no living owner`;
  } else if (stale.length > 0) {
    status = 'partly';
    reason = `every credential has a living owner, but ${stale.length} are stale`;
  } else {
    status = 'proven';
    reason = `all ${creds.length} active credentials have a living owner and none is stale`;
  }
  const exposure = exposureLag(inp, s);
  if (!exposure) return control('credentials', status, reason, figures, items);
  return control(
    'credentials',
    worse(status, exposure.status),
    status === 'not_applicable' && exposure.status !== 'not_applicable' ? exposure.reason : `${reason}; ${exposure.reason}`,
    [...figures, ...exposure.figures],
    [...items, ...exposure.items].sort(byItem),
    { event_ids: exposure.eventIds, raw_ids: exposure.rawIds },
  );
}

const STATUS_ORDER: readonly ControlStatus[] = ['not_applicable', 'proven', 'partly', 'not_proven'];
const worse = (a: ControlStatus, b: ControlStatus): ControlStatus => (STATUS_ORDER.indexOf(a) >= STATUS_ORDER.indexOf(b) ? a : b);

export const NOT_MATCHED = 'not matched: planewatch does not know which credential';

/**
 * Exposure lag in the credentials control (docs/REPORTS.md): exposures found in the period whose
 * credential is known (in_lag), revoked within the plane's exposure SLA or not; exposures that
 * matched no credential or several are listed and keep the control from being proven, never
 * counted in the lag. null when no secret scanning source is configured.
 */
function exposureLag(
  inp: ReportInputs,
  s: Scope,
): { status: ControlStatus; reason: string; figures: Figure[]; items: ListedItem[]; eventIds: string[]; rawIds: string[] } | null {
  const sla = inp.thresholds[s.plane].exposure_sla_ms;
  if (!inp.exposures || sla === undefined) return null;
  const mine = inp.exposures.filter(inScope(s));
  const items = mine.filter((x) => Number(x.in_lag) === 1);
  const unmatched = mine.filter((x) => x.match !== 'one');
  const removed = items.filter((x) => Number(x.removed_ms) > 0);
  const lags = removed.map((x) => Number(x.removed_ms) - Number(x.exposed_ms));
  const breaches = removed.filter((x) => Number(x.removed_ms) - Number(x.exposed_ms) > sla);
  const pending = items.filter((x) => Number(x.removed_ms) === 0);
  const overdue = pending.filter((x) => inp.asOf - Number(x.exposed_ms) > sla);
  const base = (x: ExposureItemRow) => ({
    alert: x.alert_id,
    secret_type: x.secret_type,
    repository: x.repository,
    match: x.match,
    exposed_at: iso(Number(x.exposed_ms)),
  });
  const listed = (kind: string, x: ExposureItemRow, detail: Record<string, string>): ListedItem => ({
    kind,
    plane: s.plane,
    tenant: tenantOf(x.tenant),
    source: x.source,
    id: x.match === 'one' ? x.credential_id : x.alert_id,
    email: null,
    detail: { ...base(x), ...(x.match === 'one' ? { credential_kind: x.credential_kind } : {}), ...detail },
    fingerprint: null,
    event_ids: [x.exposed_event_id, x.match === 'one' ? x.removed_event_id : ''].filter(Boolean),
    raw_ids: [x.exposed_raw_id].filter(Boolean),
  });
  const listedItems = [
    ...pending.map((x) =>
      listed(inp.asOf - Number(x.exposed_ms) > sla ? 'exposure_overdue' : 'exposure_pending', x, {
        active_for_ms: String(inp.asOf - Number(x.exposed_ms)),
      }),
    ),
    ...breaches.map((x) =>
      listed('exposure_late_revocation', x, {
        revoked_at: iso(Number(x.removed_ms)),
        lag_ms: String(Number(x.removed_ms) - Number(x.exposed_ms)),
      }),
    ),
    ...unmatched.map((x) => listed('exposure_unmatched', x, { note: NOT_MATCHED })),
  ];
  const q = ['exposures'];
  const figures = [
    fig('exposures', 'exposed credentials found in the period (secret scanning)', items.length, 'count', q),
    fig('exposures_revoked', 'revoked', removed.length, 'count', q),
    fig('exposures_revoked_within_sla', 'revoked within the exposure SLA', removed.length - breaches.length, 'count', q),
    fig('exposure_breaches', 'revoked later than the exposure SLA', breaches.length, 'count', q),
    fig('exposures_active', 'still active', pending.length, 'count', q),
    fig('exposures_overdue', 'still active longer than the exposure SLA', overdue.length, 'count', q),
    fig('exposure_lag_p50_ms', 'exposure lag p50', quantileExact(lags, 0.5), 'ms', q),
    fig('exposure_lag_p90_ms', 'exposure lag p90', quantileExact(lags, 0.9), 'ms', q),
    fig('exposure_lag_max_ms', 'exposure lag max', lags.length ? Math.max(...lags) : null, 'ms', q),
    fig('exposure_sla_ms', "the plane's exposure SLA", sla, 'ms', []),
    fig('exposures_unmatched', 'exposures matching no known credential, or several', unmatched.length, 'count', q),
  ];
  let status: ControlStatus;
  let reason: string;
  if (overdue.length > 0 || breaches.length > 0) {
    status = 'not_proven';
    reason = `exposure SLA ${formatMs(sla)} not met: ${overdue.length} exposed credential(s) still active past it, ${breaches.length} revoked after it`;
  } else if (unmatched.length > 0) {
    status = 'partly';
    reason = `${unmatched.length} exposure(s) not matched to one credential: planewatch does not know which credential, so its revocation is not proven`;
  } else if (pending.length > 0) {
    status = 'partly';
    reason = `${pending.length} exposed credential(s) still active, within the ${formatMs(sla)} exposure SLA so far`;
  } else if (items.length === 0) {
    status = 'not_applicable';
    reason = 'no credential exposure found in the period';
  } else {
    status = 'proven';
    reason = `all ${items.length} exposed credential(s) revoked within the ${formatMs(sla)} exposure SLA`;
  }
  return {
    status,
    reason,
    figures,
    items: listedItems,
    eventIds: mine.flatMap((x) => [x.exposed_event_id, x.match === 'one' ? x.removed_event_id : '']),
    rawIds: mine.map((x) => x.exposed_raw_id),
  };
}

function auditTrail(inp: ReportInputs, s: Scope): Control {
  const srcs = planeSources(inp, s.plane);
  const never = srcs.filter((x) => x.deliveries === 0);
  const silent = srcs.filter((x) => x.silent_at_end);
  const withGaps = srcs.filter((x) => x.gaps.length > 0);
  const dlq = srcs.reduce((n, x) => n + x.dead_letters, 0);
  const silentHits = new Map(inp.hits.filter((h) => h.detection === 'PW-SOURCE-SILENT').map((h) => [h.subject_id, h]));
  const items: ListedItem[] = srcs
    .filter((x) => x.gaps.length > 0 || x.dead_letters > 0 || x.deliveries === 0)
    .map((x): ListedItem => ({
      kind: x.silent_at_end || x.deliveries === 0 ? 'silent_source' : 'source_gap',
      plane: s.plane,
      tenant: null,
      source: x.source,
      id: x.connection_id,
      email: null,
      detail: {
        last_delivery_at: x.last_delivery_at ?? 'never',
        gaps: String(x.gaps.length),
        longest_gap_ms: String(x.longest_gap_ms ?? 0),
        silent_after_ms: String(x.silent_after_ms),
        dead_letters: String(x.dead_letters),
      },
      fingerprint: silentHits.get(x.connection_id)?.fingerprint ?? null,
      event_ids: [],
      raw_ids: x.last_raw_id ? [x.last_raw_id] : [],
    }))
    .sort(byItem);
  const q = ['deliveries', 'dead_letters'];
  const figures = [
    fig('expected_sources', 'sources expected for the plane (enabled connections)', srcs.length, 'count', []),
    fig('sources_delivering', 'delivered in the period', srcs.length - never.length, 'count', q),
    fig('sources_silent_at_end', 'silent at the end of the period', silent.length, 'count', q),
    fig('sources_with_gaps', 'with gaps longer than their expected interval', withGaps.length, 'count', q),
    fig(
      'gaps',
      'gaps longer than the expected interval',
      srcs.reduce((n, x) => n + x.gaps.length, 0),
      'count',
      q,
    ),
    fig('dead_letters', 'rejected deliveries (DLQ)', dlq, 'count', ['dead_letters']),
    fig(
      'coverage',
      'lowest coverage of a source (share of the period without a gap)',
      srcs.length ? Math.min(...srcs.map((x) => x.coverage)) : null,
      'ratio',
      q,
    ),
  ];
  let status: ControlStatus;
  let reason: string;
  if (srcs.length === 0) {
    status = 'not_proven';
    reason = 'no source is configured for this plane';
  } else if (never.length > 0 || silent.length > 0) {
    status = 'not_proven';
    reason = `${[...new Set([...never, ...silent].map((x) => x.connection_id))].sort().join(', ')} silent at the end of the period (or never delivered)`;
  } else if (withGaps.length > 0 || dlq > 0) {
    status = 'partly';
    reason = `${withGaps.length} source(s) with gaps longer than their expected interval; ${dlq} rejected deliveries`;
  } else {
    status = 'proven';
    reason = `all ${srcs.length} sources delivered throughout the period; no rejected deliveries`;
  }
  return control('audit_trail', status, reason, figures, items, { raw_ids: srcs.map((x) => x.last_raw_id ?? '') });
}

const CROSSING_KINDS: Record<string, string> = {
  'PW-CUSTOMER-IN-PLATFORM': 'customer_on_platform',
  'PW-PLATFORM-IN-TENANT': 'platform_identity_in_tenant',
  'PW-NHI-HUMAN-ACTION': 'nhi_human_action',
};

function separation(inp: ReportInputs, s: Scope): Control {
  const inPeriod = (h: DetectionHit) => {
    if (h.detection !== 'PW-NHI-HUMAN-ACTION') return true;
    const first = Date.parse((h.detail.first_at ?? '').replace(' ', 'T') + 'Z');
    const last = Date.parse((h.detail.last_at ?? '').replace(' ', 'T') + 'Z');
    return !(last < inp.from || first >= inp.end);
  };
  const current = inp.hits.filter((h) => h.detection in CROSSING_KINDS && inScope(s)(h) && inPeriod(h));
  const byFp = new Map(current.map((h) => [h.fingerprint, h]));
  for (const f of inp.crossingFindings) if (inScope(s)(f) && !byFp.has(f.fingerprint)) byFp.set(f.fingerprint, f);
  const all = [...byFp.values()];
  const items = all.map((h) => hitItem(CROSSING_KINDS[h.detection]!, h)).sort(byItem);
  const count = (d: string) => all.filter((h) => h.detection === d).length;
  const figures = [
    fig('crossings', 'boundary crossings open in the period', all.length, 'count', [
      'detection:PW-CUSTOMER-IN-PLATFORM',
      'detection:PW-PLATFORM-IN-TENANT',
      'detection:PW-NHI-HUMAN-ACTION',
      'crossing_findings',
    ]),
    fig('customer_on_platform', 'customer identities holding platform access', count('PW-CUSTOMER-IN-PLATFORM'), 'count', [
      'detection:PW-CUSTOMER-IN-PLATFORM',
      'crossing_findings',
    ]),
    fig('platform_identity_in_tenant', 'platform identities inside customer tenants', count('PW-PLATFORM-IN-TENANT'), 'count', [
      'detection:PW-PLATFORM-IN-TENANT',
      'crossing_findings',
    ]),
    fig('nhi_human_action', 'non-human credentials doing human actions', count('PW-NHI-HUMAN-ACTION'), 'count', [
      'detection:PW-NHI-HUMAN-ACTION',
      'crossing_findings',
    ]),
  ];
  const status: ControlStatus = all.length === 0 ? 'proven' : 'not_proven';
  const reason = all.length === 0 ? 'no boundary crossing was open in the period' : `${all.length} boundary crossing(s) open in the period`;
  return control('separation', status, reason, figures, items);
}

function section(inp: ReportInputs, s: Scope): Section {
  const prov = provisioning(inp, s);
  return {
    plane: s.plane,
    tenant: s.tenant,
    controls: [prov, authentication(inp, s), deprovisioning(inp, s, prov), credentials(inp, s), auditTrail(inp, s), separation(inp, s)],
  };
}

/**
 * One section per plane in scope, then one per tenant of the application plane (tenants seen in
 * accounts, sign-ins, lag items, credentials, directory events or exposures). A tenant scope gives only that
 * tenant's application-plane section.
 */
export function buildSections(inp: ReportInputs): Section[] {
  if (inp.tenant !== null) return [section(inp, { plane: 'application', tenant: inp.tenant })];
  const out: Section[] = [];
  for (const plane of PLANES.filter((p) => inp.planes.includes(p))) out.push(section(inp, { plane, tenant: null }));
  if (inp.planes.includes('application')) {
    const app = <T extends { plane: string; tenant: string }>(rows: T[]) =>
      rows.filter((r) => r.plane === 'application').map((r) => r.tenant);
    const tenants = uniq([
      ...app(inp.accounts),
      ...app(inp.signIns),
      ...app(inp.lagItems),
      ...app(inp.credentials),
      ...app(inp.directoryEvents),
      ...app(inp.exposures ?? []),
    ]);
    for (const t of tenants) out.push(section(inp, { plane: 'application', tenant: t }));
  }
  return out;
}
