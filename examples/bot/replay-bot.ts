import { type SelectorClient, SelectorClientError, SelectorValidationError } from '../../client';
import { type PolicySummary, summarizeR } from '../../lib/backtest/metrics';
import { type SignalValue, signalSide } from '../../lib/backtest/signals';
import { exitPlanFromLevels } from '../../lib/exit-plan';
import { type ExitReason, type Fill, ManagedPosition } from '../../lib/simulator';
import type { Candle, RegimeName, Side, StrategyId } from '../../lib/types';

/**
 * A trading bot, replayed: it sees the bars of a CSV one at a time as a live bot sees them close,
 * and trades every signal through the selector with the client library.
 *
 * As each bar closes, the bot first manages its open positions with their plans (stop, partial
 * take-profits, break-even, trailing, horizon: `ManagedPosition`, the rules the simulator and
 * the backtest use). A position that went flat is reported once the horizon has passed after its
 * entry (so the path prices every arm), with a TradeClosed event carrying the R of the bot's own
 * fills, its last exit price and the bars from entry to the horizon, and the bot waits until the
 * reward is applied. Then, on a signal, it asks `select` with the candles up to this bar and opens
 * a position at this bar's close with the plan it got.
 *
 * This is the order `runBacktest` follows (credit the trades whose horizon is this bar, then
 * decide on it; entry at the signal bar's close; the detector sees `lookbackBars` candles ending at
 * the signal bar; the path is the bars from entry to the horizon), so on a fresh stack the bot's
 * R per trade equals the backtest's `default` on the same file. Waiting for each reward is what a
 * live bot need not do; here it makes every decision see exactly the rewards the backtest's
 * learner had at that bar.
 */

/** The stack refused a trade's reward as implausible (the decision reads REJECTED). */
export class RewardRefusedError extends SelectorClientError {
  override readonly name: string = 'RewardRefusedError';

  constructor(
    readonly decisionId: string,
    rejection: string,
  ) {
    super(`the reward of decision ${decisionId} was refused: ${rejection}`);
  }
}

export interface ReplayBotInput {
  client: SelectorClient;
  symbol: string;
  /** Oldest first. */
  candles: readonly Candle[];
  /** One per candle: 1 enter LONG at its close, −1 SHORT, 0 nothing. */
  signals: readonly SignalValue[];
  /** Candles sent with each select: the signal bar and those before it. */
  lookbackBars: number;
  /** The stack's TRADE_HORIZON_BARS: bars after entry after which the rest exits at the close. */
  horizonBars: number;
  timeframe?: string;
  /** How long to wait for each reward. Default 30,000 ms. */
  rewardTimeoutMs?: number;
  /** Called when a trade is closed and credited. */
  onTrade?: (trade: BotTrade) => void;
}

/** One trade of the bot, as it filled it. */
export interface BotTrade {
  decisionId: string;
  side: Side;
  /** The signal bar: entry at its close. */
  entryBar: number;
  /** The bar the position went flat on. */
  closeBar: number;
  regime: RegimeName;
  strategy: StrategyId;
  entry: number;
  realizedR: number;
  exitReason: ExitReason;
  /** The price of the last fill. */
  exitPrice: number;
  fills: readonly Fill[];
}

export interface ReplayBotResult {
  /** In close order (same bar: entry order). */
  trades: BotTrade[];
  /** Signals the selector answered with a 400 (no usable ATR to size a plan): not traded. */
  skippedSignals: number;
  summary: PolicySummary;
}

interface OpenTrade {
  decisionId: string;
  side: Side;
  entryBar: number;
  regime: RegimeName;
  strategy: StrategyId;
  entry: number;
  position: ManagedPosition;
}

/**
 * Publishes a closed trade's TradeClosed with the bars from entry to `bar` (the horizon, or the
 * end of the data) and waits until the reward is applied.
 * @throws RewardRefusedError when the stack refused it as implausible.
 */
