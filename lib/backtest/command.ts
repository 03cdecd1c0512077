import { parseArgs } from 'node:util';
import type { Config } from '../config';
import { createDefaultPolicy, createSeedPolicy, createStaticPolicy } from '../policies';
import type { Policy } from '../policy';
import { STRATEGY_IDS } from '../types';
import { CsvFormatError, type OhlcvData, parseOhlcvCsv } from './csv';
import {
  type BacktestResult,
  DEFAULT_BACKTEST_SEED,
  DEFAULT_BACKTEST_SYMBOL,
  DEFAULT_LOOKBACK_BARS,
  runBacktest,
} from './engine';
import { renderHtmlReport } from './html-report';
import { type BacktestDataInfo, backtestDataInfo, backtestJsonReport } from './json-report';
import { formatResultsTable } from './results-table';
import { type SignalSource, trendCrossoverSignals } from './signals';

/**
 * `npm run backtest -- --data FILE.csv [...]`: reads the file, replays it for every policy the
 * service knows (default, seed, each static profile; the hindsight oracle is added), prints the
 * results table and writes the reports asked for. All I/O goes through `io`, so that the command
 * runs the same under test.
 */

export const BACKTEST_USAGE = `Usage: npm run backtest -- --data FILE.csv [options]

Replays OHLCV bars (columns date|time|t, open, high, low, close, optional volume, optional
signal 1/-1/0) and compares the selector's policies on the same signals. Without a signal
column, the built-in EMA(12)/EMA(26) crossover signal is used.

Options:
  --data FILE      CSV file to replay (required)
  --json FILE      write the results as JSON
  --html FILE      write a self-contained HTML report
  --seed N         seed of every policy's random draws (default ${DEFAULT_BACKTEST_SEED})
  --horizon N      bars after entry after which a trade exits at the close (default: TRADE_HORIZON_BARS, 48)
  --lookback N     candles up to the signal bar the regime detector sees (default ${DEFAULT_LOOKBACK_BARS})
  --symbol S       symbol of the learner cells (default ${DEFAULT_BACKTEST_SYMBOL})
  --help           show this text`;

/** A progress display; the command starts, moves and stops it. */
export interface ProgressSink {
  start(total: number): void;
  update(value: number): void;
  stop(): void;
}

export interface BacktestCommandIo {
  readText(path: string): Promise<string>;
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
  data: string;
  json: string | undefined;
  html: string | undefined;
  seed: number;
  horizonBars: number | undefined;
  lookbackBars: number;
  symbol: string;
  help: boolean;
}

/**
 * Parses the command's arguments (what follows `--`).
 * @throws BacktestUsageError on an unknown option, a missing `--data`, or a malformed number.
 */
export function parseBacktestArgs(argv: readonly string[]): BacktestCommandOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        json: { type: 'string' },
        html: { type: 'string' },
        seed: { type: 'string' },
        horizon: { type: 'string' },
        lookback: { type: 'string' },
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
  const data = text('data');
  if (data === undefined && !help) throw new BacktestUsageError('--data FILE.csv is required');
  const symbol = text('symbol') ?? DEFAULT_BACKTEST_SYMBOL;
  if (symbol.trim() === '') throw new BacktestUsageError('--symbol must not be empty');
  return {
    data: data ?? '',
    json: text('json'),
    html: text('html'),
    seed: integerOption('--seed', text('seed'), DEFAULT_BACKTEST_SEED, false),
    horizonBars:
      text('horizon') === undefined ? undefined : integerOption('--horizon', text('horizon'), 0, true),
    lookbackBars: integerOption('--lookback', text('lookback'), DEFAULT_LOOKBACK_BARS, true),
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

  let text: string;
  try {
    text = await io.readText(options.data);
  } catch (error) {
    io.stderr(`error: cannot read ${options.data}: ${describe(error)}\n`);
    return 1;
  }
  let parsed: OhlcvData;
  try {
    parsed = parseOhlcvCsv(text);
  } catch (error) {
    if (!(error instanceof CsvFormatError)) throw error;
    io.stderr(`error: ${options.data}: ${error.message}\n`);
    return 1;
  }
  let config: Config;
  try {
    config = io.config();
  } catch (error) {
    io.stderr(`error: ${describe(error)}\n`);
    return 1;
  }

  const { candles } = parsed;
  const signalSource: SignalSource = parsed.signals === undefined ? 'built-in' : 'column';
  const signals = parsed.signals ?? trendCrossoverSignals(candles);
  const startedAt = io.now();
  io.progress?.start(candles.length);
  let result: BacktestResult;
  try {
    result = runBacktest({
      candles,
      signals,
      policies: backtestPolicies(config),
      horizonBars: options.horizonBars ?? config.horizonBars,
      lookbackBars: options.lookbackBars,
      seed: options.seed,
      symbol: options.symbol,
      ...(io.progress === undefined ? {} : { onProgress: progressUpdater(io.progress, candles.length) }),
    });
  } finally {
    io.progress?.stop();
  }
  const elapsedMs = io.now() - startedAt;

  const data = backtestDataInfo(result, {
    file: options.data,
    signalSource,
    firstT: candles[0]?.t ?? 0,
    lastT: candles.at(-1)?.t ?? 0,
  });
  io.stdout(`${headline(data, result.policies.length, elapsedMs)}\n\n${formatResultsTable(result)}\n`);

  const outputs: [string | undefined, () => string][] = [
    [options.json, () => `${JSON.stringify(backtestJsonReport(result, data), null, 2)}\n`],
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

/** Moves the bar about a hundred times over the run, not at every bar. */
function progressUpdater(progress: ProgressSink, totalBars: number) {
  const every = Math.max(1, Math.floor(totalBars / 100));
  return ({ bars }: { bars: number }) => {
    if (bars % every === 0 || bars === totalBars) progress.update(bars);
  };
}

function headline(data: BacktestDataInfo, policies: number, elapsedMs: number): string {
  const signals = data.signalSource === 'column' ? 'signal column' : 'built-in EMA(12)/EMA(26) crossover';
  return (
    `${data.file}: ${data.bars} bars ${data.from.slice(0, 10)} to ${data.to.slice(0, 10)}, ` +
    `${data.signals} signals (${signals}), horizon ${data.horizonBars} bars, detector window ` +
    `${data.lookbackBars} bars, seed ${data.seed}; ${policies} policies in ${(elapsedMs / 1000).toFixed(2)} s`
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : error.message;
  }
  return String(error);
}
