// When to evaluate after new data (services/detector/detector.ts): a debounce that is bounded.
//
// Each sink batch noticed calls `notify()`. The evaluation fires `debounceMs` after the LAST
// notification (several batches close together make one evaluation), but never later than
// `maxWaitMs` after the FIRST notification not yet evaluated: under a steady stream of batches
// (each arriving within the debounce of the previous one) a plain debounce would restart forever
// and leave evaluation to the schedule (`evaluate_every`, minutes). Timers are injectable so the
// bound can be proven without waiting.

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface BoundedDebounce {
  /** New data arrived. */
  notify(): void;
  /** Drops any pending firing. */
  cancel(): void;
}

export function boundedDebounce(fire: () => void, debounceMs: number, maxWaitMs: number, timers: Timers = realTimers): BoundedDebounce {
  if (!(debounceMs >= 0) || !(maxWaitMs >= debounceMs))
    throw new Error(`detector timing: expected 0 <= debounce (${debounceMs} ms) <= max_wait (${maxWaitMs} ms)`);
  let handle: unknown = null;
  /** When the first notification not yet evaluated arrived (null: none pending). */
  let firstAt: number | null = null;
  const run = () => {
    handle = null;
    firstAt = null;
    fire();
  };
  return {
    notify() {
      const t = timers.now();
      if (firstAt === null) firstAt = t;
      if (handle !== null) timers.clearTimeout(handle);
      const delay = Math.max(0, Math.min(debounceMs, firstAt + maxWaitMs - t));
      handle = timers.setTimeout(run, delay);
    },
    cancel() {
      if (handle !== null) timers.clearTimeout(handle);
      handle = null;
      firstAt = null;
    },
  };
}