async function reportTrade(input: ReplayBotInput, closed: BotTrade, bar: number): Promise<void> {
  const { client, candles } = input;
  await client.tradeClosed({
    decisionId: closed.decisionId,
    realizedR: closed.realizedR,
    exitPrice: closed.exitPrice,
    tradeId: `${input.symbol}-${closed.entryBar}`,
    path: candles.slice(closed.entryBar + 1, bar + 1),
  });
  const credited = await client.waitForReward(closed.decisionId, {
    timeoutMs: input.rewardTimeoutMs ?? 30_000,
  });
  if (credited.status === 'REJECTED') {
    // The learner did not get this trade: every later choice would differ from the backtest's.
    throw new RewardRefusedError(closed.decisionId, JSON.stringify(credited.rejection));
  }
}

/** Replays `candles` as a live bot; see the module comment for the order of events per bar. */
export async function runReplayBot(input: ReplayBotInput): Promise<ReplayBotResult> {
  const { client, candles, signals } = input;
  let open: OpenTrade[] = [];
  const trades: BotTrade[] = [];
  let reports: { trade: BotTrade; reportBar: number }[] = [];
  let skippedSignals = 0;

  for (let bar = 0; bar < candles.length; bar++) {
    const candle = candles[bar] as Candle;
    const isLastBar = bar === candles.length - 1;

    const stillOpen: OpenTrade[] = [];
    for (const trade of open) {
      // The data ends: what is still open exits at the last close, as the backtest does.
      const outcome =
        trade.position.onBar(candle) ?? (isLastBar ? trade.position.closeAt(candle.c) : undefined);
      if (outcome === undefined) {
        stillOpen.push(trade);
        continue;
      }
      const lastFill = outcome.fills.at(-1) as Fill;
      const closed: BotTrade = {
        decisionId: trade.decisionId,
        side: trade.side,
        entryBar: trade.entryBar,
        closeBar: bar,
        regime: trade.regime,
        strategy: trade.strategy,
        entry: trade.entry,
        realizedR: outcome.realizedR,
        exitReason: outcome.exitReason,
        exitPrice: lastFill.price,
        fills: outcome.fills,
      };
      trades.push(closed);
      input.onTrade?.(closed);
      // Every arm's outcome is known once the horizon has passed after entry: report then.
      reports.push({
        trade: closed,
        reportBar: Math.min(candles.length - 1, Math.max(bar, trade.entryBar + input.horizonBars)),
      });
    }
    open = stillOpen;
    // One at a time, in entry order: the learner sees them in the order the backtest credits them.
    for (const report of reports.filter((r) => r.reportBar === bar)) {
      await reportTrade(input, report.trade, bar);
    }
    reports = reports.filter((r) => r.reportBar !== bar);

    const signal = signals[bar] ?? 0;
    if (signal === 0 || isLastBar) continue;
    const side = signalSide(signal);
    try {
      const answer = await client.select({
        symbol: input.symbol,
        side,
        ...(input.timeframe === undefined ? {} : { timeframe: input.timeframe }),
        candles: candles.slice(Math.max(0, bar + 1 - input.lookbackBars), bar + 1),
        signal: { source: 'example-bot' },
      });
      const plan = exitPlanFromLevels(answer.plan);
      open.push({
        decisionId: answer.decisionId,
        side,
        entryBar: bar,
        regime: answer.regime.name,
        strategy: answer.strategy,
        entry: plan.entry,
        position: new ManagedPosition(side, plan, input.horizonBars),
      });
    } catch (error) {
      // No usable ATR to size a plan: the service says no, the bot stands aside (as the backtest).
      if (!(error instanceof SelectorValidationError && error.issues.every((i) => i.path === 'candles'))) {
        throw error;
      }
      skippedSignals++;
    }
  }

  return { trades, skippedSignals, summary: summarizeR(trades.map((trade) => trade.realizedR)) };
}
