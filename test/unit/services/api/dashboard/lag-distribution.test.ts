// The dashboard's lag histogram (services/api/dashboard/lag-distribution.ts): buckets in multiples
// of each plane's SLA, removed items by lag, pending items by age, the SLA edge inclusive.
import { describe, expect, it } from 'vitest';
import { lagDistribution, type LagItemTimes } from '../../../../../services/api/dashboard/lag-distribution.ts';

const H = 3_600_000;
const NOW = Date.UTC(2026, 5, 1);
const SLA = { platform: 24 * H, application: 72 * H };
const removed = (plane: LagItemTimes['plane'], lagH: number): LagItemTimes => ({
  plane,
  signal_ms: NOW - 500 * H,
  removed_ms: NOW - 500 * H + lagH * H,
});
const pending = (plane: LagItemTimes['plane'], ageH: number): LagItemTimes => ({ plane, signal_ms: NOW - ageH * H, removed_ms: 0 });

describe('lagDistribution', () => {
  it('puts each item in its SLA-relative bucket; a lag of exactly the SLA is within it', () => {
    const [platform, application] = lagDistribution(
      [
        removed('platform', 0),
        removed('platform', 6),
        removed('platform', 6.01),
        removed('platform', 24),
        removed('platform', 24.01),
        removed('platform', 500),
        pending('platform', 1),
        pending('platform', 30),
        pending('platform', 100),
        removed('application', 72),
        pending('application', 73),
      ],
      SLA,
      NOW,
    );
    expect(platform).toEqual({
      plane: 'platform',
      sla_ms: 86_400_000,
      items: 9,
      removed: 6,
      pending: 3,
      breaches: 2,
      overdue: 2,
      buckets: [
        { from_ms: 0, to_ms: 21_600_000, beyond_sla: false, removed: 2, pending: 1 },
        { from_ms: 21_600_000, to_ms: 43_200_000, beyond_sla: false, removed: 1, pending: 0 },
        { from_ms: 43_200_000, to_ms: 64_800_000, beyond_sla: false, removed: 0, pending: 0 },
        { from_ms: 64_800_000, to_ms: 86_400_000, beyond_sla: false, removed: 1, pending: 0 },
        { from_ms: 86_400_000, to_ms: 129_600_000, beyond_sla: true, removed: 1, pending: 1 },
        { from_ms: 129_600_000, to_ms: 172_800_000, beyond_sla: true, removed: 0, pending: 0 },
        { from_ms: 172_800_000, to_ms: 345_600_000, beyond_sla: true, removed: 0, pending: 0 },
        { from_ms: 345_600_000, to_ms: null, beyond_sla: true, removed: 1, pending: 1 },
      ],
    });
    expect(application!.buckets.map((b) => [b.to_ms, b.removed, b.pending])).toEqual([
      [64_800_000, 0, 0],
      [129_600_000, 0, 0],
      [194_400_000, 0, 0],
      [259_200_000, 1, 0],
      [388_800_000, 0, 1],
      [518_400_000, 0, 0],
      [1_036_800_000, 0, 0],
      [null, 0, 0],
    ]);
    expect([application!.breaches, application!.overdue]).toEqual([0, 1]);
  });

  it('returns both planes with empty buckets when nothing was deprovisioned', () => {
    const out = lagDistribution([], SLA, NOW);
    expect(out.map((p) => [p.plane, p.items, p.buckets.length, p.buckets.every((b) => b.removed === 0 && b.pending === 0)])).toEqual([
      ['platform', 0, 8, true],
      ['application', 0, 8, true],
    ]);
  });
});
