import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SelectorClient } from '../../client';
import { runExampleBotCommand } from '../../examples/bot/command';
import type { ReplayBotResult } from '../../examples/bot/replay-bot';
import { createConsoleLog, createConsoleTelemetry } from '../../infra/local/console-telemetry';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { runBacktestCommand } from '../../lib/backtest/command';
import { parseOhlcvCsv } from '../../lib/backtest/csv';
import { type BacktestResult, DEFAULT_BACKTEST_SYMBOL, runBacktest } from '../../lib/backtest/engine';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { createDefaultPolicy } from '../../lib/policies';
import { STRATEGY_IDS } from '../../lib/types';
import { docOutputs, expectTextSample } from '../helpers/doc-samples';

/**
 * The service and the backtest agree end to end: the example bot, trading the bundled bars
 * through a fresh local stack with the client library, realizes exactly the backtest's `default`
 * trades, and the stack learns exactly what the backtest's learner learned.
 */

const DATA = fileURLToPath(new URL('../fixtures/ttrc-daily-last600.csv', import.meta.url));
const config = loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'example-bot' });

function captured() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (text: string) => out.push(text), stderr: (text: string) => err.push(text) };
}

describe('example bot against a fresh local stack', () => {
  let stack: LocalStack;
  let bot: { exitCode: number; result?: ReplayBotResult };
  const botText = captured();
  let backtest: BacktestResult;

  beforeAll(async () => {
    const quiet = { minLevel: 'warn' as const };
    stack = await startLocalStack({
      port: 0,
      config,
      seed: 1,
      log: createConsoleLog({ name: 'local', ...quiet }),
      telemetry: (name) => createConsoleTelemetry({ name, ...quiet }),
    });
    bot = await runExampleBotCommand(['--data', DATA, '--api-url', stack.url], {
      readText: (path) => readFile(path, 'utf8'),
      ...botText,
      config: () => config,
      localPort: () => 3000,
    });
    const data = parseOhlcvCsv(readFileSync(DATA, 'utf8'));
    backtest = runBacktest({
      candles: data.candles,
      signals: trendCrossoverSignals(data.candles),
      policies: [createDefaultPolicy(config)],
      horizonBars: config.horizonBars,
    });
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('prints the same R per trade as `npm run backtest` prints for default', async () => {
    expect(bot.exitCode, botText.err.join('')).toBe(0);
    const report = captured();
    const exitCode = await runBacktestCommand(['--data', DATA], {
      readText: (path) => readFile(path, 'utf8'),
      writeText: async () => {},
      listDirectory: async () => [],
      ...report,
      config: () => config,
      now: () => 0,
    });
    expect(exitCode).toBe(0);
    const defaultRow = report.out
      .join('')
      .split('\n')
      .find((line) => line.startsWith('default '));
    const [, trades, meanR] = defaultRow?.trim().split(/\s+/) ?? [];
    const summary = botText.out
      .join('')
      .split('\n')
      .find((line) => line.startsWith('R per trade:'));
    expect(summary).toBe(`R per trade: ${meanR} over ${trades} trades`);
  });

  it('prints what docs/api.md shows: the last trade and R per trade', () => {
    const lines = botText.out.join('').trimEnd().split('\n');
    const lastTrade = lines.filter((line) => line.startsWith('trade ')).at(-1) ?? '';
    const summary = lines.slice(lines.findIndex((line) => line.startsWith('R per trade:')));
    for (const block of docOutputs('example-bot-summary')) {
      expectTextSample(block, [lastTrade, ...summary].join('\n'));
    }
  });

  it('takes every trade the backtest takes, with the same plan, exit and R', () => {
    const expected = backtest.policies[0]?.trades ?? [];
    const trades = bot.result?.trades ?? [];
    expect(trades.length).toBeGreaterThan(10);
    expect(
      trades.map((t) => [t.entryBar, t.closeBar, t.side, t.regime, t.strategy, t.entry, t.exitReason]),
    ).toEqual(
      expected.map((t) => [t.entryBar, t.closeBar, t.side, t.regime, t.strategy, t.entry, t.exitReason]),
    );
    trades.forEach((trade, index) => {
      expect(trade.realizedR).toBeCloseTo(expected[index]?.realizedR ?? Number.NaN, 12);
    });
    expect(bot.result?.summary.meanR).toBeCloseTo(backtest.policies[0]?.summary.meanR ?? Number.NaN, 12);
  });

  it('credited every trade with the R of its fills, and learned what the backtest learned', async () => {
    const client = new SelectorClient({ apiUrl: stack.url });
    try {
      for (const trade of bot.result?.trades ?? []) {
        const decision = await client.decision(trade.decisionId);
        expect(decision.status).toBe('CLOSED');
        // Credited on the micro-R grid the stack sums on (lib/learners/cell-stats.ts).
        expect(Math.abs((decision.reward?.realizedR ?? Number.NaN) - trade.realizedR)).toBeLessThanOrEqual(
          5e-7,
        );
        expect(decision.reward?.pathUsed).toBe(true);
      }
      const stats = await client.stats(DEFAULT_BACKTEST_SYMBOL);
      const served = Object.entries(stats.regimes).flatMap(([regime, view]) =>
        Object.entries(view?.strategies ?? {}).map(([strategy, cell]) => ({ regime, strategy, cell })),
      );
      const learned = backtest.policies[0]?.learned ?? [];
      // The backtest reports the seven profiles' cells; the stack serves the variants' too.
      const profiles = served.filter((s) => (STRATEGY_IDS as readonly string[]).includes(s.strategy));
      expect(profiles.length).toBe(learned.length);
      expect(served.length).toBeGreaterThan(learned.length);
      for (const cell of learned) {
        const match = served.find((s) => s.regime === cell.regime && s.strategy === cell.strategy)?.cell;
        expect(match, `${cell.regime} ${cell.strategy}`).toMatchObject({
          count: cell.count,
          realCount: cell.realCount,
          counterfactualCount: cell.counterfactualCount,
        });
        expect(Math.abs((match?.mean ?? Number.NaN) - cell.meanR)).toBeLessThanOrEqual(1e-6);
      }
    } finally {
      client.close();
    }
  });
});
