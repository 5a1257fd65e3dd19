// The boundary report's JSON shape (schema planewatch.boundary-report.v1), documented in
// docs/REPORTS.md. Keep it stable: the dashboard and auditors' tooling read it. Add fields, never
// rename or remove them.
import type { Plane } from '../../core/events/identity-event.ts';
import type { ControlId, ControlStatus, FrameworkItem } from './controls.ts';

export const REPORT_SCHEMA = 'planewatch.boundary-report.v1' as const;

export interface Figure {
  /** Stable machine name, e.g. `managed_share`. */
  name: string;
  label: string;
  /** Counts and milliseconds are integers; ratios are 0..1 (null when there is nothing to divide); times ISO 8601. */
  value: number | string | null;
  unit: 'count' | 'ratio' | 'ms' | 'time' | 'text';
  /** Ids of the entries of `queries` that produced it. */
  queries: string[];
}

export interface ListedItem {
  /** e.g. unmanaged_account, overdue_removal, stale_credential, silent_source, crossing. */
  kind: string;
  plane: Plane;
  tenant: string | null;
  source: string;
  id: string;
  email: string | null;
  detail: Record<string, string>;
  /** The finding fingerprint of the detection that reports this item, when one does. */
  fingerprint: string | null;
  event_ids: string[];
  raw_ids: string[];
}

export interface Control {
  id: ControlId;
  title: string;
  question: string;
  status: ControlStatus;
  /** Why this status (the rule that decided, with the numbers). */
  reason: string;
  figures: Figure[];
  items: ListedItem[];
  evidence: { fingerprints: string[]; event_ids: string[]; raw_ids: string[] };
  frameworks: FrameworkItem[];
}

export interface Section {
  plane: Plane;
  /** null: the whole plane; else one tenant of the application plane. */
  tenant: string | null;
  controls: Control[];
}

export interface SourceCoverage {
  connection_id: string;
  source: string;
  transport: string;
  planes: Plane[];
  /** Gaps longer than this are reported (PW-SOURCE-SILENT's threshold). */
  silent_after_ms: number;
  deliveries: number;
  last_delivery_at: string | null;
  gaps: { from: string; to: string; ms: number }[];
  longest_gap_ms: number | null;
  /** Share of the observed period [from, min(to, as_of)) not inside a reported gap. */
  coverage: number;
  /** The last gap reaches the end of the observed period (silent at the end). */
  silent_at_end: boolean;
  dead_letters: number;
  last_raw_id: string | null;
}

export interface QueryTrace {
  id: string;
  describes: string;
  sql: string;
  params: Record<string, unknown>;
}

export interface BoundaryReport {
  schema: typeof REPORT_SCHEMA;
  generated_at: string;
  /** The evaluation time: "now" for pending / overdue / stale / silent. */
  as_of: string;
  period: { label: string; from: string; to: string; observed_to: string };
  scope: { planes: Plane[]; tenant: string | null };
  /** exposure_sla_ms: present when a secret scanning source is configured (the credentials control then measures exposure lag). */
  thresholds: Record<Plane, { deprovision_sla_ms: number; grace_ms: number; stale_after_ms: number; exposure_sla_ms?: number }>;
  sources: SourceCoverage[];
  sections: Section[];
  queries: QueryTrace[];
}
