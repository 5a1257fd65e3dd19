// GitHub secret scanning alert → credential exposure events.
// Mapping decisions: README.md in this folder; vendor facts: docs/vendors/github.md.
import type { MappedEvent } from '../../core/events/identity-event.ts';
import type { StoredAlert } from './payloads.ts';

export type MapResult = { ok: true; events: MappedEvent[] } | { ok: false; reason: string };

function epochMs(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

function compact(attrs: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (typeof v === 'string' && v.length > 0) out[k] = v;
  return out;
}

export function alertSubjectId(repo: string, number: number): string {
  return `github-alert:${repo}#${number}`;
}

/** Maps one alert (secret already removed) of `repo`; `action` is the webhook's, null for a polled alert. */
export function mapSecretScanningAlert(alert: StoredAlert, repo: string, action: string | null): MapResult {
  const createdMs = epochMs(alert.created_at);
  if (createdMs === null) return { ok: false, reason: `alert ${repo}#${alert.number}: created_at is not an ISO time` };
  const resolvedMs = epochMs(alert.resolved_at);
  const fp = alert.planewatch_fingerprint ?? null;
  const subjectId = alertSubjectId(repo, alert.number);
  const state = alert.state ?? (resolvedMs !== null ? 'resolved' : action === 'created' || action === 'reopened' ? 'open' : null);
  const attributes = compact({
    alert_number: String(alert.number),
    repository: repo,
    secret_type: alert.secret_type,
    secret_type_display_name: alert.secret_type_display_name,
    state,
    resolution: alert.resolution,
    resolved_by: alert.resolved_by?.login,
    validity: alert.validity,
    publicly_leaked: typeof alert.publicly_leaked === 'boolean' ? String(alert.publicly_leaked) : null,
    html_url: alert.html_url,
    locations_url: alert.locations_url,
    webhook_action: action,
    fetched: fp ? 'yes' : 'no',
    exposure_vendor: fp?.vendor,
    key_head: fp?.key_head,
    key_tail: fp?.key_tail,
    key_id: fp?.key_id,
  });
  const event = (id: string, act: 'exposed' | 'exposure_resolved', at: number): MappedEvent => ({
    event_id: `github:secret-scanning:${repo}#${alert.number}:${id}`,
    tenant_id: null,
    category: 'credential',
    action: act,
    outcome: null,
    subject: { kind: 'other', id: subjectId, email: null, name: alert.secret_type_display_name ?? alert.secret_type },
    actor: null,
    credential: null,
    occurred_at: at,
    vendor_type: `secret_scanning_alert.${act === 'exposed' ? 'exposed' : 'resolved'}`,
    ocsf_class_uid: null,
    ocsf_activity_id: null,
    attributes,
  });
  const events: MappedEvent[] = [event('exposed', 'exposed', createdMs)];
  if (resolvedMs !== null && state !== 'open') events.push(event(`resolved:${alert.resolved_at}`, 'exposure_resolved', resolvedMs));
  if (action === 'reopened') {
    const at = epochMs(alert.updated_at) ?? null;
    if (at === null) return { ok: false, reason: `alert ${repo}#${alert.number}: a reopened alert without updated_at cannot be dated` };
    events.push(event(`reopened:${alert.updated_at}`, 'exposed', at));
  }
  return { ok: true, events };
}
