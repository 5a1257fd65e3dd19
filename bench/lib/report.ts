// What a bench run reports: table rows (a measurement, its ratio against a baseline measured in
// the same run, its target) and the raw figures, printed as a table and written as JSON.
export interface Row {
  section: string;
  what: string;
  value: number | null;
  unit: string;
  /** e.g. "0.42 × Kafka-engine peer" */
  ratio?: string;
  target?: string;
  met?: boolean | null;
  note?: string;
}

export const round = (x: number, d = 0) => (Number.isFinite(x) ? Number(x.toFixed(d)) : x);

export class Report {
  readonly rows: Row[] = [];
  /** Raw figures by name, written to bench/results/<timestamp>.json. */
  readonly results: Record<string, unknown> = {};

  row(r: Row): void {
    this.rows.push(r);
  }

  /** The rows as a Markdown table in section order, then their notes. */
  table(): string {
    const head = ['section', 'measurement', 'value', 'unit', 'ratio', 'target', 'met'];
    const order = ['cli', 'broker', 'client', 'store', 'stages', 'e2e', 'detections', 'alerts', 'cpu', 'memory'];
    const sorted = [...this.rows].sort((x, y) => order.indexOf(x.section) - order.indexOf(y.section));
    const body = sorted.map((r) => [
      r.section,
      r.what,
      r.value === null ? '—' : r.value.toLocaleString('en-US'),
      r.unit,
      r.ratio ?? '',
      r.target ?? '',
      r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'NO',
    ]);
    const lines = [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`);
    const notes = sorted.filter((r) => r.note).map((r) => `- ${r.what}: ${r.note}`);
    return [...lines, '', ...notes].join('\n');
  }
}
