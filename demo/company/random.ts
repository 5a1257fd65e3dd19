// A small seeded PRNG (mulberry32): the same seed gives the same scenario on every machine.
export interface Rng {
  /** [0, 1) */
  next(): number;
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  shuffle<T>(xs: readonly T[]): T[];
  id(prefix: string, len?: number): string;
}

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const ALPHA = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return {
    next,
    int,
    pick: (xs) => xs[int(0, xs.length - 1)]!,
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    id: (prefix, len = 10) => prefix + Array.from({ length: len }, () => ALPHA[int(0, ALPHA.length - 1)]).join(''),
  };
}
