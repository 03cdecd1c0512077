import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { SELECTOR_BUNDLING } from '../../infra/selector-function';
import { cdkEsbuildArgs } from '../bench/cdk-esbuild';
import {
  contentionSummary,
  formatTable,
  type Measurements,
  tableRows,
  toBenchResults,
} from '../bench/results';
import { median, pairedMedianRatio, percentile, rotation, type Summary, summarize } from '../bench/stats';

const summary = (p50: number, p99: number): Summary => ({
  count: 100,
  min: p50 / 2,
  p50,
  p90: (p50 + p99) / 2,
  p99,
  max: p99 * 2,
  mean: p50,
});

const MEASUREMENTS: Measurements = {
  selectCompute: {
    candles: 250,
    iterations: 10_000,
    policies: [
      { policy: 'default', whole: summary(20, 60), indicators: summary(8, 20) },
      { policy: 'seed', whole: summary(10, 40), indicators: summary(8, 20) },
    ],
    baselineName: 'JSON.parse',
    baseline: summary(150, 400),
  },
  handlerLatency: {
    iterations: 200,
    select: { handler: summary(6, 12), baseline: summary(5, 10) },
    reward: { handler: summary(15, 30), baseline: summary(10, 20) },
    requestsPerSelect: [2, 2, 2],
    requestsPerReward: [3, 3, 3],
    selectOperations: ['BatchGetItem', 'PutItem'],
    rewardOperations: ['GetItem', 'BatchGetItem', 'TransactWriteItems'],
  },
  coldStart: {
    runs: 3,
    bundleBytes: { bare: 1024 * 300, select: 1024 * 420, reward: 1024 * 430, stats: 1024 * 410 },
    sinceStartMs: { bare: [60, 62, 64], select: [72, 70, 74], reward: [90, 80, 85], stats: [70, 70, 70] },
    importMs: { bare: [40, 40, 40], select: [50, 50, 50], reward: [60, 60, 60], stats: [50, 50, 50] },
    cpuMs: { bare: [50, 50, 50], select: [60, 60, 60], reward: [65, 65, 65], stats: [55, 55, 55] },
  },
  contention: {
    rewards: 64,
    rounds: [
      {
        concurrentMs: 3000,
        sequentialMs: 1000,
        applied: 64,
        retries: 400,
        maxAttempts: 12,
      },
      {
        concurrentMs: 1500,
        sequentialMs: 1000,
        applied: 64,
        retries: 300,
        maxAttempts: 9,
      },
      {
        concurrentMs: 2000,
        sequentialMs: 500,
        applied: 63,
        retries: 500,
        maxAttempts: 40,
      },
    ],
    crossSymbol: {
      rewards: 256,
      rounds: [
        { concurrentMs: 1800, sequentialMs: 1000, applied: 256, retries: 20, maxAttempts: 4 },
        { concurrentMs: 1300, sequentialMs: 1000, applied: 256, retries: 10, maxAttempts: 3 },
        { concurrentMs: 900, sequentialMs: 1000, applied: 256, retries: 0, maxAttempts: 1 },
      ],
    },
  },
  localStack: {
    clients: 8,
    durationS: 10,
    requests: 1500,
    errors: 0,
    latencyMs: summary(40, 120),
    baselineName: '404',
    baselineRps: 3000,
  },
};

describe('bench statistics', () => {
  it('takes nearest-rank percentiles, so p99 of 1..100 is 99 and p50 is 50', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 1)).toBe(7);
  });

  it('puts p99 of 10,000 samples on the 9,900th smallest', () => {
    const values = Array.from({ length: 10_000 }, (_, index) => index);
    expect(percentile(values, 99)).toBe(9_899);
  });

  it('refuses an empty sample and a percentile outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarizes samples given in any order', () => {
    const result = summarize([5, 1, 4, 2, 3]);
    expect(result).toEqual({ count: 5, min: 1, p50: 3, p90: 5, p99: 5, max: 5, mean: 3 });
    expect(median([4, 1, 3, 2])).toBe(2);
  });

  it('sets each value against the baseline of its own round, so one slow round does not decide', () => {
    // Round 2 was slow for both; round 3 only for the baseline. Medians alone would give 13/30.
    expect(pairedMedianRatio([12, 36, 13], [10, 30, 30])).toBeCloseTo(1.2, 12);
    expect(median([12, 36, 13]) / median([10, 30, 30])).toBeCloseTo(13 / 30, 12);
    expect(() => pairedMedianRatio([1, 2], [1])).toThrow(RangeError);
  });

  it('rotates the order of interleaved alternatives so that each runs first in turn', () => {
    expect(rotation(3, 0)).toEqual([0, 1, 2]);
    expect(rotation(3, 1)).toEqual([1, 2, 0]);
    expect(rotation(3, 5)).toEqual([2, 0, 1]);
  });
});

