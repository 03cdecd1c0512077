import { describe, expect, it } from 'vitest';
import { backtestPolicies } from '../../lib/backtest/command';
import { type BacktestResult, runPortfolioBacktest } from '../../lib/backtest/engine';
import { builtInSignals, SIGNAL_KINDS, type SignalKind } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import type { Candle } from '../../lib/types';
import { CRYPTO_PAIRS, loadCryptoCandles } from '../helpers/crypto-fixture';
import { syntheticPortfolio } from '../helpers/synthetic-portfolio';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

/**
 * The guard on the default policy: on the bundled data and on a synthetic portfolio, with every
 * built-in signal, `default` earns at least the walk-forward best static (what a trader choosing
 * a profile by hand as results come in would earn) and no less than static trend_rider (its
 * anchor) minus 0.01 R per trade. A learner change must not buy a gain on one series with a loss
 * on the panel.
 *
 * Known shortfalls, measured with this very setup (mean R per trade, default vs walk-forward):
 * - crypto fixture, reversion: +0.165 vs +0.196 (static scalp +0.269): on the full 20 days of the
 *   five pairs the gap is −0.141 R/trade, 95% interval [−0.211, −0.077];
 * - synthetic portfolio, ema-cross: −0.079 vs −0.064 (static scalp −0.035);
 * - synthetic portfolio, reversion: +0.006 vs +0.018 (static scalp +0.026).
 * There the default stays on trend_rider while a shorter profile leads: its bounds are unpaired
 * and split per (symbol, regime), so a lead of a few hundredths never clears them. These cases are
 * written as expected failures: when a learner change makes the guard hold, they fail and must be
 * turned into ordinary tests.
 */

const config = loadConfig(ENV_DEFAULTS);

/** 12 symbols × 3,000 hourly bars: two of each synthetic market model, seed 1. */
const SYNTHETIC = syntheticPortfolio(12, 3000, 1);

const DATA: Record<string, () => { symbol: string; candles: Candle[] }[]> = {
  'bundled ttrc daily': () => [{ symbol: 'TTRC', candles: loadTtrcCandles() }],
  'bundled crypto 5m (3 pairs)': () =>
    CRYPTO_PAIRS.map((pair) => ({ symbol: pair, candles: loadCryptoCandles(pair) })),
  'synthetic portfolio (12 symbols)': () => SYNTHETIC,
};

const KNOWN_SHORTFALLS = new Set([
  'bundled crypto 5m (3 pairs)/reversion',
  'synthetic portfolio (12 symbols)/ema-cross',
  'synthetic portfolio (12 symbols)/reversion',
]);

function run(data: string, signal: SignalKind): BacktestResult {
  const series = (DATA[data]?.() ?? []).map((s) => ({ ...s, signals: builtInSignals(signal, s.candles) }));
  return runPortfolioBacktest({ series, policies: backtestPolicies(config), bootstrap: { resamples: 100 } });
}

for (const data of Object.keys(DATA)) {
  for (const signal of SIGNAL_KINDS) {
    describe(`guard: ${data}, ${signal} signal`, () => {
      let result: BacktestResult | undefined;
      const meanR = (name: string) => {
        result ??= run(data, signal);
        const policy = result.policies.find((p) => p.name === name);
        if (policy === undefined) throw new Error(`no policy ${name}`);
        return policy.summary.meanR;
      };

      it('default earns no less than static trend_rider − 0.01 R per trade', { timeout: 60_000 }, () => {
        expect(meanR('default')).toBeGreaterThanOrEqual(meanR('static:trend_rider') - 0.01);
      });

      const known = KNOWN_SHORTFALLS.has(`${data}/${signal}`);
      (known ? it.fails : it)(
        `${known ? 'known shortfall: ' : ''}default earns at least the walk-forward best static`,
        { timeout: 60_000 },
        () => {
          expect(meanR('default')).toBeGreaterThanOrEqual(meanR('walkforward:best-static'));
        },
      );
    });
  }
}
