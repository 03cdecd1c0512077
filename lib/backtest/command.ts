import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config';
import { createDefaultPolicy, createSeedPolicy, createStaticPolicy } from '../policies';
import type { Policy } from '../policy';
import { STRATEGY_IDS } from '../types';
import { CsvFormatError, type OhlcvSeries, parseOhlcvSeries } from './csv';
import {
  type BacktestResult,
  type BacktestSeries,
  DEFAULT_BACKTEST_SEED,
  DEFAULT_LOOKBACK_BARS,
  runPortfolioBacktest,
} from './engine';
import { renderHtmlReport } from './html-report';
import {
  type BacktestDataInfo,
  backtestDataInfo,
  backtestJsonReport,
  type SeriesSource,
} from './json-report';
import { DEFAULT_BOOTSTRAP } from './paired-statistics';
import { formatComparisonTable, formatResultsTable, formatSymbolTable } from './results-table';
import { builtInSignals, DEFAULT_SIGNAL_KIND, SIGNAL_KINDS, SIGNAL_RULES, type SignalKind } from './signals';

/**
 * `npm run backtest -- --data FILE.csv [...]`: reads one file or several (a portfolio on one
 * clock), replays them for every policy the service knows (default, seed, each static profile;
 * the walk-forward and hindsight comparators are added), prints the results, the per-symbol
 * figures and the paired comparisons, and writes the reports asked for. All I/O goes through
 * `io`, so that the command runs the same under test.
 */

export const BACKTEST_USAGE = `Usage: npm run backtest -- --data FILE.csv [--data FILE.csv ...] [options]
       npm run backtest -- --data-dir DIR [options]

Replays OHLCV bars (columns date|time|t, open, high, low, close, optional volume, optional
signal 1/-1/0, optional symbol) and compares the selector's policies on the same signals. Several
files (or a symbol column) make a portfolio: every symbol on one clock, one learner state per
policy shared by all of them. A file's symbol is its name without .csv unless it has a symbol
column. Without a signal column, the built-in signal of --signal is used.

Options:
  --data FILE      CSV file to replay; repeat it for a portfolio
  --data-dir DIR   every *.csv file in DIR, in name order
  --signal KIND    built-in signal where a file has no signal column (default ${DEFAULT_SIGNAL_KIND}):
${SIGNAL_KINDS.map((kind) => `                     ${kind.padEnd(10)} ${SIGNAL_RULES[kind]}`).join('\n')}
  --json FILE      write the results as JSON
  --html FILE      write a self-contained HTML report
  --seed N         seed of every policy's random draws and of the bootstrap (default ${DEFAULT_BACKTEST_SEED})
  --horizon N      bars after entry after which a trade exits at the close (default: TRADE_HORIZON_BARS, 48)
  --lookback N     candles up to the signal bar the regime detector sees (default ${DEFAULT_LOOKBACK_BARS})
  --resamples N    bootstrap resamples of the paired comparisons (default ${DEFAULT_BOOTSTRAP.resamples})
  --block N        signals per bootstrap block (default: the cube root of the signals compared)
  --symbol S       symbol of the learner cells, with a single file (default: the file's name)
  --help           show this text`;

/** A progress display; the command starts, moves and stops it. */
export interface ProgressSink {
  start(total: number): void;
  update(value: number): void;
  stop(): void;
}

export interface BacktestCommandIo {
  readText(path: string): Promise<string>;
  /** The names of the entries of a directory. */
  listDirectory(path: string): Promise<string[]>;
  writeText(path: string, text: string): Promise<void>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The service configuration the policies are built from. May throw (a bad environment). */
  config(): Config;
  /** Milliseconds, for the runtime line. */
  now(): number;
  progress?: ProgressSink;
}

/** The command line was wrong: the message and the usage are printed, exit code 2. */
export class BacktestUsageError extends Error {
  override readonly name = 'BacktestUsageError';
}

export interface BacktestCommandOptions {
  data: string[];
  dataDir: string | undefined;
  signal: SignalKind;
  json: string | undefined;
  html: string | undefined;
  seed: number;
  horizonBars: number | undefined;
  lookbackBars: number;
  resamples: number;
  blockLength: number | undefined;
  symbol: string | undefined;
  help: boolean;
}

/**
 * Parses the command's arguments (what follows `--`).
 * @throws BacktestUsageError on an unknown option, no data, a malformed number, an unknown signal
 *   kind, or `--symbol` with more than one file.
 */
