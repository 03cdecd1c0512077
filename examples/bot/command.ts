import { parseArgs } from 'node:util';
import { SelectorClient, SelectorClientError } from '../../client';
import { CsvFormatError, parseOhlcvCsv } from '../../lib/backtest/csv';
import { DEFAULT_BACKTEST_SYMBOL, DEFAULT_LOOKBACK_BARS } from '../../lib/backtest/engine';
import { percent, signedFixed } from '../../lib/backtest/number-format';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import type { Config } from '../../lib/config';
import { type BotTrade, type ReplayBotResult, runReplayBot } from './replay-bot';

/**
 * `npm run example:bot -- --data FILE.csv [...]`: the replay bot as a command. All I/O goes
 * through `io`, so that a test runs the very command a person runs.
 */

export const EXAMPLE_BOT_USAGE = `Usage: npm run example:bot -- --data FILE.csv [options]

Replays OHLCV bars (the backtest's CSV format) as a live trading bot: on each signal it asks the
selector for an exit plan, manages the position bar by bar with it, and publishes TradeClosed
when flat. At the end it prints its R per trade, which on a fresh stack equals what
\`npm run backtest\` reports for \`default\` on the same file.

Options:
  --data FILE         CSV file to replay (required)
  --api-url URL       the selector (default: the local stack, http://127.0.0.1:$PORT)
  --region R          AWS Region for SigV4 (default: read from an execute-api URL)
  --event-bus NAME    the stack's EventBusName output (default: default)
  --event-source S    the stack's EVENT_SOURCE (default: EVENT_SOURCE, trading.bot)
  --symbol S          symbol the bot trades as (default ${DEFAULT_BACKTEST_SYMBOL})
  --lookback N        candles sent with each select (default ${DEFAULT_LOOKBACK_BARS}, as the backtest)
  --horizon N         the stack's TRADE_HORIZON_BARS (default: TRADE_HORIZON_BARS, 48)
  --quiet             no line per trade
  --help              show this text

Against a deployed stack, credentials come from the AWS SDK's default chain (AWS_PROFILE, …).`;

export interface ExampleBotIo {
  readText(path: string): Promise<string>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The configuration the defaults come from (EVENT_SOURCE, TRADE_HORIZON_BARS). */
  config(): Config;
  /** PORT of the local stack, for the default URL. */
  localPort(): number;
}

class UsageError extends Error {}

interface Options {
  data: string;
  apiUrl: string;
  region: string | undefined;
  eventBus: string | undefined;
  eventSource: string;
  symbol: string;
  lookbackBars: number;
  horizonBars: number;
  quiet: boolean;
}

