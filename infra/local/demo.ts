/**
 * `npm run demo`: the selector at work, through the real local stack (docs/learning.md, "Demo").
 *
 *   npm run demo [-- --url URL] [--data FILE.csv] [--bars N] [--symbol S] [--seed N]
 *
 * Uses the stack answering at URL (default http://127.0.0.1:$PORT), or starts one for the run
 * and stops it at the end. Then: the seven profiles; the regime of four synthetic markets; a
 * learning session over real daily bars with selects and TradeClosed events sent through the
 * client library (`meta-strategy-selector/client`); the learned table; a summary.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { SelectorClient, type SelectResponse } from '../../client';
import type { CellView } from '../../functions/stats/views';
import { parseOhlcvCsv } from '../../lib/backtest/csv';
import { builtInSignals, SIGNAL_KINDS, SIGNAL_RULES, type SignalKind } from '../../lib/backtest/signals';
import { ConfigError, getConfig, loadLocalConfig } from '../../lib/config';
import { REGIMES, type RegimeName, STRATEGY_IDS } from '../../lib/types';
import { createConsoleLog, createConsoleTelemetry } from './console-telemetry';
import { demoScenarios } from './demo-scenarios';
import { DynamoDbLocalError } from './dynamodb-local';
import { runLearningSession, type SessionResult } from './learning-session';
import { type LocalStack, LocalStackError, startLocalStack } from './local-stack';
import { percent, signed, textTable } from './text-table';

/**
 * A bot fading Bollinger extremes on a 5-minute crypto pair: a signal whose best exit plan is not
 * the reference's, so the session shows the learner leave trend_rider, and why.
 */
const DEFAULT_DATA = fileURLToPath(new URL('../../test/fixtures/crypto-5m/LTC_BTC-5m.csv', import.meta.url));
const DEFAULT_SIGNAL: SignalKind = 'reversion';
/** Candles sent with each select: enough for every indicator (SMA 50, ADX 14) to settle. */
const WINDOW_BARS = 200;
/** A regime's best strategy is named only from cells with at least this many rewards. */
const MIN_REWARDS_FOR_BEST = 3;

const USAGE = `Usage: npm run demo [-- --url URL] [--data FILE.csv] [--signal KIND] [--bars N] [--symbol S] [--seed N]

  --url URL       a running local stack (default http://127.0.0.1:$PORT, PORT default 3000);
                  when nothing answers there, the demo starts its own and stops it at the end
  --data FILE     OHLCV CSV to learn from (default: the bundled LTC_BTC 5-minute bars)
  --signal KIND   the built-in signal where the file has no signal column: ${SIGNAL_KINDS.join(', ')} (default ${DEFAULT_SIGNAL})
  --bars N        replay the last N bars (default 1500)
  --symbol S      symbol the session trades as (default LTC_BTC)
  --seed N        seed of the demo's own stack, so that runs repeat exactly (default 1)`;

const out = (text = '') => process.stdout.write(`${text}\n`);

function heading(title: string): void {
  out();
  out(title);
  out('='.repeat(title.length));
}

