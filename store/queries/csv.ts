// RFC 4180 CSV for exports (CLI and API): header row, quoted when a value holds , " CR or LF.
export function toCsv(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => esc(r[c])).join(','))].join('\r\n') + '\r\n';
}
