import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { chooseFramed, frameDecision, framedPlan } from '../../lib/decide';
import { latestIndicators } from '../../lib/indicators';
import { addToCell, armIncrement, foldEma } from '../../lib/learners/cell-stats';
import type { CellStats, CellsByArm } from '../../lib/learners/learner';
import { createDefaultPolicy, createSeedPolicy } from '../../lib/policies';
import type { Policy } from '../../lib/policy';
import { seededRng } from '../../lib/random';
import type { Liquidity } from '../../lib/types';
import { syntheticCandles } from '../helpers/synthetic-candles';
import type { SelectComputeMeasurement } from './results';
import { rotation, summarize } from './stats';

export interface SelectComputeOptions {
  candles: number;
  iterations: number;
  warmupIterations: number;
}

const LIQUIDITY: Liquidity = { spreadBps: 2, depthUsd: 250_000, volume24hUsd: 1_200_000_000 };
const SYMBOL = 'BTCUSDT';

/**
 * Cells as a store would return them after some learning: every arm of the policy rewarded 30
 * times, as the reward path adds them (counterfactual outcomes and leads over trend_rider only for
 * a full-information policy, the EMA only for a learner that reads one), for the symbol, pooled
 * and over the symbol's regimes, so that the choice has real values to weigh.
 */
function learnedCells(policy: Policy, seed: number): CellsByArm {
  const rng = seededRng(seed);
  const alpha = policy.learner.emaAlpha;
  const cells: CellsByArm = {};
  for (const arm of policy.arms) {
    let stats: CellStats | undefined;
    for (let n = 0; n < 30; n++) {
      const realizedR = rng() * 4 - 1.5;
      const counterfactual = policy.fullInformation && n % 3 === 0;
      const lead = policy.fullInformation && arm.id !== 'trend_rider' ? rng() * 2 - 1 : undefined;
      const ema = alpha === undefined ? 0 : foldEma(stats, realizedR, alpha);
      const at = Date.UTC(2024, 0, 1) + n * 3_600_000;
      stats = { ...addToCell(stats, armIncrement(realizedR, counterfactual, false, lead), at), ema };
    }
    cells[arm.id] = stats;
  }
  return cells;
}

/**
 * The select path's compute, in process: the decide core the select function runs
 * (`frameDecision`: regime detection on the candles, the entry's distance, the candidates whose
 * plan keeps every price positive; `chooseFramed`: the learner's choice; `framedPlan`). Timed per
 * call (µs) for the default policy and the seed policy, with `latestIndicators` alone on the same candles (the indicator share), and a baseline
 * of `JSON.parse` of the same request's JSON body, all interleaved in rotating order in every round.
 */
export function measureSelectCompute(options: SelectComputeOptions): SelectComputeMeasurement {
  const config = loadConfig({ ...ENV_DEFAULTS });
  const policies = [createDefaultPolicy(config), createSeedPolicy(config)];
  const candles = syntheticCandles(seededRng(250), {
    bars: options.candles,
    startPrice: 68_000,
    driftPerBar: 0.002,
    closeNoise: 0.01,
    wickSize: 0.006,
  });
  const lastClose = candles.at(-1)?.c ?? 0;
  const requestJson = JSON.stringify({
    symbol: SYMBOL,
    side: 'LONG',
    timeframe: '15m',
    candles,
    entryPrice: lastClose,
    liquidity: LIQUIDITY,
  });
  const contexts = policies.map((policy, index) => ({
    policy,
    cells: learnedCells(policy, 100 + index),
    pooled: learnedCells(policy, 200 + index),
    symbolTotal: learnedCells(policy, 400 + index),
    rng: seededRng(300 + index),
  }));

  // Results are folded into a sink so that no call can be optimised away.
  let sink = 0;
  const tasks: (() => void)[] = [];
  for (const context of contexts) {
    tasks.push(() => {
      const framed = frameDecision(
        context.policy,
        { side: 'LONG', candles, entryPrice: lastClose, liquidity: LIQUIDITY },
        config.plausibility,
      );
      const choice = chooseFramed(
        context.policy,
        framed,
        { cells: context.cells, pooled: context.pooled, symbolTotal: context.symbolTotal },
        context.rng,
      );
      sink += choice.propensity + framedPlan(framed, 'LONG', choice.arm).stopLoss;
    });
    tasks.push(() => {
      sink += latestIndicators(candles)?.atr ?? 0;
    });
  }
  tasks.push(() => {
    sink += (JSON.parse(requestJson) as { candles: unknown[] }).candles.length;
  });

  const samples: number[][] = tasks.map(() => []);
  const total = options.warmupIterations + options.iterations;
  for (let round = 0; round < total; round++) {
    for (const index of rotation(tasks.length, round)) {
      const task = tasks[index];
      if (task === undefined) continue;
      const started = process.hrtime.bigint();
      task();
      const elapsedUs = Number(process.hrtime.bigint() - started) / 1000;
      if (round >= options.warmupIterations) samples[index]?.push(elapsedUs);
    }
  }
  if (!Number.isFinite(sink)) throw new Error('select compute produced a non-finite result');

  const summaryAt = (index: number) => summarize(samples[index] ?? []);
  return {
    candles: options.candles,
    iterations: options.iterations,
    policies: contexts.map((context, index) => ({
      policy: context.policy.name,
      whole: summaryAt(2 * index),
      indicators: summaryAt(2 * index + 1),
    })),
    baselineName: `JSON.parse of the same request body (${options.candles} candles, ${(requestJson.length / 1024).toFixed(1)} KB)`,
    baseline: summaryAt(tasks.length - 1),
  };
}