describe('bench results', () => {
  it('shapes the results file with exactly the headline fields of the issue', () => {
    const results = toBenchResults(MEASUREMENTS, { node: 'v22' });
    expect(Object.keys(results).sort()).toEqual(
      [
        'bundleKb',
        'coldInitRatio',
        'contention',
        'ddbCallsPerOp',
        'handlerLatencyRatio',
        'localStack',
        'meta',
        'selectComputeUs',
      ].sort(),
    );
    expect(results.selectComputeUs).toMatchObject({
      p50: 20,
      p99: 60,
      policy: 'default',
      indicatorShare: 0.4,
    });
    expect(results.handlerLatencyRatio).toMatchObject({ select: 1.2, reward: 1.5 });
    expect(results.ddbCallsPerOp).toMatchObject({ select: 2, reward: 3 });
    expect(results.coldInitRatio).toMatchObject({ select: 1.156, reward: 1.328, stats: 1.129 });
    expect(results.bundleKb).toEqual({ bare: 300, select: 420, reward: 430, stats: 410 });
    expect(results.contention).toMatchObject({
      applied: 191,
      retries: 1200,
      wallRatio: 3,
      expected: 192,
      crossSymbol: { applied: 768, expected: 768, wallRatio: 1.3, maxAttempts: 4 },
    });
    expect(results.localStack).toMatchObject({ rps: 150, p99Ms: 120 });
    expect(results.meta).toEqual({ node: 'v22' });
  });

  it('writes only the figures that were measured', () => {
    const results = toBenchResults({ coldStart: MEASUREMENTS.coldStart });
    expect(Object.keys(results).sort()).toEqual(['bundleKb', 'coldInitRatio', 'meta']);
  });

  it('takes the contention ratio as the median of the rounds’ own ratios', () => {
    const contention = MEASUREMENTS.contention;
    if (contention === undefined) throw new Error('fixture');
    expect(contentionSummary(contention)).toMatchObject({
      wallRatio: 3,
      concurrentMs: 2000,
      sequentialMs: 1000,
    });
    expect(contentionSummary(contention.crossSymbol)).toMatchObject({
      wallRatio: 1.3,
      retries: 30,
      maxAttempts: 4,
    });
  });

  it('judges each figure against its target in the table', () => {
    const rows = tableRows(MEASUREMENTS);
    const verdictOf = (start: string) => rows.find((row) => row.figure.startsWith(start))?.verdict;
    expect(verdictOf('select compute, 250 candles, policy default: p99')).toBe('pass');
    expect(verdictOf('select handler on DynamoDB Local: p50')).toBe('pass');
    expect(verdictOf('reward handler on DynamoDB Local: p50')).toBe('FAIL');
    expect(verdictOf('DynamoDB requests per select')).toBe('pass');
    expect(verdictOf('reward cold init')).toBe('FAIL');
    expect(verdictOf('select cold init')).toBe('pass');
    expect(verdictOf('64 concurrent rewards on one cell')).toBe('FAIL');
    expect(verdictOf('  applied / resent')).toBe('FAIL');
    expect(verdictOf('256 concurrent rewards across symbols')).toBe('pass');
    const table = formatTable(rows);
    expect(table.split('\n')[0]).toMatch(/^figure\s+value\s+baseline\s+ratio\s+target\s+result$/);
    expect(table.split('\n')).toHaveLength(rows.length + 2);
  });
});

describe('portfolio backtest bench', () => {
  const measurement = {
    symbols: 10,
    barsPerSymbol: 6000,
    signals: 1800,
    portfolioMs: [3000, 2800, 70_000],
    separateMs: [2500, 2800, 35_000],
  };

  it('reports the median seconds and the median of the rounds’ own ratios to the one-by-one runs', () => {
    const results = toBenchResults({ portfolioBacktest: measurement });
    expect(results.portfolioBacktest).toMatchObject({
      seconds: 3,
      ratio: 1.2,
      separateSeconds: 2.8,
      rounds: 3,
    });
  });

  it('passes within both targets and fails beyond either', () => {
    const verdictOf = (m: typeof measurement) =>
      tableRows({ portfolioBacktest: m }).find((row) => row.figure.startsWith('portfolio backtest'))?.verdict;
    expect(verdictOf(measurement)).toBe('pass');
    expect(verdictOf({ ...measurement, separateMs: [1000, 1000, 1000] })).toBe('FAIL');
    expect(
      verdictOf({
        ...measurement,
        portfolioMs: [61_000, 61_000, 61_000],
        separateMs: [60_000, 60_000, 60_000],
      }),
    ).toBe('FAIL');
  });
});

describe('bench bundling', () => {
  it('derives the esbuild command line CDK runs from the construct’s own bundling options', () => {
    const args = cdkEsbuildArgs(
      SELECTOR_BUNDLING,
      Runtime.NODEJS_22_X,
      '/p/functions/select/handler.ts',
      '/out',
    );
    expect(args.slice(0, 2)).toEqual(['--bundle', '/p/functions/select/handler.ts']);
    expect(args).toContain('--platform=node');
    expect(args).toContain('--outfile=/out/index.mjs');
    expect(args.filter((arg) => arg.startsWith('--external'))).toEqual([]);
  });

  it('refuses a bundling option it does not translate rather than build something else', () => {
    expect(() =>
      cdkEsbuildArgs({ ...SELECTOR_BUNDLING, nodeModules: ['zod'] }, Runtime.NODEJS_22_X, '/e.ts', '/out'),
    ).toThrow(/nodeModules/);
  });
});
