// Shared by the renderers: how a figure's value and a status read for people.
import type { ControlStatus } from './controls.ts';
import type { Figure } from './types.ts';
import { formatMs } from './build.ts';

export const STATUS_LABEL: Readonly<Record<ControlStatus, string>> = {
  proven: 'PROVEN',
  partly: 'PARTLY',
  not_proven: 'NOT PROVEN',
  not_applicable: 'N/A',
};

export function figureText(f: Figure): string {
  if (f.value === null) return 'n/a';
  switch (f.unit) {
    case 'ratio':
      return `${(Number(f.value) * 100).toFixed(1)}%`;
    case 'ms':
      return formatMs(Number(f.value));
    default:
      return String(f.value);
  }
}

export function sectionTitle(s: { plane: string; tenant: string | null }): string {
  return s.tenant === null ? `${s.plane} plane` : `${s.plane} plane, tenant ${s.tenant}`;
}
