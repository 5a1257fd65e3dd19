// CSV form of the boundary report: one row per figure (and one `status` row per control), per
// section. Listed accounts/credentials are in the JSON and HTML forms.
import { toCsv } from '../queries/csv.ts';
import type { BoundaryReport } from './types.ts';

export const CSV_COLUMNS = ['period', 'plane', 'tenant', 'control', 'status', 'figure', 'label', 'value', 'unit', 'queries'];

export function renderCsv(r: BoundaryReport): string {
  const rows: Record<string, unknown>[] = [];
  for (const s of r.sections) {
    for (const c of s.controls) {
      const base = { period: r.period.label, plane: s.plane, tenant: s.tenant ?? '', control: c.id, status: c.status };
      rows.push({ ...base, figure: 'status', label: c.reason, value: c.status, unit: 'text', queries: '' });
      for (const f of c.figures)
        rows.push({ ...base, figure: f.name, label: f.label, value: f.value, unit: f.unit, queries: f.queries.join(' ') });
    }
  }
  return toCsv(rows, CSV_COLUMNS);
}