export function parseBacktestArgs(argv: readonly string[]): BacktestCommandOptions {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string', multiple: true },
        'data-dir': { type: 'string' },
        signal: { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        seed: { type: 'string' },
        horizon: { type: 'string' },
        lookback: { type: 'string' },
        resamples: { type: 'string' },
        block: { type: 'string' },
        symbol: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new BacktestUsageError(error instanceof Error ? error.message : String(error));
  }
  const text = (name: string) => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const help = values.help === true;
  const data = Array.isArray(values.data) ? values.data : [];
  const dataDir = text('data-dir');
  if (data.length === 0 && dataDir === undefined && !help) {
    throw new BacktestUsageError('--data FILE.csv (or --data-dir DIR) is required');
  }
  const symbol = text('symbol');
  if (symbol !== undefined && symbol.trim() === '')
    throw new BacktestUsageError('--symbol must not be empty');
  if (symbol !== undefined && (data.length > 1 || dataDir !== undefined)) {
    throw new BacktestUsageError(
      '--symbol names the symbol of a single file; a portfolio takes them from the files',
    );
  }
  const signal = text('signal') ?? DEFAULT_SIGNAL_KIND;
  if (!(SIGNAL_KINDS as readonly string[]).includes(signal)) {
    throw new BacktestUsageError(`--signal must be one of ${SIGNAL_KINDS.join(', ')}, got '${signal}'`);
  }
  return {
    data,
    dataDir,
    signal: signal as SignalKind,
    json: text('json'),
    html: text('html'),
    seed: integerOption('--seed', text('seed'), DEFAULT_BACKTEST_SEED, false),
    horizonBars:
      text('horizon') === undefined ? undefined : integerOption('--horizon', text('horizon'), 0, true),
    lookbackBars: integerOption('--lookback', text('lookback'), DEFAULT_LOOKBACK_BARS, true),
    resamples: integerOption('--resamples', text('resamples'), DEFAULT_BOOTSTRAP.resamples, true),
    blockLength: text('block') === undefined ? undefined : integerOption('--block', text('block'), 0, true),
    symbol,
    help,
  };
}

function integerOption(name: string, text: string | undefined, fallback: number, positive: boolean): number {
  if (text === undefined) return fallback;
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || (positive && value < 1)) {
    throw new BacktestUsageError(`${name} must be ${positive ? 'a positive' : 'an'} integer, got '${text}'`);
  }
  return value;
}

/** The policies a backtest compares: the project's default, the seed baseline, and every static profile. */
export function backtestPolicies(config: Config): Policy[] {
  return [
    createDefaultPolicy(config),
    createSeedPolicy(config),
    ...STRATEGY_IDS.map((strategy) => createStaticPolicy(strategy, config)),
  ];
}

/** A file or the command line could not give the series to replay; the message names the file. */
class DataError extends Error {}

/** Runs the command; resolves to the process exit code (0 ok, 1 bad data or I/O, 2 bad usage). */
export async function runBacktestCommand(argv: readonly string[], io: BacktestCommandIo): Promise<number> {
  let options: BacktestCommandOptions;
  try {
    options = parseBacktestArgs(argv);
  } catch (error) {
    if (!(error instanceof BacktestUsageError)) throw error;
    io.stderr(`error: ${error.message}\n\n${BACKTEST_USAGE}\n`);
    return 2;
  }
  if (options.help) {
    io.stdout(`${BACKTEST_USAGE}\n`);
    return 0;
  }

  let loaded: { series: BacktestSeries[]; sources: SeriesSource[] };
  let config: Config;
  try {
    loaded = await loadSeries(options, io);
    config = io.config();
  } catch (error) {
    if (!(error instanceof DataError)) {
      io.stderr(`error: ${describe(error)}\n`);
      return 1;
    }
    io.stderr(`error: ${error.message}\n`);
    return 1;
  }

  const { series, sources } = loaded;
  const totalBars = series.reduce((sum, s) => sum + s.candles.length, 0);
  const startedAt = io.now();
  io.progress?.start(totalBars);
  let result: BacktestResult;
  try {
    result = runPortfolioBacktest({
      series,
      policies: backtestPolicies(config),
      horizonBars: options.horizonBars ?? config.horizonBars,
      lookbackBars: options.lookbackBars,
      seed: options.seed,
      bootstrap: { resamples: options.resamples, blockLength: options.blockLength },
      ...(io.progress === undefined ? {} : { onProgress: progressUpdater(io.progress, totalBars) }),
    });
  } finally {
    io.progress?.stop();
  }
  const elapsedMs = io.now() - startedAt;

  const data = backtestDataInfo(result, sources);
  const portfolio = result.symbols.length > 1;
  io.stdout(
    [
      headline(data, result, elapsedMs),
      '',
      formatResultsTable(result),
      ...(portfolio ? ['', 'Mean R per trade by symbol', formatSymbolTable(result)] : []),
      '',
      `Paired differences in R per signal (policy − baseline, same signals), ${Math.round(
        DEFAULT_BOOTSTRAP.level * 100,
      )}% block-bootstrap interval`,
      formatComparisonTable(result),
      '',
    ].join('\n'),
  );

  const outputs: [string | undefined, () => string][] = [
    [options.json, () => `${JSON.stringify(backtestJsonReport(result, data, sources), null, 2)}\n`],
    [options.html, () => renderHtmlReport(result, data)],
  ];
  for (const [path, render] of outputs) {
    if (path === undefined) continue;
    try {
      await io.writeText(path, render());
    } catch (error) {
      io.stderr(`error: cannot write ${path}: ${describe(error)}\n`);
      return 1;
    }
    io.stdout(`wrote ${path}\n`);
  }
  return 0;
}

