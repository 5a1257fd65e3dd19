// The audit-log checkpoint: watermark + ids seen at that second, cursor of a walk in progress.
import { describe, expect, it } from 'vitest';
import {
  advanceCheckpoint,
  alreadySeen,
  describeAuditCheckpoint,
  initialCheckpoint,
  resumeCheckpoint,
} from '../../../../sources/openai/checkpoint.ts';

const ev = (id: string, effective_at: number) => ({ id, effective_at });

describe('audit-log checkpoint', () => {
  it('starts at --since (seconds) with nothing seen', () => {
    expect(initialCheckpoint(1_700_000_000_500)).toEqual({
      v: 1,
      watermark: 1_700_000_000,
      seen: [],
      after: null,
      high: null,
      high_ids: [],
    });
  });

  it('ascending pages: the watermark moves only when the walk ends, to the newest second delivered', () => {
    let cp = initialCheckpoint(100_000);
    cp = advanceCheckpoint(cp, [ev('a', 100), ev('b', 101)], 'b', true);
    expect(cp).toEqual({ v: 1, watermark: 100, seen: [], after: 'b', high: 101, high_ids: ['b'] });
    cp = advanceCheckpoint(cp, [ev('c', 105), ev('d', 105)], null, false);
    expect(cp).toEqual({ v: 1, watermark: 105, seen: ['c', 'd'], after: null, high: null, high_ids: [] });
  });

  it('descending pages give the same final checkpoint', () => {
    let cp = initialCheckpoint(100_000);
    cp = advanceCheckpoint(cp, [ev('d', 105), ev('c', 105)], 'c', true);
    expect(cp.watermark).toBe(100);
    cp = advanceCheckpoint(cp, [ev('b', 101), ev('a', 100)], null, false);
    expect(cp).toEqual({ v: 1, watermark: 105, seen: ['c', 'd'], after: null, high: null, high_ids: [] });
  });

  it('the next walk recognises the ids already delivered at the watermark second, and adds new ones at it', () => {
    const cp = { v: 1 as const, watermark: 105, seen: ['c', 'd'], after: null, high: null, high_ids: [] };
    expect([...alreadySeen(cp, [ev('c', 105), ev('d', 105), ev('e', 105), ev('f', 106)])]).toEqual(['c', 'd']);
    expect(advanceCheckpoint(cp, [ev('c', 105), ev('d', 105), ev('e', 105)], null, false)).toEqual({
      v: 1,
      watermark: 105,
      seen: ['c', 'd', 'e'],
      after: null,
      high: null,
      high_ids: [],
    });
    expect(advanceCheckpoint(cp, [], null, false)).toEqual(cp);
  });

  it('a restart mid-walk resumes from the stored cursor with the same watermark', () => {
    const stored = advanceCheckpoint(initialCheckpoint(100_000), [ev('a', 100)], 'a', true);
    const { checkpoint } = resumeCheckpoint(JSON.parse(JSON.stringify(stored)), 999_999_000);
    expect(checkpoint).toEqual({ v: 1, watermark: 100, seen: [], after: 'a', high: 100, high_ids: ['a'] });
  });

  it('an unreadable stored checkpoint falls back to since, saying why', () => {
    expect(resumeCheckpoint({ nope: 1 }, 5000)).toEqual({
      checkpoint: initialCheckpoint(5000),
      problem: 'stored checkpoint unreadable (Invalid input: expected 1); starting from since',
    });
  });

  it('describes itself for planewatch status', () => {
    expect(describeAuditCheckpoint({ v: 1, watermark: 1740787200, seen: ['x'], after: null, high: null, high_ids: [] })).toBe(
      'effective_at >= 2025-03-01T00:00:00Z (1 id seen at that second)',
    );
    expect(describeAuditCheckpoint({ v: 1, watermark: 1740787200, seen: [], after: 'evt_9', high: 1740787300, high_ids: ['evt_9'] })).toBe(
      'effective_at >= 2025-03-01T00:00:00Z (0 ids seen at that second), walk in progress after evt_9',
    );
  });
});
