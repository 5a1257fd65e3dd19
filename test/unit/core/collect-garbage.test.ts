// collectGarbage runs a full collection (an unreachable object is gone after it), and collectEvery
// collects once per `every` rows handled, counting across calls.
import { describe, expect, it } from 'vitest';
import { collectEvery, collectGarbage } from '../../../core/collect-garbage.ts';

/** A WeakRef to an object nothing else references, created in an earlier job (a WeakRef keeps its target alive during the job that made it). */
async function unreachable(): Promise<WeakRef<object>> {
  const ref = new WeakRef({ payload: 'x'.repeat(1000) });
  await new Promise((r) => setTimeout(r, 0));
  return ref;
}

describe('collectGarbage', () => {
  it('frees an unreachable object', async () => {
    const ref = await unreachable();
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });

  it('can be called again', async () => {
    collectGarbage();
    const ref = await unreachable();
    collectGarbage();
    expect(ref.deref()).toBeUndefined();
  });
});

describe('collectEvery', () => {
  it('collects each time another `every` rows were handled, counting across calls', () => {
    let collections = 0;
    const collect = collectEvery(100, () => collections++);
    collect(60);
    collect(39);
    expect(collections).toBe(0); // 99 handled
    collect(1);
    expect(collections).toBe(1); // 100
    collect(99);
    expect(collections).toBe(1); // the count starts again after a collection
    collect(150);
    expect(collections).toBe(2);
    collect(0);
    expect(collections).toBe(2);
  });

  it('collects for real by default', async () => {
    const collect = collectEvery(10);
    const ref = await unreachable();
    collect(10);
    expect(ref.deref()).toBeUndefined();
  });
});
