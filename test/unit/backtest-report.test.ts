import { describe, expect, it } from 'vitest';
import { backtestPolicies } from '../../lib/backtest/command';
import { runBacktest } from '../../lib/backtest/engine';
import { escapeHtml, renderHtmlReport } from '../../lib/backtest/html-report';
import { backtestDataInfo, backtestJsonReport } from '../../lib/backtest/json-report';
import { formatResultsTable } from '../../lib/backtest/results-table';
import { trendCrossoverSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { STRATEGY_IDS } from '../../lib/types';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

const candles = loadTtrcCandles().slice(0, 1200);
const result = runBacktest({
  candles,
  signals: trendCrossoverSignals(candles),
  policies: backtestPolicies(loadConfig(ENV_DEFAULTS)),
  seed: 5,
});
const sources = [
  { symbol: 'BACKTEST', file: 'data/<b>"odd" & name</b>.csv', signalSource: 'ema-cross' as const },
];
const data = backtestDataInfo(result, sources);

describe('backtest reports', () => {
  const html = renderHtmlReport(result, data);

  it('writes an HTML page that needs no network: no external reference of any kind', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/url\(|@import/i);
  });

  it('draws an equity curve for every policy and a heatmap of the learned values', () => {
    for (const policy of result.policies) expect(html).toContain(`${escapeHtml(policy.name)}</title>`);
    // The equity and drawdown charts, and one R histogram per policy.
    expect(html.match(/<svg /g)).toHaveLength(result.policies.length + 2);
    expect(html).toContain('<table class="heatmap">');
    expect(html).toContain('<th scope="row">RANGE_LOW_VOL</th>');
  });

  it('escapes text from the data', () => {
    expect(html).not.toContain('<b>"odd"');
    expect(html).toContain('data/&lt;b&gt;&quot;odd&quot; &amp; name&lt;/b&gt;.csv');
  });

  it('prints one table row per policy with its figures', () => {
    const lines = formatResultsTable(result).split('\n');
    expect(lines).toHaveLength(result.policies.length + 2);
    const seed = result.policies.find((p) => p.name === 'seed');
    const row = lines.find((line) => line.startsWith('seed '));
    expect(row?.split(/ +/)).toEqual([
      'seed',
      String(seed?.summary.trades),
      (seed?.summary.meanR ?? 0).toFixed(4).replace(/^(?!-)/, '+'),
      (seed?.summary.totalR ?? 0).toFixed(2).replace(/^(?!-)/, '+'),
      `${(100 * (seed?.summary.winRate ?? 0)).toFixed(1)}%`,
      (seed?.summary.maxDrawdownR ?? 0).toFixed(2),
      `${(100 * (seed?.explorationRate ?? 0)).toFixed(1)}%`,
    ]);
  });

  it('keeps the JSON per-policy objects to the five contract figures and puts the rest in details', () => {
    const report = backtestJsonReport(result, data, sources);
    for (const policy of result.policies) {
      expect(report.policies[policy.name]).toEqual(policy.summary);
      expect(report.details.policies[policy.name]?.equity).toEqual(policy.equity);
    }
    expect(report.details.regimesFrom).toBe('default');
    expect(report.details.policies['oracle:regime-in-hindsight']?.basis).toBe('in-sample');
    expect(report.details.policies.default?.basis).toBe('causal');
  });

  it('puts every paired comparison under its policy and baseline', () => {
    const report = backtestJsonReport(result, data, sources);
    const againstWalkForward = report.comparisons.default?.['walkforward:best-static'];
    expect(againstWalkForward).toMatchObject({ trades: result.signals, level: 0.95, resamples: 2000 });
    expect(Object.keys(report.comparisons.seed ?? {})).toEqual([
      ...STRATEGY_IDS.map((s) => `static:${s}`),
      'walkforward:best-static',
    ]);
    expect(report.comparisons['static:scalp']?.['static:scalp']).toBeUndefined();
  });
});
