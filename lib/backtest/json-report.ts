import type { RegimeName, Side, StrategyId } from '../types';
import type { PolicySummary } from './metrics';
import type { PairedDifference } from './paired-statistics';
import type { BacktestResult, EquityPoint, LearnedCell, PolicyBasis } from './result';
import { SIGNAL_RULES, type SignalSource } from './signals';

/** Where one symbol of a run came from. */
export interface SeriesSource {
  symbol: string;
  /** The data file as given on the command line. */
  file: string;
  signalSource: SignalSource;
}

/** What the backtest ran on, as the JSON report's `data` names it. */
export interface BacktestDataInfo {
  /** The data files, comma-separated (one file: its name). */
  file: string;
  files: string[];
  /** Bars over every symbol. */
  bars: number;
  /** ISO-8601 time of the first and last bar of any symbol. */
  from: string;
  to: string;
  /** Signals that were traded on (non-zero, with a bar after them), over every symbol. */
  signals: number;
  /** Every symbol's signal source, or `mixed`. */
  signalSource: SignalSource | 'mixed';
  /** The signals' rule in words. */
  signalRule: string;
  horizonBars: number;
  lookbackBars: number;
  seed: number;
}

/** Everything but the headline figures, per policy. */
export interface PolicyDetails {
  basis: PolicyBasis;
  explorationRate: number;
  skippedSignals: number;
  implausibleRewards: number;
  regimes: Partial<Record<RegimeName, PolicySummary>>;
  sides: Partial<Record<Side, PolicySummary>>;
  years: Record<string, PolicySummary>;
  learned: LearnedCell[];
  equity: EquityPoint[];
}

/** One symbol of the run, with every policy's five figures on it. */
export interface SymbolReport {
  file: string;
  bars: number;
  from: string;
  to: string;
  signals: number;
  signalSource: SignalSource;
  policies: Record<string, PolicySummary>;
}

/** A paired comparison as the JSON report holds it (under its policy, then its baseline). */
export type ComparisonReport = PairedDifference;

/**
 * The `--json` file: `data` and `policies` exactly as the contract spells them (each policy
 * object holds only trades, meanR, totalR, winRate, maxDrawdownR, over the whole portfolio), the
 * same per symbol under `symbols`, the paired comparisons under `comparisons`, and `details`.
 */
export interface BacktestJsonReport {
  data: BacktestDataInfo;
  policies: Record<string, PolicySummary>;
  symbols: Record<string, SymbolReport>;
  /** `comparisons[policy][baseline]`. */
  comparisons: Record<string, Record<string, ComparisonReport>>;
  details: {
    /** The policy whose regimes define every regime row and the oracle's groups. */
    regimesFrom: string | undefined;
    oracleChoices: Partial<Record<RegimeName, StrategyId>>;
    policies: Record<string, PolicyDetails>;
  };
}

const iso = (t: number) => new Date(t).toISOString();

/** The data block of a report, from the run's result and where its series came from. */
export function backtestDataInfo(result: BacktestResult, sources: readonly SeriesSource[]): BacktestDataInfo {
  const files = [...new Set(sources.map((source) => source.file))];
  const kinds = [...new Set(sources.map((source) => source.signalSource))];
  const [only] = kinds;
  const signalSource = kinds.length === 1 && only !== undefined ? only : 'mixed';
  const firstT = Math.min(...result.symbols.map((s) => s.firstT));
  const lastT = Math.max(...result.symbols.map((s) => s.lastT));
  return {
    file: files.join(', '),
    files,
    bars: result.bars,
    from: iso(Number.isFinite(firstT) ? firstT : 0),
    to: iso(Number.isFinite(lastT) ? lastT : 0),
    signals: result.signals,
    signalSource,
    signalRule: signalRule(sources),
    horizonBars: result.horizonBars,
    lookbackBars: result.lookbackBars,
    seed: result.seed,
  };
}

/** The signals of a run in words: the file's column, a built-in kind's rule, or both by symbol. */
export function signalRule(sources: readonly SeriesSource[]): string {
  const describe = (source: SignalSource) =>
    source === 'column' ? "the file's signal column" : `built-in ${source}: ${SIGNAL_RULES[source]}`;
  const kinds = [...new Set(sources.map((source) => source.signalSource))];
  if (kinds.length <= 1) return describe(kinds[0] ?? 'ema-cross');
  return kinds
    .map((kind) => {
      const symbols = sources.filter((source) => source.signalSource === kind).map((source) => source.symbol);
      return `${describe(kind)} (${symbols.join(', ')})`;
    })
    .join('; ');
}

/** The JSON report of a run, policies in the run's order (comparators last). */
export function backtestJsonReport(
  result: BacktestResult,
  data: BacktestDataInfo,
  sources: readonly SeriesSource[],
): BacktestJsonReport {
  const policies: Record<string, PolicySummary> = {};
  const details: Record<string, PolicyDetails> = {};
  for (const policy of result.policies) {
    policies[policy.name] = fiveFigures(policy.summary);
    details[policy.name] = {
      basis: policy.basis,
      explorationRate: policy.explorationRate,
      skippedSignals: policy.skippedSignals,
      implausibleRewards: policy.implausibleRewards,
      regimes: policy.regimes,
      sides: policy.sides,
      years: policy.years,
      learned: policy.learned,
      equity: policy.equity,
    };
  }
  const symbols: Record<string, SymbolReport> = {};
  for (const run of result.symbols) {
    const source = sources.find((s) => s.symbol === run.symbol);
    symbols[run.symbol] = {
      file: source?.file ?? '',
      bars: run.bars,
      from: iso(run.firstT),
      to: iso(run.lastT),
      signals: run.signals,
      signalSource: source?.signalSource ?? 'ema-cross',
      policies: Object.fromEntries(
        result.policies.flatMap((policy) => {
          const summary = policy.symbols[run.symbol];
          return summary === undefined ? [] : [[policy.name, fiveFigures(summary)]];
        }),
      ),
    };
  }
  const comparisons: Record<string, Record<string, ComparisonReport>> = {};
  for (const { policy, baseline, ...figures } of result.comparisons) {
    comparisons[policy] ??= {};
    comparisons[policy][baseline] = figures;
  }
  return {
    data,
    policies,
    symbols,
    comparisons,
    details: { regimesFrom: result.regimesFrom, oracleChoices: result.oracleChoices, policies: details },
  };
}

function fiveFigures({ trades, meanR, totalR, winRate, maxDrawdownR }: PolicySummary): PolicySummary {
  return { trades, meanR, totalR, winRate, maxDrawdownR };
}
