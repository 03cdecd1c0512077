import { backtestPolicies } from '../../lib/backtest/command';
import { type BacktestSeries, runBacktest, runPortfolioBacktest } from '../../lib/backtest/engine';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { seededRng } from '../../lib/random';
import { syntheticCandles } from '../helpers/synthetic-candles';
import type { PortfolioBacktestMeasurement } from './results';
import { rotation } from './stats';

export interface PortfolioBacktestOptions {
  symbols: number;
  barsPerSymbol: number;
  rounds: number;
}

const FIVE_MINUTES_MS = 300_000;

/**
 * Synthetic 5-minute symbols on one clock: trending up, down and ranging by turns, each from its
 * own seed, with the built-in crossover signal.
 */
export function syntheticPortfolio(symbols: number, barsPerSymbol: number): BacktestSeries[] {
  return Array.from({ length: symbols }, (_, index) => {
    const drift = [0.0004, -0.0003, 0][index % 3] ?? 0;
    const candles = syntheticCandles(seededRng(1000 + index), {
      bars: barsPerSymbol,
      startPrice: 50 + 10 * index,
      driftPerBar: drift,
      trending: true,
      closeNoise: 0.004 + 0.001 * (index % 4),
      wickSize: 0.003,
    }).map((candle, bar) => ({ ...candle, t: Date.UTC(2024, 0, 1) + bar * FIVE_MINUTES_MS }));
    return { symbol: `SYN${index}`, candles, signals: trendCrossoverSignals(candles) };
  });
}

/**
 * The portfolio backtest of every policy the command runs (default, seed, seven statics, and the
 * comparators with their paired comparisons), timed whole; the baseline is the same symbols
 * replayed one at a time by the single-file backtest, in the same round, in rotating order. The
 * ratio shows what replaying on one clock with one shared learner state costs beyond the work
 * itself.
 */
export function measurePortfolioBacktest(options: PortfolioBacktestOptions): PortfolioBacktestMeasurement {
  const config = loadConfig({ ...ENV_DEFAULTS });
  const series = syntheticPortfolio(options.symbols, options.barsPerSymbol);
  let signals = 0;
  const tasks = [
    () => {
      signals = runPortfolioBacktest({ series, policies: backtestPolicies(config) }).signals;
    },
    () => {
      for (const one of series) runBacktest({ ...one, policies: backtestPolicies(config) });
    },
  ];
  const portfolioMs: number[] = [];
  const separateMs: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const index of rotation(tasks.length, round)) {
      const started = performance.now();
      tasks[index]?.();
      (index === 0 ? portfolioMs : separateMs).push(performance.now() - started);
    }
  }
  return {
    symbols: options.symbols,
    barsPerSymbol: options.barsPerSymbol,
    signals,
    portfolioMs,
    separateMs,
  };
}
