import { median, pairedMedianRatio, ratio, round, type Summary } from './stats';

/*
 * What each benchmark measured (full precision), and the two views of it: the results file
 * (`bench-results.json`, whose headline fields are fixed by the issue) and the table on stdout.
 * Pure, so that the shaping is unit-tested without timing anything.
 */

export const TARGETS = Object.freeze({
  selectComputeP99Us: 1000,
  handlerLatencyRatio: 1.3,
  ddbCallsSelect: 2,
  ddbCallsReward: 3,
  coldInitRatio: 1.3,
  contentionWallRatio: 2,
  portfolioBacktestS: 60,
  portfolioBacktestRatio: 1.25,
});

export const FUNCTION_NAMES = ['select', 'reward', 'stats'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export interface PolicyCompute {
  policy: string;
  /** Detection + candidates + learner choice, µs per call. */
  whole: Summary;
  /** `latestIndicators` alone on the same candles, µs per call. */
  indicators: Summary;
}

export interface SelectComputeMeasurement {
  candles: number;
  iterations: number;
  /** The headline policy (`createDefaultPolicy`) first, then the others. */
  policies: PolicyCompute[];
  baselineName: string;
  baseline: Summary;
}

export interface LatencyPair {
  /** The handler, in ms per invocation. */
  handler: Summary;
  /** The bare SDK calls the handler has to make, in ms. */
  baseline: Summary;
}

export interface HandlerLatencyMeasurement {
  iterations: number;
  select: LatencyPair;
  reward: LatencyPair;
  /** DynamoDB requests per invocation, every measured invocation. */
  requestsPerSelect: number[];
  requestsPerReward: number[];
  /** The operations of one invocation, e.g. `['BatchGetItem', 'PutItem']`. */
  selectOperations: string[];
  rewardOperations: string[];
}

export interface ColdStartMeasurement {
  runs: number;
  /** Minified `index.mjs` size in bytes, by function; `bare` is the baseline. */
  bundleBytes: Record<FunctionName | 'bare', number>;
  /** Process start → handler module loaded, ms, by function; index i of each is round i. */
  sinceStartMs: Record<FunctionName | 'bare', number[]>;
  /** The `import()` alone, ms, by function; index i of each is round i. */
  importMs: Record<FunctionName | 'bare', number[]>;
  /** CPU time (user + system) of the process when the module was loaded, ms; index i is round i. */
  cpuMs: Record<FunctionName | 'bare', number[]>;
}

export interface ContentionRound {
  concurrentMs: number;
  sequentialMs: number;
  /** Of the concurrent run. */
  applied: number;
  retries: number;
  maxAttempts: number;
}

export interface ContentionMeasurement {
  /** Rewards per round on one (symbol, regime) cell. */
  rewards: number;
  rounds: ContentionRound[];
  /** Path rewards per round on as many symbols of one regime (sharing its pooled shards). */
  crossSymbol: { rewards: number; rounds: ContentionRound[] };
}

export interface LocalStackMeasurement {
  clients: number;
  durationS: number;
  requests: number;
  errors: number;
  latencyMs: Summary;
  /** The same server's 404 route (no handler, no DynamoDB), same clients, shorter run. */
  baselineName: string;
  baselineRps: number;
}

export interface PortfolioBacktestMeasurement {
  symbols: number;
  barsPerSymbol: number;
  /** Signals of the portfolio (every policy trades each). */
  signals: number;
  /** The portfolio backtest, ms per round. */
  portfolioMs: number[];
  /** The same symbols one at a time, ms per round (index i: the same round as `portfolioMs[i]`). */
  separateMs: number[];
}

export interface Measurements {
  selectCompute?: SelectComputeMeasurement;
  handlerLatency?: HandlerLatencyMeasurement;
  coldStart?: ColdStartMeasurement;
  contention?: ContentionMeasurement;
  localStack?: LocalStackMeasurement;
  portfolioBacktest?: PortfolioBacktestMeasurement;
}

/** The results file. The headline fields are those of the issue; more sit beside them. */
export interface BenchResults {
  selectComputeUs?: { p50: number; p99: number } & Record<string, unknown>;
  handlerLatencyRatio?: { select: number; reward: number } & Record<string, unknown>;
  ddbCallsPerOp?: { select: number; reward: number } & Record<string, unknown>;
  coldInitRatio?: Record<FunctionName, number> & Record<string, unknown>;
  bundleKb?: Record<FunctionName | 'bare', number>;
  contention?: { applied: number; retries: number; wallRatio: number } & Record<string, unknown>;
  localStack?: { rps: number; p99Ms: number } & Record<string, unknown>;
  portfolioBacktest?: { seconds: number; ratio: number } & Record<string, unknown>;
  meta: Record<string, unknown>;
}

const kb = (bytes: number) => round(bytes / 1024, 1);
const maxOf = (values: readonly number[]) => values.reduce((max, value) => Math.max(max, value), 0);
const sumOf = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0);

