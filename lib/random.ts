import type { Rng } from './types';

/**
 * A small, fast seeded generator (mulberry32). Good enough for exploration and backtests; not
 * for anything cryptographic.
 */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The production generator. */
export const systemRng: Rng = Math.random;
