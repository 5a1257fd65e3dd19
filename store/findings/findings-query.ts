// What a findings list is asked for and what it returns (the JSON shape DESIGN.md defines), and
// the filters applied on top of it: apart from store/findings/findings.ts, which reads findings
// from ClickHouse, so that the CLI can ask the running process's API and filter its answer without
// loading the detection engine.
import { z } from 'zod';
import { PLANES } from '../../core/events/identity-event.ts';

export const FindingsQuery = z.object({
  /** 'open' includes 'reopened' (both are open); 'all' = every status. */
  status: z
    .enum(['open', 'reopened', 'resolved', 'acknowledged', 'all'], {
      error: () => 'expected open, reopened, resolved, acknowledged or all',
    })
    .default('open'),
  detection: z
    .string()
    .regex(/^[A-Z0-9-]+$/, 'expected a detection id like PW-ORPHANED-ACCOUNT')
    .optional(),
  plane: z.enum(PLANES, { error: () => 'expected "platform" or "application"' }).optional(),
});
export type FindingsQuery = z.infer<typeof FindingsQuery>;

export interface FindingJson {
  detection: string;
  fingerprint: string;
  status: string;
  severity: string;
  kind: string;
  plane: string;
  tenant: string | null;
  source: string | null;
  subject: { kind: string; id: string; email: string | null };
  first_seen: string;
  last_seen: string;
  opened_at: string;
  resolved_at: string | null;
  resolution: string | null;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  reopen_count: number;
  evidence: { event_ids: string[]; raw_ids: string[] };
  detail: Record<string, string>;
}

/**
 * Severity, time and tenant filters over a findings list. `scope` is the caller's principal: one
 * limited to a tenant sees only that tenant's application-plane findings; null sees everything.
 */
export function filterFindings(
  rows: FindingJson[],
  q: { severity?: string; since?: number; tenant?: string },
  scope: { tenant: string | null } | null,
): FindingJson[] {
  return rows
    .filter((f) => q.severity === undefined || f.severity === q.severity)
    .filter((f) => q.since === undefined || Date.parse(f.last_seen) >= q.since)
    .filter((f) => q.tenant === undefined || f.tenant === q.tenant)
    .filter((f) => !scope?.tenant || (f.plane === 'application' && f.tenant === scope.tenant));
}