/** Share of the whole select compute spent computing the indicators (p50 over p50). */
export function indicatorShare(policy: PolicyCompute): number {
  return ratio(policy.indicators.p50, policy.whole.p50);
}

/** Contention rounds folded into one figure: medians of the times, totals of the counts. */
export function contentionSummary(measurement: Pick<ContentionMeasurement, 'rewards' | 'rounds'>) {
  const concurrentMs = median(measurement.rounds.map((r) => r.concurrentMs));
  const sequentialMs = median(measurement.rounds.map((r) => r.sequentialMs));
  return {
    rewardsPerRound: measurement.rewards,
    rounds: measurement.rounds.length,
    /** Rewards applied over all rounds (each round applies `rewards` on fresh cells). */
    applied: sumOf(measurement.rounds.map((r) => r.applied)),
    expected: measurement.rewards * measurement.rounds.length,
    /** Transactions resent over all rounds (attempts beyond the first). */
    retries: sumOf(measurement.rounds.map((r) => r.retries)),
    maxAttempts: maxOf(measurement.rounds.map((r) => r.maxAttempts)),
    concurrentMs,
    sequentialMs,
    /** Median over rounds of each round's own concurrent / sequential ratio. */
    wallRatio: median(measurement.rounds.map((r) => ratio(r.concurrentMs, r.sequentialMs))),
  };
}

