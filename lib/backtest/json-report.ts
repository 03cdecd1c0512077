import type { RegimeName, StrategyId } from '../types';
import type { BacktestResult, EquityPoint, LearnedCell } from './engine';
import type { PolicySummary } from './metrics';
import type { SignalSource } from './signals';

/** What the backtest ran on, as the JSON report's `data` names it. */
export interface BacktestDataInfo {
  /** The data file as given on the command line. */
  file: string;
  bars: number;
  /** ISO-8601 time of the first and last bar. */
  from: string;
  to: string;
  /** Signals that were traded on (non-zero, with a bar after them). */
  signals: number;
  signalSource: SignalSource;
  horizonBars: number;
  lookbackBars: number;
  seed: number;
}

/** Everything but the headline figures, per policy. */
export interface PolicyDetails {
  explorationRate: number;
  skippedSignals: number;
  regimes: Partial<Record<RegimeName, PolicySummary>>;
  learned: LearnedCell[];
  equity: EquityPoint[];
}

/**
 * The `--json` file: `data` and `policies` exactly as the contract spells them (each policy
 * object holds only trades, meanR, totalR, winRate, maxDrawdownR), and `details` beside them.
 */
export interface BacktestJsonReport {
  data: BacktestDataInfo;
  policies: Record<string, PolicySummary>;
  details: {
    symbol: string;
    oracleRegimesFrom: string | undefined;
    oracleChoices: Partial<Record<RegimeName, StrategyId>>;
    policies: Record<string, PolicyDetails>;
  };
}

/** The data block of a report, from the run's result and where its data and signals came from. */
export function backtestDataInfo(
  result: BacktestResult,
  source: { file: string; signalSource: SignalSource; firstT: number; lastT: number },
): BacktestDataInfo {
  return {
    file: source.file,
    bars: result.bars,
    from: new Date(source.firstT).toISOString(),
    to: new Date(source.lastT).toISOString(),
    signals: result.signals,
    signalSource: source.signalSource,
    horizonBars: result.horizonBars,
    lookbackBars: result.lookbackBars,
    seed: result.seed,
  };
}

/** The JSON report of a run, policies in the run's order (oracle last). */
export function backtestJsonReport(result: BacktestResult, data: BacktestDataInfo): BacktestJsonReport {
  const policies: Record<string, PolicySummary> = {};
  const details: Record<string, PolicyDetails> = {};
  for (const policy of result.policies) {
    const { trades, meanR, totalR, winRate, maxDrawdownR } = policy.summary;
    policies[policy.name] = { trades, meanR, totalR, winRate, maxDrawdownR };
    details[policy.name] = {
      explorationRate: policy.explorationRate,
      skippedSignals: policy.skippedSignals,
      regimes: policy.regimes,
      learned: policy.learned,
      equity: policy.equity,
    };
  }
  return {
    data,
    policies,
    details: {
      symbol: result.symbol,
      oracleRegimesFrom: result.oracleRegimesFrom,
      oracleChoices: result.oracleChoices,
      policies: details,
    },
  };
}
