// JSON form of the boundary report: the report object as is (schema planewatch.boundary-report.v1).
import type { BoundaryReport } from './types.ts';

export function renderJson(r: BoundaryReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