/** The measurements as the results file. Only what was measured appears (see `--only`). */
export function toBenchResults(measurements: Measurements, meta: Record<string, unknown> = {}): BenchResults {
  const results: Omit<BenchResults, 'meta'> = {};
  const compute = measurements.selectCompute;
  const headline = compute?.policies[0];
  if (compute !== undefined && headline !== undefined) {
    results.selectComputeUs = {
      p50: round(headline.whole.p50, 1),
      p99: round(headline.whole.p99, 1),
      policy: headline.policy,
      candles: compute.candles,
      iterations: compute.iterations,
      indicatorShare: round(indicatorShare(headline), 3),
      baseline: compute.baselineName,
      baselineP50: round(compute.baseline.p50, 1),
      byPolicy: Object.fromEntries(
        compute.policies.map((policy) => [
          policy.policy,
          {
            p50: round(policy.whole.p50, 1),
            p99: round(policy.whole.p99, 1),
            indicatorsP50: round(policy.indicators.p50, 1),
            indicatorsP99: round(policy.indicators.p99, 1),
            indicatorShare: round(indicatorShare(policy), 3),
          },
        ]),
      ),
    };
  }
  const latency = measurements.handlerLatency;
  if (latency !== undefined) {
    const pair = (p: LatencyPair) => ({
      handlerP50Ms: round(p.handler.p50, 3),
      handlerP99Ms: round(p.handler.p99, 3),
      baselineP50Ms: round(p.baseline.p50, 3),
      baselineP99Ms: round(p.baseline.p99, 3),
      p99Ratio: round(ratio(p.handler.p99, p.baseline.p99), 3),
    });
    results.handlerLatencyRatio = {
      select: round(ratio(latency.select.handler.p50, latency.select.baseline.p50), 3),
      reward: round(ratio(latency.reward.handler.p50, latency.reward.baseline.p50), 3),
      of: 'p50',
      iterations: latency.iterations,
      selectDetail: pair(latency.select),
      rewardDetail: pair(latency.reward),
    };
    results.ddbCallsPerOp = {
      select: maxOf(latency.requestsPerSelect),
      reward: maxOf(latency.requestsPerReward),
      of: 'most requests seen in one invocation',
      invocations: latency.requestsPerSelect.length,
      selectOperations: latency.selectOperations,
      rewardOperations: latency.rewardOperations,
    };
  }
  const cold = measurements.coldStart;
  if (cold !== undefined) {
    const init = (name: FunctionName | 'bare') => median(cold.sinceStartMs[name]);
    const importOnly = (name: FunctionName | 'bare') => median(cold.importMs[name]);
    const initRatio = (name: FunctionName) =>
      round(pairedMedianRatio(cold.sinceStartMs[name], cold.sinceStartMs.bare), 3);
    const cpuRatio = (name: FunctionName) => round(pairedMedianRatio(cold.cpuMs[name], cold.cpuMs.bare), 3);
    const importRatio = (name: FunctionName) =>
      round(pairedMedianRatio(cold.importMs[name], cold.importMs.bare), 3);
    results.coldInitRatio = {
      select: initRatio('select'),
      reward: initRatio('reward'),
      stats: initRatio('stats'),
      of: 'median over rounds of (process start → handler module loaded) / the bare handler’s in the same round',
      runs: cold.runs,
      medianMs: {
        bare: round(init('bare')),
        select: round(init('select')),
        reward: round(init('reward')),
        stats: round(init('stats')),
      },
      importMedianMs: {
        bare: round(importOnly('bare')),
        select: round(importOnly('select')),
        reward: round(importOnly('reward')),
        stats: round(importOnly('stats')),
      },
      importRatio: {
        select: importRatio('select'),
        reward: importRatio('reward'),
        stats: importRatio('stats'),
      },
      cpuRatio: {
        select: cpuRatio('select'),
        reward: cpuRatio('reward'),
        stats: cpuRatio('stats'),
      },
      cpuMedianMs: {
        bare: round(median(cold.cpuMs.bare)),
        select: round(median(cold.cpuMs.select)),
        reward: round(median(cold.cpuMs.reward)),
        stats: round(median(cold.cpuMs.stats)),
      },
    };
    results.bundleKb = {
      select: kb(cold.bundleBytes.select),
      reward: kb(cold.bundleBytes.reward),
      stats: kb(cold.bundleBytes.stats),
      bare: kb(cold.bundleBytes.bare),
    };
  }
  if (measurements.contention !== undefined) {
    const c = contentionSummary(measurements.contention);
    const x = contentionSummary(measurements.contention.crossSymbol);
    results.contention = {
      applied: c.applied,
      retries: c.retries,
      wallRatio: round(c.wallRatio, 3),
      expected: c.expected,
      rounds: c.rounds,
      rewardsPerRound: c.rewardsPerRound,
      maxAttempts: c.maxAttempts,
      concurrentMedianMs: round(c.concurrentMs, 1),
      sequentialMedianMs: round(c.sequentialMs, 1),
      crossSymbol: {
        applied: x.applied,
        expected: x.expected,
        wallRatio: round(x.wallRatio, 3),
        maxAttempts: x.maxAttempts,
        retries: x.retries,
        rewardsPerRound: x.rewardsPerRound,
        concurrentMedianMs: round(x.concurrentMs, 1),
        sequentialMedianMs: round(x.sequentialMs, 1),
      },
    };
  }
  const stack = measurements.localStack;
  if (stack !== undefined) {
    const rps = stack.requests / stack.durationS;
    results.localStack = {
      rps: round(rps, 1),
      p99Ms: round(stack.latencyMs.p99, 2),
      p50Ms: round(stack.latencyMs.p50, 2),
      clients: stack.clients,
      durationS: round(stack.durationS, 2),
      requests: stack.requests,
      errors: stack.errors,
      baseline: stack.baselineName,
      baselineRps: round(stack.baselineRps, 1),
      ratioToBaseline: round(ratio(rps, stack.baselineRps), 3),
    };
  }
  const portfolio = measurements.portfolioBacktest;
  if (portfolio !== undefined) {
    results.portfolioBacktest = {
      seconds: round(median(portfolio.portfolioMs) / 1000, 2),
      ratio: round(pairedMedianRatio(portfolio.portfolioMs, portfolio.separateMs), 3),
      of: 'median over rounds of the portfolio run / the same symbols run one at a time in the same round',
      symbols: portfolio.symbols,
      barsPerSymbol: portfolio.barsPerSymbol,
      signals: portfolio.signals,
      rounds: portfolio.portfolioMs.length,
      separateSeconds: round(median(portfolio.separateMs) / 1000, 2),
    };
  }
  return { ...results, meta };
}

/** One line of the table on stdout. */
export interface TableRow {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  /** `pass`, `FAIL`, or `-` for a figure without a target. */
  verdict: 'pass' | 'FAIL' | '-';
}