function price(value: number): string {
  return value.toFixed(Math.abs(value) >= 10 ? 2 : 4);
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a positive integer, got '${text}'`);
  return value;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      url: { type: 'string' },
      data: { type: 'string' },
      bars: { type: 'string' },
      symbol: { type: 'string' },
      signal: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (args.help) {
    out(USAGE);
    return;
  }
  const started = Date.now();
  const config = getConfig();
  const port = loadLocalConfig().port;
  const bars = positiveInteger('bars', args.bars, 1500);
  const seed = args.seed === undefined ? 1 : Number(args.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got '${args.seed}'`);
  const symbol = args.symbol ?? 'LTC_BTC';
  const signalKind = (args.signal ?? DEFAULT_SIGNAL) as SignalKind;
  if (!SIGNAL_KINDS.includes(signalKind))
    throw new Error(`--signal must be one of ${SIGNAL_KINDS.join(', ')}, got '${args.signal}'`);
  const dataFile = args.data ?? DEFAULT_DATA;
  const data = parseOhlcvCsv(readFileSync(dataFile, 'utf8'));

  let url = args.url ?? `http://127.0.0.1:${port === 0 ? 3000 : port}`;
  let ownStack: LocalStack | undefined;
  if (await selectorAnswers(url)) {
    out(`Using the local stack at ${url}.`);
  } else {
    ownStack = await startOwnStack(url, seed);
    url = ownStack.url;
    out(`No stack answered at ${args.url ?? `http://127.0.0.1:${port}`}; started one for this demo:`);
    out(`  ${ownStack.readyLine}`);
  }
  const stopOwnStack = async () => {
    await ownStack?.stop();
    ownStack = undefined;
  };
  const interrupted = () => {
    process.stderr.write('\ninterrupted: stopping the demo stack…\n');
    stopOwnStack().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const client = new SelectorClient({ apiUrl: url, eventSource: config.eventSource });
  try {
    await showProfiles(client);
    await showScenarios(client);
    const fromBar = Math.max(WINDOW_BARS, data.candles.length - bars);
    const signals = data.signals ?? builtInSignals(signalKind, data.candles);
    const result = await learn(client, {
      symbol,
      candles: data.candles,
      signals,
      fromBar,
      horizonBars: config.horizonBars,
      source: `${dataFile === DEFAULT_DATA ? 'bundled LTC_BTC 5-minute bars' : dataFile}, bars ${fromBar + 1}–${data.candles.length}`,
      signalName:
        data.signals === undefined
          ? `${signalKind}: ${SIGNAL_RULES[signalKind]}`
          : "the file's signal column",
    });
    const learned = await showLearned(client, symbol);
    showSummary(result, learned, (Date.now() - started) / 1000);
  } finally {
    client.close();
    await stopOwnStack();
  }
}

/** True when a selector answers `GET /v1/strategies` at `url` within a second. */
async function selectorAnswers(url: string): Promise<boolean> {
  const probe = new SelectorClient({ apiUrl: url, retry: { maxAttempts: 1 }, timeoutMs: 1_000 });
  try {
    return (await probe.strategies()).length > 0;
  } catch {
    return false;
  } finally {
    probe.close();
  }
}

async function startOwnStack(url: string, seed: number): Promise<LocalStack> {
  const requestedPort = Number(new URL(url).port || 80);
  const quiet = {
    seed,
    log: createConsoleLog({ name: 'local', minLevel: 'warn' }),
    telemetry: (name: string) => createConsoleTelemetry({ name, minLevel: 'warn' }),
  };
  try {
    return await startLocalStack({ ...quiet, port: requestedPort });
  } catch (error) {
    // Something else holds the port: the demo needs a stack, not that port.
    if (!(error instanceof LocalStackError)) throw error;
    return startLocalStack({ ...quiet, port: 0 });
  }
}

async function showProfiles(client: SelectorClient): Promise<void> {
  heading('The seven exit plans (GET /v1/strategies)');
  const profiles = await client.strategies();
  out(
    textTable(
      [
        { heading: 'strategy' },
        { heading: 'stop', align: 'right' },
        { heading: 'targets (ATR)', align: 'right' },
        { heading: 'closes', align: 'right' },
        { heading: 'break-even', align: 'right' },
        { heading: 'trail at / by', align: 'right' },
        { heading: 'risk' },
      ],
      profiles.map((p) => [
        p.id,
        `${p.slAtr} ATR`,
        p.takeProfits.map((tp) => tp.atr).join(' / '),
        p.takeProfits.map((tp) => `${Math.round(tp.closeFraction * 100)}%`).join(' / '),
        `${p.breakEvenAtr} ATR`,
        `${p.trailing.activationAtr} / ${p.trailing.distanceAtr}`,
        p.riskLevel,
      ]),
    ),
  );
}

async function showScenarios(client: SelectorClient): Promise<void> {
  heading('Regime detection on four markets (POST /v1/select)');
  const rows: string[][] = [];
  const plans: string[] = [];
  for (const scenario of demoScenarios()) {
    const response: SelectResponse = await client.select({
      symbol: scenario.symbol,
      side: scenario.side,
      timeframe: '1d',
      candles: scenario.candles,
    });
    const { regime, plan } = response;
    const atrPct = regime.features.atrPct;
    rows.push([
      scenario.title,
      String(scenario.candles.length),
      regime.name,
      regime.confidence.toFixed(2),
      percent(atrPct),
      regime.features.adx === null ? '-' : regime.features.adx.toFixed(1),
      response.strategy,
    ]);
    plans.push(
      `  ${scenario.title.padEnd(16)} ${scenario.side.padEnd(5)} entry ${price(plan.entry)}  stop ${price(plan.stopLoss)}  ` +
        `targets ${plan.takeProfits.map((tp) => `${price(tp.price)} (${tp.r.toFixed(1)}R, ${Math.round(tp.closeFraction * 100)}%)`).join(', ')}  ` +
        `break-even after ${price(plan.breakEven.triggerPrice)}  trail from ${price(plan.trailing.activationPrice)} by ${price(plan.trailing.distance)}`,
    );
  }
  out(
    textTable(
      [
        { heading: 'market' },
        { heading: 'candles', align: 'right' },
        { heading: 'regime' },
        { heading: 'confidence', align: 'right' },
        { heading: 'ATR%', align: 'right' },
        { heading: 'ADX', align: 'right' },
        { heading: 'strategy' },
      ],
      rows,
    ),
  );
  out();
  out('Plans returned:');
  for (const line of plans) out(line);
}

async function learn(
  client: SelectorClient,
  session: {
    symbol: string;
    candles: Parameters<typeof runLearningSession>[0]['candles'];
    signals: Parameters<typeof runLearningSession>[0]['signals'];
    fromBar: number;
    horizonBars: number;
    source: string;
    signalName: string;
  },
): Promise<SessionResult> {
  heading(`Learning session: ${session.symbol}`);
  out(`Data: ${session.source}. Signal: ${session.signalName}.`);
  out(
    'Each signal asks POST /v1/select; the plan is simulated on the following bars; TradeClosed is ' +
      'published (EventBridge PutEvents) once the horizon has passed, with the path that prices every arm, so rewards arrive in time order.',
  );
  const bar = new SingleBar(
    {
      format:
        'learning {bar} {value}/{total} bars | {trades} trades | exploration {exploration} | mean R {meanR}',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const total = session.candles.length - session.fromBar;
  bar.start(total, 0, { trades: 0, exploration: '0.0%', meanR: signed(0) });
  try {
    return await runLearningSession({
      client,
      symbol: session.symbol,
      candles: session.candles,
      signals: session.signals,
      fromBar: session.fromBar,
      windowBars: WINDOW_BARS,
      horizonBars: session.horizonBars,
      timeframe: '5m',
      onProgress: (progress) =>
        bar.update(progress.bar, {
          trades: progress.opened,
          exploration: percent(progress.explorationRate),
          meanR: signed(progress.meanR),
        }),
    });
  } finally {
    bar.stop();
  }
}

type LearnedCells = Partial<Record<RegimeName, Partial<Record<string, CellView>>>>;

async function showLearned(client: SelectorClient, symbol: string): Promise<LearnedCells> {
  heading(`What was learned (GET /v1/stats?symbol=${symbol})`);
  const stats = await client.stats(symbol);
  const rows: string[][] = [];
  const learned: LearnedCells = {};
  for (const regime of REGIMES) {
    const view = stats.regimes[regime];
    if (view === undefined) continue;
    learned[regime] = view.strategies;
    // The seven profiles, then the variants the learner traded.
    const arms = Object.keys(view.strategies).filter(
      (arm) =>
        (STRATEGY_IDS as readonly string[]).includes(arm) || (view.strategies[arm]?.realCount ?? 0) > 0,
    );
    for (const strategy of arms) {
      const cell = view.strategies[strategy];
      if (cell === undefined) continue;
      rows.push([
        regime,
        strategy,
        signed(cell.value),
        signed(cell.mean),
        String(cell.realCount),
        String(cell.counterfactualCount),
        `${cell.wins}/${cell.losses}`,
        signed(cell.totalR, 1),
        String(cell.explorations),
      ]);
    }
  }
  if (rows.length === 0) {
    out('(no rewards yet)');
    return learned;
  }
  out(
    textTable(
      [
        { heading: 'regime' },
        { heading: 'strategy' },
        { heading: 'value', align: 'right' },
        { heading: 'mean R', align: 'right' },
        { heading: 'real', align: 'right' },
        { heading: 'counterfactual', align: 'right' },
        { heading: 'wins/losses', align: 'right' },
        { heading: 'total R', align: 'right' },
        { heading: 'explored', align: 'right' },
      ],
      rows,
    ),
  );
  out(
    'value: the mean R of the plan in this cell (the default learner ranks plans by their lead over trend_rider on the same paths: `lead` in GET /v1/stats); real: trades taken with that plan; counterfactual: rewards the plan would have earned on the same price paths. Only the variants traded are listed.',
  );
  return learned;
}

function showSummary(result: SessionResult, learned: LearnedCells, seconds: number): void {
  heading('Summary');
  const longs = result.trades.filter((trade) => trade.side === 'LONG').length;
  out(`trades:       ${result.trades.length} (${longs} LONG, ${result.trades.length - longs} SHORT)`);
  out(`mean R:       ${signed(result.meanR, 3)} per trade`);
  out(`win rate:     ${percent(result.winRate)}`);
  out(`exploration:  ${percent(result.explorationRate)} of selections were exploration draws`);
  const byRegime = new Map<RegimeName, number>();
  for (const trade of result.trades) byRegime.set(trade.regime, (byRegime.get(trade.regime) ?? 0) + 1);
  out(`regimes seen: ${[...byRegime].map(([regime, count]) => `${regime} ${count}`).join(', ') || '-'}`);
  // The learner's switches: every trade whose arm differs from the one before it, with its reason.
  const switches = result.trades
    .slice()
    .sort((a, b) => a.entryBar - b.entryBar)
    .filter((trade, index, sorted) => index > 0 && trade.arm !== sorted[index - 1]?.arm);
  out(`switches:     ${switches.length}`);
  for (const trade of switches.slice(0, 3)) out(`  bar ${trade.entryBar}: ${trade.reason}`);
  out('per regime: the plan the selector chose most, and the plan with the highest value so far');
  for (const regime of REGIMES) {
    const cells = learned[regime];
    if (cells === undefined) continue;
    const withCells = Object.keys(cells).flatMap((strategy) => {
      const cell = cells[strategy];
      return cell === undefined ? [] : [{ strategy, cell }];
    });
    const chosen = [...withCells].sort((a, b) => b.cell.realCount - a.cell.realCount)[0];
    const best = withCells
      .filter(({ cell }) => cell.count >= MIN_REWARDS_FOR_BEST)
      .sort((a, b) => b.cell.value - a.cell.value)[0];
    const chosenText =
      chosen === undefined || chosen.cell.realCount === 0
        ? 'no trade taken'
        : `chose ${chosen.strategy} (${chosen.cell.realCount} trades)`;
    const bestText =
      best === undefined
        ? `too few rewards (fewer than ${MIN_REWARDS_FOR_BEST} in every cell)`
        : `highest value ${best.strategy} (${signed(best.cell.value)} over ${best.cell.count} rewards)`;
    out(`  ${regime.padEnd(16)} ${chosenText}; ${bestText}`);
  }
  out(`finished in ${seconds.toFixed(1)} s`);
}

main().catch((error: unknown) => {
  const known =
    error instanceof LocalStackError || error instanceof DynamoDbLocalError || error instanceof ConfigError;
  process.stderr.write(
    `npm run demo: ${known || !(error instanceof Error) ? String(error instanceof Error ? error.message : error) : (error.stack ?? error.message)}\n`,
  );
  process.exit(1);
});
