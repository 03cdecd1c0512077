import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SelectorClient } from '../../client';
import { createConsoleLog, createConsoleTelemetry } from '../../infra/local/console-telemetry';
import { runLearningSession, type SessionProgress } from '../../infra/local/learning-session';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { parseOhlcvCsv } from '../../lib/backtest/csv';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { quantizeR } from '../../lib/learners/cell-stats';

/** The demo's learning session, replayed through a local stack of its own on 600 real bars. */

const data = parseOhlcvCsv(readFileSync(new URL('../fixtures/ttrc-daily.csv', import.meta.url), 'utf8'));
const FROM_BAR = data.candles.length - 600;

describe('learning session through the local stack', () => {
  let stack: LocalStack;
  let client: SelectorClient;

  beforeAll(async () => {
    const quiet = { minLevel: 'warn' as const };
    stack = await startLocalStack({
      port: 0,
      config: loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'learning-session' }),
      seed: 3,
      log: createConsoleLog({ name: 'local', ...quiet }),
      telemetry: (name) => createConsoleTelemetry({ name, ...quiet }),
    });
    client = new SelectorClient({ apiUrl: stack.url, eventSource: stack.config.eventSource });
  });

  afterAll(async () => {
    client?.close();
    await stack?.stop();
  });

  it('credits every trade once its path reaches the horizon, and the stats count every trade once', async () => {
    const progress: SessionProgress[] = [];
    const result = await runLearningSession({
      client,
      symbol: 'TTRC',
      candles: data.candles,
      signals: trendCrossoverSignals(data.candles),
      fromBar: FROM_BAR,
      windowBars: 200,
      horizonBars: stack.config.horizonBars,
      onProgress: (step) => progress.push(step),
    });

    const expectedSignals = trendCrossoverSignals(data.candles)
      .slice(FROM_BAR, data.candles.length - 1)
      .filter((signal) => signal !== 0).length;
    expect(result.trades.length).toBe(expectedSignals);
    expect(result.trades.length).toBeGreaterThan(10);
    for (const trade of result.trades) {
      expect(trade.closeBar).toBeGreaterThan(trade.entryBar);
      expect(trade.closeBar - trade.entryBar).toBeLessThanOrEqual(stack.config.horizonBars);
      const decision = await client.decision(trade.decisionId);
      expect(decision.status).toBe('CLOSED');
      // Credited on the cells' grid of 1e-6 R.
      expect(decision.reward?.realizedR).toBe(quantizeR(trade.realizedR));
    }
    // Published once the path reached the horizon (or the data's end), in that order: no reward
    // reached the learner before every arm's outcome on its path was known.
    for (const trade of result.trades) {
      expect(trade.reportBar).toBe(
        Math.min(
          data.candles.length - 1,
          Math.max(trade.closeBar, trade.entryBar + stack.config.horizonBars),
        ),
      );
    }
    const reportBars = result.trades.map((trade) => trade.reportBar);
    expect(reportBars).toEqual([...reportBars].sort((a, b) => a - b));
    // The trades whose path reached the horizon taught every arm of the family.
    const atHorizon = result.trades.find(
      (trade) => trade.reportBar === trade.entryBar + stack.config.horizonBars,
    );
    const taught = await client.decision(atHorizon?.decisionId ?? '');
    expect(taught.reward?.credits).toHaveLength(35);

    const stats = await client.stats('TTRC');
    const cells = Object.values(stats.regimes).flatMap((regime) => Object.values(regime?.strategies ?? {}));
    expect(cells.reduce((sum, cell) => sum + (cell?.realCount ?? 0), 0)).toBe(result.trades.length);

    expect(progress).toHaveLength(600);
    expect(progress.at(-1)).toMatchObject({
      bar: 600,
      bars: 600,
      opened: result.trades.length,
      closed: result.trades.length,
    });
    expect(progress.at(-1)?.meanR).toBeCloseTo(result.meanR, 12);
  });
});