const verdict = (ok: boolean): TableRow['verdict'] => (ok ? 'pass' : 'FAIL');
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const times = (value: number) => `${fixed(value, 2)}×`;

/** The measurements as table rows, each judged against its target. */
export function tableRows(measurements: Measurements): TableRow[] {
  const rows: TableRow[] = [];
  const compute = measurements.selectCompute;
  if (compute !== undefined) {
    for (const policy of compute.policies) {
      const label = `select compute, ${compute.candles} candles, policy ${policy.policy}`;
      rows.push({
        figure: `${label}: p50`,
        value: `${fixed(policy.whole.p50, 1)} µs`,
        baseline: `${fixed(compute.baseline.p50, 1)} µs`,
        ratio: times(ratio(policy.whole.p50, compute.baseline.p50)),
        target: '-',
        verdict: '-',
      });
      rows.push({
        figure: `${label}: p99`,
        value: `${fixed(policy.whole.p99, 1)} µs`,
        baseline: `${fixed(compute.baseline.p99, 1)} µs`,
        ratio: times(ratio(policy.whole.p99, compute.baseline.p99)),
        target: `≤ ${TARGETS.selectComputeP99Us} µs`,
        verdict: verdict(policy.whole.p99 <= TARGETS.selectComputeP99Us),
      });
      rows.push({
        figure: `  indicator share (latestIndicators p50 / whole p50)`,
        value: `${fixed(policy.indicators.p50, 1)} µs`,
        baseline: `${fixed(policy.whole.p50, 1)} µs`,
        ratio: `${fixed(indicatorShare(policy) * 100, 0)} %`,
        target: '-',
        verdict: '-',
      });
    }
  }
  const latency = measurements.handlerLatency;
  if (latency !== undefined) {
    for (const name of ['select', 'reward'] as const) {
      const pair = latency[name];
      for (const stat of ['p50', 'p99'] as const) {
        const r = ratio(pair.handler[stat], pair.baseline[stat]);
        rows.push({
          figure: `${name} handler on DynamoDB Local: ${stat}`,
          value: `${fixed(pair.handler[stat], 2)} ms`,
          baseline: `${fixed(pair.baseline[stat], 2)} ms`,
          ratio: times(r),
          target: stat === 'p50' ? `≤ ${TARGETS.handlerLatencyRatio}×` : '-',
          verdict: stat === 'p50' ? verdict(r <= TARGETS.handlerLatencyRatio) : '-',
        });
      }
    }
    const calls = (name: 'select' | 'reward', seen: number[], operations: string[], target: number) => {
      const most = maxOf(seen);
      rows.push({
        figure: `DynamoDB requests per ${name} (${operations.join(' + ')})`,
        value: String(most),
        baseline: '-',
        ratio: '-',
        target: name === 'select' ? `= ${target}` : `≤ ${target}`,
        verdict: verdict(name === 'select' ? seen.every((n) => n === target) : most <= target),
      });
    };
    calls('select', latency.requestsPerSelect, latency.selectOperations, TARGETS.ddbCallsSelect);
    calls('reward', latency.requestsPerReward, latency.rewardOperations, TARGETS.ddbCallsReward);
  }
  const cold = measurements.coldStart;
  if (cold !== undefined) {
    const bare = median(cold.sinceStartMs.bare);
    const bareImport = median(cold.importMs.bare);
    for (const name of FUNCTION_NAMES) {
      const init = median(cold.sinceStartMs[name]);
      const r = pairedMedianRatio(cold.sinceStartMs[name], cold.sinceStartMs.bare);
      rows.push({
        figure: `${name} cold init (process start → module loaded)`,
        value: `${fixed(init, 1)} ms`,
        baseline: `${fixed(bare, 1)} ms`,
        ratio: times(r),
        target: `≤ ${TARGETS.coldInitRatio}×`,
        verdict: verdict(r <= TARGETS.coldInitRatio),
      });
      const importOnly = median(cold.importMs[name]);
      rows.push({
        figure: `  ${name} import() alone`,
        value: `${fixed(importOnly, 1)} ms`,
        baseline: `${fixed(bareImport, 1)} ms`,
        ratio: times(pairedMedianRatio(cold.importMs[name], cold.importMs.bare)),
        target: '-',
        verdict: '-',
      });
      rows.push({
        figure: `  ${name} CPU time until loaded`,
        value: `${fixed(median(cold.cpuMs[name]), 1)} ms`,
        baseline: `${fixed(median(cold.cpuMs.bare), 1)} ms`,
        ratio: times(pairedMedianRatio(cold.cpuMs[name], cold.cpuMs.bare)),
        target: '-',
        verdict: '-',
      });
      rows.push({
        figure: `  ${name} bundle size`,
        value: `${fixed(cold.bundleBytes[name] / 1024, 1)} KB`,
        baseline: `${fixed(cold.bundleBytes.bare / 1024, 1)} KB`,
        ratio: times(ratio(cold.bundleBytes[name], cold.bundleBytes.bare)),
        target: '-',
        verdict: '-',
      });
    }
  }
  if (measurements.contention !== undefined) {
    const scenarios = [
      ['on one cell', contentionSummary(measurements.contention)],
      ['across symbols, with paths', contentionSummary(measurements.contention.crossSymbol)],
    ] as const;
    for (const [where, c] of scenarios) {
      rows.push({
        figure: `${c.rewardsPerRound} concurrent rewards ${where} (median of ${c.rounds})`,
        value: `${fixed(c.concurrentMs, 0)} ms`,
        baseline: `${fixed(c.sequentialMs, 0)} ms seq.`,
        ratio: times(c.wallRatio),
        target: `≤ ${TARGETS.contentionWallRatio}×`,
        verdict: verdict(c.wallRatio <= TARGETS.contentionWallRatio),
      });
      rows.push({
        figure: `  applied / resent / most attempts`,
        value: `${c.applied}/${c.expected} / ${c.retries} / ${c.maxAttempts}`,
        baseline: '-',
        ratio: '-',
        target: 'all applied, ≤ 10 attempts',
        verdict: verdict(c.applied === c.expected && c.maxAttempts <= 10),
      });
    }
  }
  const stack = measurements.localStack;
  if (stack !== undefined) {
    const rps = stack.requests / stack.durationS;
    rows.push({
      figure: `local stack: selects/s over HTTP, ${stack.clients} clients, ${fixed(stack.durationS, 0)} s`,
      value: `${fixed(rps, 0)} /s`,
      baseline: `${fixed(stack.baselineRps, 0)} /s`,
      ratio: times(ratio(rps, stack.baselineRps)),
      target: '-',
      verdict: stack.errors === 0 ? '-' : 'FAIL',
    });
    rows.push({
      figure: `  select over HTTP: p50 / p99 (errors: ${stack.errors})`,
      value: `${fixed(stack.latencyMs.p50, 1)} / ${fixed(stack.latencyMs.p99, 1)} ms`,
      baseline: '-',
      ratio: '-',
      target: '-',
      verdict: '-',
    });
  }
  const portfolio = measurements.portfolioBacktest;
  if (portfolio !== undefined) {
    const seconds = median(portfolio.portfolioMs) / 1000;
    const r = pairedMedianRatio(portfolio.portfolioMs, portfolio.separateMs);
    rows.push({
      figure: `portfolio backtest, ${portfolio.symbols} symbols × ${portfolio.barsPerSymbol} bars, every policy`,
      value: `${fixed(seconds, 2)} s`,
      baseline: `${fixed(median(portfolio.separateMs) / 1000, 2)} s one by one`,
      ratio: times(r),
      target: `≤ ${TARGETS.portfolioBacktestRatio}×, ≤ ${TARGETS.portfolioBacktestS} s`,
      verdict: verdict(r <= TARGETS.portfolioBacktestRatio && seconds <= TARGETS.portfolioBacktestS),
    });
  }
  return rows;
}

/** The rows as a plain-text table with a header, columns padded to their widest cell. */
export function formatTable(rows: readonly TableRow[]): string {
  const header: TableRow = {
    figure: 'figure',
    value: 'value',
    baseline: 'baseline',
    ratio: 'ratio',
    target: 'target',
    verdict: '-',
  };
  const cells = [header, ...rows].map((row, index) => [
    row.figure,
    row.value,
    row.baseline,
    row.ratio,
    row.target,
    index === 0 ? 'result' : row.verdict,
  ]);
  const widths =
    cells[0]?.map((_, column) => Math.max(...cells.map((line) => (line[column] ?? '').length))) ?? [];
  const lines = cells.map((line) =>
    line
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [lines[0], rule, ...lines.slice(1)].join('\n');
}
