// Aligned text form of the boundary report: the plane-wide sections side by side (one column per
// plane) so the contrast between planes is visible at a glance, then each tenant section, the
// listed accounts / credentials, and the data sources.
import { CONTROLS } from './controls.ts';
import { figureText, sectionTitle, STATUS_LABEL } from './format.ts';
import type { BoundaryReport, Section } from './types.ts';

const COL = 56;

function cell(s: string, width: number): string {
  return s.length > width ? s.slice(0, width - 1) + '…' : s.padEnd(width);
}

/** "label ..... value": the label is shortened when needed, the value never. */
function figureCell(label: string, value: string, width: number): string {
  const room = width - value.length - 1;
  const l = label.length > room ? label.slice(0, Math.max(0, room - 1)) + '…' : label;
  return l.padEnd(width - value.length) + value;
}

function sideBySide(sections: Section[]): string[] {
  const out: string[] = [];
  const head = ['CONTROL'.padEnd(16), ...sections.map((s) => cell(sectionTitle(s), COL))].join('  ');
  out.push(head.trimEnd(), ['-'.repeat(16), ...sections.map(() => '-'.repeat(COL))].join('  '));
  for (const meta of CONTROLS) {
    const cols = sections.map((s) => {
      const c = s.controls.find((x) => x.id === meta.id)!;
      return [STATUS_LABEL[c.status], ...c.figures.map((f) => figureCell(f.label, figureText(f), COL))];
    });
    const height = Math.max(...cols.map((c) => c.length));
    for (let i = 0; i < height; i++) {
      const label = i === 0 ? meta.title : '';
      out.push([label.padEnd(16), ...cols.map((c) => cell(c[i] ?? '', COL))].join('  ').trimEnd());
    }
    out.push('');
  }
  return out;
}

function listed(s: Section): string[] {
  const out: string[] = [];
  for (const c of s.controls) {
    out.push(`  ${c.title}: ${STATUS_LABEL[c.status]} — ${c.reason}`);
    for (const i of c.items) {
      const who = i.email && i.email !== i.id ? ` <${i.email}>` : '';
      const tenant = i.tenant ? ` tenant=${i.tenant}` : '';
      const fp = i.fingerprint ? ` finding=${i.fingerprint}` : '';
      out.push(`    - ${i.kind}: ${i.source}:${i.id}${who}${tenant}${fp}`);
    }
  }
  return out;
}

export function renderTable(r: BoundaryReport): string {
  const lines: string[] = [];
  lines.push(`Boundary report ${r.period.label}: [${r.period.from}, ${r.period.to}), observed to ${r.period.observed_to}`);
  lines.push(`as of ${r.as_of}, generated ${r.generated_at}${r.scope.tenant ? `, tenant ${r.scope.tenant}` : ''}`);
  lines.push('');
  const planeWide = r.sections.filter((s) => s.tenant === null);
  const tenants = r.sections.filter((s) => s.tenant !== null);
  if (planeWide.length) lines.push(...sideBySide(planeWide));
  for (let i = 0; i < tenants.length; i += 2) lines.push(...sideBySide(tenants.slice(i, i + 2)));
  for (const s of r.sections) {
    lines.push(`${sectionTitle(s)}:`);
    lines.push(...listed(s));
    lines.push('');
  }
  lines.push('Data sources:');
  const cols = ['CONNECTION', 'SOURCE', 'TRANSPORT', 'PLANES', 'DELIVERIES', 'LAST DELIVERY', 'GAPS', 'COVERAGE', 'SILENT AT END', 'DLQ'];
  const rows = r.sources.map((s) => [
    s.connection_id,
    s.source,
    s.transport,
    s.planes.join(','),
    String(s.deliveries),
    s.last_delivery_at ?? 'never',
    String(s.gaps.length),
    `${(s.coverage * 100).toFixed(1)}%`,
    s.silent_at_end ? 'yes' : 'no',
    String(s.dead_letters),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  lines.push(line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  lines.push('');
  lines.push(`${r.queries.length} queries behind these figures: see --format json (queries[]) or --format html.`);
  return lines.join('\n') + '\n';
}
