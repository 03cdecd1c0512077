import { describe, expect, it } from 'vitest';
import { backtestPolicies } from '../../lib/backtest/command';
import { type BacktestResult, runPortfolioBacktest } from '../../lib/backtest/engine';
import { coincidingGroups, renderHtmlReport } from '../../lib/backtest/html-report';
import { backtestDataInfo, type SeriesSource } from '../../lib/backtest/json-report';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { createDefaultPolicy, createSeedPolicy } from '../../lib/policies';
import { CRYPTO_PAIRS, loadCryptoCandles } from '../helpers/crypto-fixture';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

const config = loadConfig(ENV_DEFAULTS);

function report(result: BacktestResult, sources: SeriesSource[]) {
  const html = renderHtmlReport(result, backtestDataInfo(result, sources));
  /** The SVG whose aria-label is `label`. */
  const chart = (label: string) => {
    const start = html.indexOf(`aria-label="${label}"`);
    return start < 0 ? '' : html.slice(start, html.indexOf('</svg>', start));
  };
  /** The HTML from a heading to the next one. */
  const section = (heading: string) => {
    const start = html.indexOf(`<h2>${heading}</h2>`);
    return start < 0 ? '' : html.slice(start, html.indexOf('<h2>', start + 4));
  };
  return { html, chart, section };
}

const ttrc = loadTtrcCandles().slice(0, 2000);
const single = runPortfolioBacktest({
  series: [{ symbol: 'TTRC', candles: ttrc, signals: trendCrossoverSignals(ttrc) }],
  policies: backtestPolicies(config),
  bootstrap: { resamples: 200 },
});
const singleReport = report(single, [{ symbol: 'TTRC', file: 'ttrc.csv', signalSource: 'ema-cross' }]);

/**
 * The same run with a default learner that never has the evidence to leave trend_rider: its
 * trades are static trend_rider's, signal for signal, so the two curves coincide.
 */
const frozen = runPortfolioBacktest({
  series: [{ symbol: 'TTRC', candles: ttrc, signals: trendCrossoverSignals(ttrc) }],
  policies: backtestPolicies(loadConfig({ ...ENV_DEFAULTS, LEARNER_MIN_EVIDENCE_TRADES: '1000000' })),
  bootstrap: { resamples: 200 },
});
const frozenReport = report(frozen, [{ symbol: 'TTRC', file: 'ttrc.csv', signalSource: 'ema-cross' }]);

