// `planewatch report boundaries` without --period reports the calendar quarter (UTC) of --now.
import { describe, expect, it } from 'vitest';
import { quarterOf } from '../../../cli/commands/report.ts';

describe('the default report period', () => {
  it('is the UTC calendar quarter the time falls in', () => {
    expect(quarterOf(Date.UTC(2026, 0, 1))).toBe('2026-Q1');
    expect(quarterOf(Date.UTC(2026, 2, 31, 23, 59, 59, 999))).toBe('2026-Q1');
    expect(quarterOf(Date.UTC(2026, 3, 1))).toBe('2026-Q2');
    expect(quarterOf(Date.UTC(2026, 11, 6, 5, 30))).toBe('2026-Q4');
  });
  it('uses UTC, not the local time zone, at a quarter boundary', () => {
    expect(quarterOf(Date.parse('2026-06-30T23:30:00-02:00'))).toBe('2026-Q3');
  });
});