function parseOptions(argv: readonly string[], io: ExampleBotIo): Options | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        data: { type: 'string' },
        'api-url': { type: 'string' },
        region: { type: 'string' },
        'event-bus': { type: 'string' },
        'event-source': { type: 'string' },
        symbol: { type: 'string' },
        lookback: { type: 'string' },
        horizon: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return 'help';
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const data = text('data');
  if (data === undefined) throw new UsageError('--data FILE.csv is required');
  const config = io.config();
  const port = io.localPort();
  return {
    data,
    apiUrl: text('api-url') ?? `http://127.0.0.1:${port === 0 ? 3000 : port}`,
    region: text('region'),
    eventBus: text('event-bus'),
    eventSource: text('event-source') ?? config.eventSource,
    symbol: text('symbol') ?? DEFAULT_BACKTEST_SYMBOL,
    lookbackBars: positiveInteger('--lookback', text('lookback'), DEFAULT_LOOKBACK_BARS),
    horizonBars: positiveInteger('--horizon', text('horizon'), config.horizonBars),
    quiet: values.quiet === true,
  };
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${name} must be a positive integer, got '${text}'`);
  }
  return value;
}

function tradeLine(index: number, trade: BotTrade): string {
  return (
    `trade ${String(index).padStart(3)}: ${trade.side.padEnd(5)} bars ${trade.entryBar}→${trade.closeBar}  ` +
    `${trade.regime.padEnd(15)} ${trade.strategy.padEnd(19)} R ${signedFixed(trade.realizedR, 4).padStart(8)}  (${trade.exitReason})`
  );
}

/** The closing lines: R per trade first, in the backtest table's format. */
export function summaryLines(result: ReplayBotResult): string[] {
  const { trades, meanR, totalR, winRate, maxDrawdownR } = result.summary;
  return [
    `R per trade: ${signedFixed(meanR, 4)} over ${trades} trades` +
      (result.skippedSignals > 0 ? ` (${result.skippedSignals} signals not tradable)` : ''),
    `total R ${signedFixed(totalR, 2)}, win rate ${percent(winRate)}, max drawdown ${maxDrawdownR.toFixed(2)} R`,
  ];
}

/**
 * Runs the command; resolves to the exit code (0 done, 1 no stack or a failed call, 2 bad usage)
 * and, when it ran, the bot's result.
 */
export async function runExampleBotCommand(
  argv: readonly string[],
  io: ExampleBotIo,
): Promise<{ exitCode: number; result?: ReplayBotResult }> {
  let options: Options | 'help';
  try {
    options = parseOptions(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`error: ${error.message}\n\n${EXAMPLE_BOT_USAGE}\n`);
    return { exitCode: 2 };
  }
  if (options === 'help') {
    io.stdout(`${EXAMPLE_BOT_USAGE}\n`);
    return { exitCode: 0 };
  }

  let data: ReturnType<typeof parseOhlcvCsv>;
  try {
    data = parseOhlcvCsv(await io.readText(options.data));
  } catch (error) {
    if (!(error instanceof CsvFormatError) && !(error instanceof Error && 'code' in error)) throw error;
    io.stderr(`error: ${options.data}: ${error.message}\n`);
    return { exitCode: 1 };
  }

  let client: SelectorClient;
  try {
    client = new SelectorClient({
      apiUrl: options.apiUrl,
      eventSource: options.eventSource,
      ...(options.region === undefined ? {} : { region: options.region }),
      ...(options.eventBus === undefined ? {} : { eventBusName: options.eventBus }),
    });
  } catch (error) {
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return { exitCode: 2 };
  }
  try {
    try {
      await client.strategies();
    } catch (error) {
      io.stderr(
        `error: no selector answers at ${options.apiUrl} (${error instanceof Error ? error.message : String(error)}).\n` +
          'Start the local stack with `npm start`, or pass --api-url.\n',
      );
      return { exitCode: 1 };
    }
    const learned = await client.stats(options.symbol);
    const rewards = Object.values(learned.regimes).reduce((sum, regime) => sum + (regime?.rewards ?? 0), 0);
    if (rewards > 0) {
      io.stderr(
        `note: the stack already learned from ${rewards} trades of ${options.symbol}; the R per trade ` +
          'equals the backtest only on a fresh stack (restart `npm start`).\n',
      );
    }

    const signals = data.signals ?? trendCrossoverSignals(data.candles);
    io.stdout(
      `example bot: ${data.candles.length} bars of ${options.data} as ${options.symbol} against ${options.apiUrl} ` +
        `(lookback ${options.lookbackBars}, horizon ${options.horizonBars})\n`,
    );
    let index = 0;
    const result = await runReplayBot({
      client,
      symbol: options.symbol,
      candles: data.candles,
      signals,
      lookbackBars: options.lookbackBars,
      horizonBars: options.horizonBars,
      onTrade: (trade) => {
        index++;
        if (!options.quiet) io.stdout(`${tradeLine(index, trade)}\n`);
      },
    });
    io.stdout(`${summaryLines(result).join('\n')}\n`);
    return { exitCode: 0, result };
  } catch (error) {
    if (!(error instanceof SelectorClientError)) throw error;
    io.stderr(`error: ${error.message}\n`);
    return { exitCode: 1 };
  } finally {
    client.close();
  }
}
