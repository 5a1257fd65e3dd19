// Full garbage collections during the large phases of an evaluation. V8 collects its old
// generation lazily: while a first evaluation over a large store parses hundreds of thousands of
// detection rows, serialises the findings for their inserts and the alerts for Kafka, the heap
// fills with several times its live size in garbage before the next major collection, and that
// garbage is the process's memory peak. Collecting after each such stretch returns it.
import v8 from 'node:v8';
import vm from 'node:vm';

/** Rows read, written or published between two collections. */
export const COLLECT_EVERY = 50_000;

let gc: (() => void) | undefined;

/** A full (major) garbage collection now. */
export function collectGarbage(): void {
  if (!gc) {
    // The flag exposes `gc` to contexts created after it is set; only that context's global is used.
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

/**
 * A counter for one phase: call it with the rows (or messages) just handled; it collects each
 * time another `every` have passed since the last collection.
 */
export function collectEvery(every = COLLECT_EVERY, collect: () => void = collectGarbage): (handled: number) => void {
  let since = 0;
  return (handled) => {
    since += handled;
    if (since < every) return;
    since = 0;
    collect();
  };
}