/**
 * Reads every file (those of `--data` in order, then those of `--data-dir` by name) into series:
 * one per file, or one per symbol of a file with a `symbol` column. Signals come from the file's
 * `signal` column when it has one, otherwise from the built-in kind.
 */
async function loadSeries(
  options: BacktestCommandOptions,
  io: BacktestCommandIo,
): Promise<{ series: BacktestSeries[]; sources: SeriesSource[] }> {
  const files = [...options.data];
  if (options.dataDir !== undefined) {
    let names: string[];
    try {
      names = await io.listDirectory(options.dataDir);
    } catch (error) {
      throw new DataError(`cannot read ${options.dataDir}: ${describe(error)}`);
    }
    const csv = names.filter((name) => name.toLowerCase().endsWith('.csv')).sort();
    if (csv.length === 0) throw new DataError(`${options.dataDir} holds no .csv file`);
    files.push(...csv.map((name) => join(options.dataDir ?? '', name)));
  }

  const series: BacktestSeries[] = [];
  const sources: SeriesSource[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await io.readText(file);
    } catch (error) {
      throw new DataError(`cannot read ${file}: ${describe(error)}`);
    }
    let parsed: OhlcvSeries[];
    try {
      parsed = parseOhlcvSeries(text);
    } catch (error) {
      if (!(error instanceof CsvFormatError)) throw error;
      throw new DataError(`${file}: ${error.message}`);
    }
    for (const one of parsed) {
      const symbol = one.symbol ?? options.symbol ?? basename(file, extname(file));
      const owner = sources.find((source) => source.symbol === symbol);
      if (owner !== undefined) {
        throw new DataError(
          `${file}: symbol ${symbol} is already read from ${owner.file}; one symbol, one series`,
        );
      }
      series.push({
        symbol,
        candles: one.candles,
        signals: one.signals ?? builtInSignals(options.signal, one.candles),
      });
      sources.push({ symbol, file, signalSource: one.signals === undefined ? options.signal : 'column' });
    }
  }
  return { series, sources };
}

/** Moves the bar about a hundred times over the run, not at every bar. */
function progressUpdater(progress: ProgressSink, totalBars: number) {
  const every = Math.max(1, Math.floor(totalBars / 100));
  return ({ bars }: { bars: number }) => {
    if (bars % every === 0 || bars === totalBars) progress.update(bars);
  };
}

function headline(data: BacktestDataInfo, result: BacktestResult, elapsedMs: number): string {
  const what =
    result.symbols.length === 1
      ? `${data.file}: ${data.bars} bars`
      : `${result.symbols.length} symbols (${result.symbols.map((s) => s.symbol).join(', ')}): ` +
        `${data.bars} bars on one clock`;
  return (
    `${what} ${data.from.slice(0, 10)} to ${data.to.slice(0, 10)}, ${data.signals} signals ` +
    `(${data.signalRule}), horizon ${data.horizonBars} bars, detector window ${data.lookbackBars} bars, ` +
    `seed ${data.seed}; ${result.policies.length} policies in ${(elapsedMs / 1000).toFixed(2)} s`
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'ENOTDIR'
          ? 'not a directory'
          : error.message;
  }
  return String(error);
}
