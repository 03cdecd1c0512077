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
 * Measured with this very setup (mean R per trade), the paired learner over the 35-arm family:
 * - the three cases the previous (anchored, unpaired) learner lost to walk-forward now hold:
 *   crypto fixture, reversion: +0.499 vs +0.196 (static scalp +0.269); synthetic portfolio,
 *   ema-cross: −0.003 vs −0.064 (static scalp −0.035); synthetic portfolio, reversion: +0.055 vs
 *   +0.018 (static scalp +0.026).
 * - Known shortfall: ttrc daily, breakout: default +0.036 vs static trend_rider +0.059, short of
 *   the −0.01 tolerance (paired difference −0.023 R/trade over 671 trades, 95% interval
 *   [−0.066, +0.018]; with ARM_SET=seven +0.040, −0.019 [−0.055, +0.007]). The default leaves
 *   trend_rider on about a fifth of the signals (mostly for trend_rider@sl1xtg2), on leads that do
 *   not hold out of sample.
 * Known shortfalls are written as expected failures: when a learner change makes the guard hold,
 * they fail and must be turned into ordinary tests.
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

/** Cases where default falls short of the walk-forward best static (none at present). */
const KNOWN_SHORTFALLS = new Set<string>([]);

/** Cases where default falls more than 0.01 R/trade below static trend_rider. */
const KNOWN_ANCHOR_SHORTFALLS = new Set(['bundled ttrc daily/breakout']);

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

      const belowAnchor = KNOWN_ANCHOR_SHORTFALLS.has(`${data}/${signal}`);
      (belowAnchor ? it.fails : it)(
        `${belowAnchor ? 'known shortfall: ' : ''}default earns no less than static trend_rider − 0.01 R per trade`,
        { timeout: 60_000 },
        () => {
          expect(meanR('default')).toBeGreaterThanOrEqual(meanR('static:trend_rider') - 0.01);
        },
      );

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