describe('the HTML report a trader reads', () => {
  const { html, chart, section } = singleReport;

  it('draws every policy in a distinct colour on the equity and the drawdown chart, axes labelled in R', () => {
    for (const label of ['cumulative R', 'drawdown (R)']) {
      const svg = chart(label);
      const strokes = [...svg.matchAll(/<polyline data-series="(\d+)" fill="none" stroke="(#[0-9a-f]{6})"/g)];
      expect(strokes.map((m) => Number(m[1]))).toEqual(single.policies.map((_, index) => index));
      expect(new Set(strokes.map((m) => m[2])).size).toBe(single.policies.length);
      expect(svg).toContain(`>${label}</text>`);
      expect(svg).toContain(">time of the trade's close (UTC)</text>");
    }
  });

  it('draws the drawdown below zero, reaching each policy’s max drawdown', () => {
    const svg = chart('drawdown (R)');
    const ticks = [...svg.matchAll(/text-anchor="end">(-?[\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(Math.max(...ticks)).toBe(0);
    const deepest = Math.max(...single.policies.map((p) => p.summary.maxDrawdownR));
    expect(Math.min(...ticks)).toBeLessThanOrEqual(-deepest / 2);
  });

  it('says which curves coincide and dashes the later ones over the first', () => {
    const groups = coincidingGroups(frozen.policies).map((g) => g.map((p) => p.name));
    expect(groups).toContainEqual(['default', 'static:trend_rider']);
    expect(frozenReport.html).toContain('<code>default</code> and <code>static:trend_rider</code> coincide');
    const index = frozen.policies.findIndex((p) => p.name === 'static:trend_rider');
    const cumulative = frozenReport.chart('cumulative R');
    const curve = cumulative.match(new RegExp(`<polyline data-series="${index}"[^>]*>`))?.[0] ?? '';
    expect(curve).toContain('stroke-dasharray="7 7"');
    const first = cumulative.match(/<polyline data-series="0"[^>]*>/)?.[0] ?? '';
    expect(first).not.toContain('stroke-dasharray');
    // The learning default leaves trend_rider on some signals: its curve is its own.
    const learning = coincidingGroups(single.policies).map((g) => g.map((p) => p.name));
    expect(learning.flat()).not.toContain('default');
    expect(html).not.toContain('<code>default</code> and <code>static:trend_rider</code> coincide');
  });

  it('shows the distribution of R per trade for every policy on shared bins', () => {
    for (const policy of single.policies) {
      const svg = chart(`R per trade of ${policy.name}`);
      expect(svg).toContain('>R per trade</text>');
      const shares = [...svg.matchAll(/R: ([\d.]+)%<\/title>/g)].map((m) => Number(m[1]));
      expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(100, 0);
    }
  });

  it('breaks the results down by side and by year, and names the in-sample oracle', () => {
    expect(section('Long and short')).toMatch(/<th>LONG<\/th><th>SHORT<\/th>/);
    const years = section('By year');
    expect(years).toContain('<th>1986</th>');
    const defaults = single.policies.find((p) => p.name === 'default');
    const longs = defaults?.sides.LONG;
    expect(section('Long and short')).toContain(
      `+${longs?.meanR.toFixed(3)} <small>(${longs?.trades})</small>`,
    );
    expect(html).toMatch(/<tr class="in-sample"><th scope="row">.*oracle:regime-in-hindsight/);
    expect(html).toContain('in-sample: best static per regime in hindsight');
  });

  it('uses one regime definition for every row and says which', () => {
    expect(section('By regime')).toContain(
      'Regimes as <code>default</code> detected at each signal, the same for every row',
    );
    const byRegime = (name: string) => single.policies.find((p) => p.name === name)?.regimes;
    const trades = (name: string) => Object.values(byRegime(name) ?? {}).map((s) => s.trades);
    // Every policy traded every signal, so every row has the same count in every regime.
    expect(trades('seed')).toEqual(trades('default'));
    expect(trades('static:scalp')).toEqual(trades('default'));
  });

  it('answers whether the selector helps, from the paired comparisons', () => {
    const answer = html.slice(html.indexOf('<section class="answer">'), html.indexOf('</section>'));
    expect(answer).toContain('against the walk-forward best static (causal)');
    // Against the best static in hindsight, the paired difference of the comparisons.
    const versus = single.comparisons.find(
      (c) => c.policy === 'default' && c.baseline === 'static:trend_rider',
    );
    const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
    expect(answer).toContain(
      `against <code>static:trend_rider</code> (the best static, in hindsight): <b>${signed(versus?.meanDiffR ?? Number.NaN)} R</b> per signal over ${versus?.trades} signals`,
    );
    expect(section('Paired comparisons')).toContain('circular block bootstrap (200 resamples');
    // When the default trades exactly as trend_rider, the answer says they are identical.
    const frozenAnswer = frozenReport.html.slice(
      frozenReport.html.indexOf('<section class="answer">'),
      frozenReport.html.indexOf('</section>'),
    );
    expect(frozenAnswer).toMatch(/against <code>static:trend_rider<\/code>.*identical/);
  });
});

describe('the HTML report of a portfolio', () => {
  const series = CRYPTO_PAIRS.map((pair) => {
    const candles = loadCryptoCandles(pair);
    return { symbol: pair, candles, signals: trendCrossoverSignals(candles) };
  });
  const result = runPortfolioBacktest({
    series,
    policies: backtestPolicies(config),
    bootstrap: { resamples: 100 },
  });
  const { section, html } = report(
    result,
    CRYPTO_PAIRS.map((pair) => ({ symbol: pair, file: `${pair}.csv`, signalSource: 'ema-cross' })),
  );

  it('shows every policy on every symbol', () => {
    const bySymbol = section('By symbol');
    for (const pair of CRYPTO_PAIRS) expect(bySymbol).toContain(`<th>${pair}</th>`);
    const seed = result.policies.find((p) => p.name === 'seed');
    const cells = CRYPTO_PAIRS.map(
      (pair) =>
        `${(seed?.symbols[pair]?.meanR ?? 0).toFixed(3)} <small>(${seed?.symbols[pair]?.trades})</small>`,
    );
    for (const cell of cells) expect(bySymbol).toContain(cell);
  });

  it("shows the default policy's learned values for each symbol", () => {
    for (const pair of CRYPTO_PAIRS) expect(html).toContain(`<summary>${pair}</summary>`);
  });
});

describe('coincidingGroups', () => {
  it('finds no group when every curve differs', () => {
    const candles = loadTtrcCandles().slice(0, 800);
    const result = runPortfolioBacktest({
      series: [{ symbol: 'X', candles, signals: trendCrossoverSignals(candles) }],
      policies: [createSeedPolicy(config), createDefaultPolicy(config)],
      bootstrap: { resamples: 50 },
    });
    expect(coincidingGroups(result.policies)).toEqual([]);
    expect(renderHtmlReport(result, backtestDataInfo(result, [])).includes('coincide:')).toBe(false);
  });
});
