import { describe, expect, it } from 'vitest';
import {
  blockBootstrapInterval,
  defaultBlockLength,
  moreTradesToExcludeZero,
  pairedDifference,
} from '../../lib/backtest/paired-statistics';
import { seededRng } from '../../lib/random';
import type { Rng } from '../../lib/types';

/** Standard normal draws (Box–Muller) from a seeded generator. */
function normals(rng: Rng, count: number): number[] {
  return Array.from({ length: count }, () => {
    const u = Math.max(rng(), Number.MIN_VALUE);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  });
}

/** `count` differences of known mean: the normals recentred and rescaled to mean `mean`, sd `sd` exactly. */
function sampleWithMean(rng: Rng, count: number, mean: number, sd: number): number[] {
  const raw = normals(rng, count);
  const m = raw.reduce((s, x) => s + x, 0) / count;
  const s = Math.sqrt(raw.reduce((acc, x) => acc + (x - m) ** 2, 0) / count);
  return raw.map((x) => mean + (sd * (x - m)) / s);
}

const SETTINGS = { resamples: 2000, level: 0.95 };

describe('pairedDifference on synthetic differences of known mean', () => {
  it('puts a real lead of 0.15 R inside the interval and zero outside it', () => {
    const differences = normals(seededRng(1), 2000).map((noise) => 0.15 + noise);
    const paired = pairedDifference(differences, SETTINGS, seededRng(2));
    expect(paired.meanDiffR).toBeCloseTo(0.15, 1);
    expect(paired.lowerR).toBeGreaterThan(0);
    expect(paired.lowerR).toBeLessThan(0.15);
    expect(paired.upperR).toBeGreaterThan(0.15);
    // About 1.96 standard errors of 1/√2000 on either side.
    expect(paired.upperR - paired.lowerR).toBeCloseTo((2 * 1.96) / Math.sqrt(2000), 2);
    expect(paired.moreTradesToExcludeZero).toBe(0);
  });

  it('keeps zero inside the interval when there is no difference', () => {
    const paired = pairedDifference(normals(seededRng(3), 500), SETTINGS, seededRng(4));
    expect(paired.lowerR).toBeLessThan(0);
    expect(paired.upperR).toBeGreaterThan(0);
    expect(paired.moreTradesToExcludeZero).toBeGreaterThan(0);
  });

  it('covers the true mean about 95% of the time', () => {
    const rng = seededRng(5);
    let covered = 0;
    const runs = 300;
    for (let run = 0; run < runs; run++) {
      const differences = normals(rng, 150).map((noise) => 0.1 + noise);
      const { lowerR, upperR } = pairedDifference(differences, { resamples: 400, level: 0.95 }, rng);
      if (lowerR <= 0.1 && 0.1 <= upperR) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.9);
    expect(covered / runs).toBeLessThan(0.99);
  });

  it('widens the interval by resampling blocks when neighbouring trades win and lose together', () => {
    // Ten trades in a row share one outcome, as concurrent trades on related symbols do.
    const clustered = normals(seededRng(6), 200).flatMap((value) => Array(10).fill(value) as number[]);
    const single = blockBootstrapInterval(clustered, { ...SETTINGS, blockLength: 1 }, seededRng(7));
    const blocks = blockBootstrapInterval(clustered, { ...SETTINGS, blockLength: 20 }, seededRng(7));
    const width = (i: { lower: number; upper: number }) => i.upper - i.lower;
    // The honest width is that of 200 independent values, √10 ≈ 3.2 times the naive one.
    expect(width(blocks) / width(single)).toBeGreaterThan(2.4);
    expect(width(blocks)).toBeCloseTo((2 * 1.96) / Math.sqrt(200), 1);
  });

  it('predicts how many more trades the interval needs to exclude zero at the same mean', () => {
    const base = sampleWithMean(seededRng(8), 100, 0.1, 1);
    const first = pairedDifference(base, { resamples: 4000, level: 0.95, blockLength: 1 }, seededRng(9));
    const more = first.moreTradesToExcludeZero ?? Number.NaN;
    expect(more).toBeGreaterThan(150);
    const at = (trades: number) => {
      const cycled = Array.from({ length: trades }, (_, i) => base[i % base.length] ?? 0);
      return pairedDifference(cycled, { resamples: 4000, level: 0.95, blockLength: 1 }, seededRng(10));
    };
    // At the predicted size the lower bound sits at zero; well beyond, it clears it; well short, not.
    expect(Math.abs(at(100 + more).lowerR)).toBeLessThan(0.01);
    expect(at(Math.round((100 + more) * 1.4)).lowerR).toBeGreaterThan(0);
    expect(at(Math.round((100 + more) * 0.7)).lowerR).toBeLessThan(0);
  });

  it('gives identical trades a zero-width interval and no number of trades to tell them apart', () => {
    const paired = pairedDifference(Array(50).fill(0) as number[], SETTINGS, seededRng(1));
    expect(paired).toMatchObject({
      trades: 50,
      meanDiffR: 0,
      lowerR: 0,
      upperR: 0,
      moreTradesToExcludeZero: null,
    });
    const shifted = pairedDifference(Array(50).fill(0.25) as number[], SETTINGS, seededRng(1));
    expect(shifted).toMatchObject({ lowerR: 0.25, upperR: 0.25, moreTradesToExcludeZero: 0 });
  });

  it('is reproducible from its seed, and reports an empty comparison without an interval', () => {
    const differences = normals(seededRng(11), 300);
    expect(pairedDifference(differences, SETTINGS, seededRng(12))).toEqual(
      pairedDifference(differences, SETTINGS, seededRng(12)),
    );
    expect(pairedDifference([], SETTINGS, seededRng(1))).toMatchObject({
      trades: 0,
      moreTradesToExcludeZero: null,
    });
  });
});

describe('moreTradesToExcludeZero', () => {
  it('scales the trades by the squared ratio of the distance to zero over the mean', () => {
    // n·((0.1 + 0.1)/0.1)² = 400: 300 more.
    expect(moreTradesToExcludeZero(100, 0.1, -0.1, 0.3)).toBe(300);
    expect(moreTradesToExcludeZero(100, -0.1, -0.3, 0.1)).toBe(300);
    expect(moreTradesToExcludeZero(100, 0.1, 0.01, 0.2)).toBe(0);
    expect(moreTradesToExcludeZero(100, 0, -0.1, 0.1)).toBeNull();
  });

  it('asks for at least one more trade when the bound sits on zero', () => {
    expect(moreTradesToExcludeZero(100, 0.1, 0, 0.2)).toBe(1);
  });
});

describe('blockBootstrapInterval', () => {
  it('uses blocks of the cube root of the sample by default', () => {
    expect(defaultBlockLength(1000)).toBe(10);
    expect(defaultBlockLength(1001)).toBe(11);
    expect(defaultBlockLength(1)).toBe(1);
    expect(blockBootstrapInterval([1, 2, 3, 4, 5, 6, 7, 8], SETTINGS, seededRng(1)).blockLength).toBe(2);
  });

  it('rejects an empty sample and settings out of range', () => {
    expect(() => blockBootstrapInterval([], SETTINGS, seededRng(1))).toThrow(/empty/);
    expect(() => blockBootstrapInterval([1], { resamples: 0, level: 0.95 }, seededRng(1))).toThrow(
      /resamples/,
    );
    expect(() => blockBootstrapInterval([1], { resamples: 10, level: 1 }, seededRng(1))).toThrow(/level/);
  });
});
