import type { SelectorClient } from '../../client';
import type { SignalValue } from '../../lib/backtest/signals';
import { signalSide } from '../../lib/backtest/signals';
import { exitPlanFromLevels } from '../../lib/exit-plan';
import { simulateTrade } from '../../lib/simulator';
import type { Candle, RegimeName, Side, StrategyId } from '../../lib/types';

/** One trade of the session, from its signal to its credited R. */
export interface SessionTrade {
  decisionId: string;
  side: Side;
  /** Bar whose close is the entry. */
  entryBar: number;
  /** Bar on which the last part of the position closed (when the event is published). */
  closeBar: number;
  /** The bar its TradeClosed is published on, with the path up to it: the horizon, or the data's end. */
  reportBar: number;
  /** The arm answered (the strategy, or one of its scaled variants). */
  arm: string;
  /** Why the learner chose it. */
  reason: string;
  regime: RegimeName;
  strategy: StrategyId;
  explored: boolean;
  realizedR: number;
}

export interface SessionProgress {
  /** Bars replayed so far, and in all. */
  bar: number;
  bars: number;
  /** Trades opened so far. */
  opened: number;
  /** Trades whose TradeClosed has been credited. */
  closed: number;
  /** Share of selections that were exploration draws. */
  explorationRate: number;
  /** Mean realized R of the closed trades (0 before the first). */
  meanR: number;
}

export interface LearningSessionInput {
  client: SelectorClient;
  symbol: string;
  candles: readonly Candle[];
  /** One per candle (1 LONG, −1 SHORT, 0 none), computed from each bar's close and earlier. */
  signals: readonly SignalValue[];
  /** First bar that may open a trade. */
  fromBar: number;
  /** Candles sent with each select (the signal bar and those before it). */
  windowBars: number;
  horizonBars: number;
  timeframe?: string;
  /** How long to wait for a published TradeClosed to be credited. */
  creditTimeoutMs?: number;
  onProgress?: (progress: SessionProgress) => void;
}

export interface SessionResult {
  trades: SessionTrade[];
  meanR: number;
  winRate: number;
  explorationRate: number;
}

/**
 * A trading bot's life replayed over real bars through the running service. On each signal bar
 * the bot asks `POST /v1/select` with the candles up to that bar, and follows the returned plan:
 * the shared simulator plays it over the following bars. The TradeClosed event is published
 * (EventBridge PutEvents, through the client) once the replay reaches the trade's horizon (so its
 * path prices every arm), and the session waits
 * until the decision reads CLOSED before going on, so that every later choice sees exactly the
 * rewards of trades already closed, and none from the future.
 */
export async function runLearningSession(input: LearningSessionInput): Promise<SessionResult> {
  const { client, candles, signals } = input;
  const pending = new Map<number, SessionTrade[]>();
  const trades: SessionTrade[] = [];
  const closed: SessionTrade[] = [];
  let explored = 0;
  const bars = candles.length - input.fromBar;

  const report = (bar: number) =>
    input.onProgress?.({
      bar: bar - input.fromBar + 1,
      bars,
      opened: trades.length,
      closed: closed.length,
      explorationRate: trades.length === 0 ? 0 : explored / trades.length,
      meanR: mean(closed.map((trade) => trade.realizedR)),
    });

  for (let bar = input.fromBar; bar < candles.length; bar++) {
    for (const trade of pending.get(bar) ?? []) {
      await publishClose(input, trade);
      closed.push(trade);
    }
    pending.delete(bar);

    const signal = signals[bar] ?? 0;
    if (signal !== 0 && bar + 1 < candles.length) {
      const side = signalSide(signal);
      const entryCandle = candles[bar] as Candle;
      const response = await client.select({
        symbol: input.symbol,
        side,
        ...(input.timeframe === undefined ? {} : { timeframe: input.timeframe }),
        candles: candles.slice(Math.max(0, bar + 1 - input.windowBars), bar + 1),
        entryPrice: entryCandle.c,
        signal: { source: 'demo:ema-crossover' },
      });
      const outcome = simulateTrade({
        side,
        plan: exitPlanFromLevels(response.plan),
        bars: candles,
        startIndex: bar + 1,
        horizonBars: input.horizonBars,
      });
      const closeBar = bar + 1 + outcome.exitBarIndex;
      const trade: SessionTrade = {
        decisionId: response.decisionId,
        side,
        entryBar: bar,
        closeBar,
        // Every arm's outcome is known once the horizon has passed: the bot reports then.
        reportBar: Math.min(candles.length - 1, Math.max(closeBar, bar + input.horizonBars)),
        regime: response.regime.name,
        strategy: response.strategy,
        arm: response.arm.id,
        reason: response.reason,
        explored: response.explored,
        realizedR: outcome.realizedR,
      };
      trades.push(trade);
      if (trade.explored) explored++;
      pending.set(trade.reportBar, [...(pending.get(trade.reportBar) ?? []), trade]);
    }
    report(bar);
  }

  const realized = closed.map((trade) => trade.realizedR);
  return {
    trades: closed,
    meanR: mean(realized),
    winRate: realized.length === 0 ? 0 : realized.filter((r) => r > 0).length / realized.length,
    explorationRate: trades.length === 0 ? 0 : explored / trades.length,
  };
}

/**
 * Publishes the trade's TradeClosed with its price path, then waits until it is credited.
 * @throws Error when the reward was refused as implausible (the decision is REJECTED).
 */
async function publishClose(input: LearningSessionInput, trade: SessionTrade): Promise<void> {
  const { client, candles } = input;
  await client.tradeClosed({
    decisionId: trade.decisionId,
    realizedR: trade.realizedR,
    tradeId: `${input.symbol}-${trade.entryBar}`,
    // No closedAt: a replay closes its trades now, which the client stamps (the candles' own
    // dates lie before the decisions, and a close before its decision is implausible).
    path: candles.slice(trade.entryBar + 1, trade.reportBar + 1),
  });
  const decision = await client.waitForReward(trade.decisionId, {
    timeoutMs: input.creditTimeoutMs ?? 10_000,
  });
  if (decision.status === 'REJECTED') {
    throw new Error(
      `TradeClosed for decision ${trade.decisionId} was refused: ${JSON.stringify(decision.rejection)}`,
    );
  }
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}
