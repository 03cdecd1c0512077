import { backtestPolicies } from '../../lib/backtest/command';
import { runBacktest, runPortfolioBacktest } from '../../lib/backtest/engine';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { syntheticPortfolio } from '../helpers/synthetic-portfolio';
import type { PortfolioBacktestMeasurement } from './results';
import { rotation } from './stats';

export interface PortfolioBacktestOptions {
  symbols: number;
  barsPerSymbol: number;
  rounds: number;
}

/**
 * The portfolio backtest of every policy the command runs (default, seed, seven statics, and the
 * comparators with their paired comparisons) on synthetic hourly symbols with the built-in
 * crossover signal, timed whole; the baseline is the same symbols replayed one at a time by the
 * single-file backtest, in the same round, in rotating order. The ratio shows what replaying on
 * one clock with one shared learner state costs beyond the work itself.
 */
export function measurePortfolioBacktest(options: PortfolioBacktestOptions): PortfolioBacktestMeasurement {
  const config = loadConfig({ ...ENV_DEFAULTS });
  const series = syntheticPortfolio(options.symbols, options.barsPerSymbol).map((s) => ({
    ...s,
    signals: trendCrossoverSignals(s.candles),
  }));
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
