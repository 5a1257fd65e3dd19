// The detector's new-data trigger (services/detector/trigger.ts): a debounce bounded by max_wait,
// driven by a hand-stepped clock so the bound is proven without waiting.
import { describe, expect, it } from 'vitest';
import { boundedDebounce, type Timers } from '../../../../services/detector/trigger.ts';
import { BoundaryMapSchema } from '../../../../core/config/boundary-map.ts';

/** A manual clock: timers fire only when `advance` passes their due time. */
function manualTimers() {
  let t = 0;
  let seq = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  const timers: Timers = {
    now: () => t,
    setTimeout: (fn, ms) => {
      const id = ++seq;
      due.set(id, { at: t + ms, fn });
      return id;
    },
    clearTimeout: (h) => {
      due.delete(h as number);
    },
  };
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      const next = [...due.entries()].filter(([, d]) => d.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      due.delete(next[0]);
      t = next[1].at;
      next[1].fn();
    }
    t = end;
  };
  return { timers, advance, pending: () => due.size };
}

describe('detector trigger (bounded debounce)', () => {
  it('evaluates within max_wait of the first batch under a steady stream of batches', () => {
    const m = manualTimers();
    const fired: number[] = [];
    const d = boundedDebounce(() => fired.push(m.timers.now()), 1000, 2000, m.timers);
    // A batch every 500 ms for 10 s: each arrives inside the debounce of the previous one.
    for (let i = 0; i < 20; i++) {
      d.notify();
      m.advance(500);
    }
    expect(fired).toEqual([2000, 4000, 6000, 8000, 10000]);
  });

  it('evaluates once, debounce after the last batch, when batches stop before max_wait', () => {
    const m = manualTimers();
    const fired: number[] = [];
    const d = boundedDebounce(() => fired.push(m.timers.now()), 1000, 2000, m.timers);
    d.notify();
    m.advance(300);
    d.notify();
    m.advance(5000);
    expect(fired).toEqual([1300]);
    expect(m.pending()).toBe(0);
  });

  it('starts a new max_wait window with the first batch after an evaluation', () => {
    const m = manualTimers();
    const fired: number[] = [];
    const d = boundedDebounce(() => fired.push(m.timers.now()), 1000, 2000, m.timers);
    d.notify();
    m.advance(3000);
    d.notify(); // at 3000
    m.advance(900);
    d.notify(); // at 3900
    m.advance(900);
    d.notify(); // at 4800: max_wait from 3000 caps it at 5000
    m.advance(5000);
    expect(fired).toEqual([1000, 5000]);
  });

  it('cancel drops a pending evaluation', () => {
    const m = manualTimers();
    const fired: number[] = [];
    const d = boundedDebounce(() => fired.push(m.timers.now()), 1000, 2000, m.timers);
    d.notify();
    d.cancel();
    m.advance(5000);
    expect(fired).toEqual([]);
  });

  it('rejects max_wait shorter than debounce, in code and in the boundary map', () => {
    expect(() => boundedDebounce(() => undefined, 3000, 2000)).toThrow('expected 0 <= debounce (3000 ms) <= max_wait (2000 ms)');
    const bad = BoundaryMapSchema.safeParse({ connections: [], detections: { debounce: '3s', max_wait: '2s' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['detections', 'max_wait']);
    expect(bad.error!.issues[0]!.message).toBe('expected a duration at least detections.debounce (3000 ms), got 2000 ms');
    const defaults = BoundaryMapSchema.parse({ connections: [] }).detections;
    expect([defaults.debounce, defaults.max_wait]).toEqual([1000, 2000]);
    // A longer debounce without max_wait (configs written before it existed) stays valid: max_wait = debounce.
    const longer = BoundaryMapSchema.parse({ connections: [], detections: { debounce: '5s' } }).detections;
    expect([longer.debounce, longer.max_wait]).toEqual([5000, 5000]);
    const typo = BoundaryMapSchema.safeParse({ connections: [], detections: { max_wait: '2 seconds' } });
    expect(typo.error!.issues[0]!.path).toEqual(['detections', 'max_wait']);
    expect(typo.error!.issues[0]!.message).toBe('expected a duration like "90d", "24h", "5m" or "30s", got "2 seconds"');
  });
});
