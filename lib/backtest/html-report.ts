import { REGIMES, type RegimeName, SIDES, STRATEGY_IDS, type StrategyId } from '../types';
import { WALK_FORWARD_POLICY_NAME } from './comparators';
import type { BacktestDataInfo } from './json-report';
import type { PolicySummary } from './metrics';
import { percent, signedFixed } from './number-format';
import type { BacktestResult, LearnedCell, PolicyComparison, PolicyResult } from './result';
import { bestStatic, headlineComparisons, policyNote, verdict } from './results-table';

/**
 * The `--html` report: one self-contained page (inline CSS, SVG and a few lines of script, no
 * network) that a trader reads top to bottom: the verdict on the selector, the results, the
 * equity and drawdown curves, the distribution of R per trade, the paired comparisons, and the
 * breakdowns by side, year, symbol and regime, then what the default policy learned.
 */

/** One colour per series, far enough apart to tell every curve of a standard run from the others. */
const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#2ca02c',
  '#111827',
];
/** Dash length, in px, of curves drawn over an identical one. */
const DASH = 7;

interface Frame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  fromT: number;
  toT: number;
  min: number;
  max: number;
}

/** A curve of the report: its policy, its colour, and how it is drawn when it coincides with others. */
interface Series {
  policy: PolicyResult;
  index: number;
  color: string;
  /** SVG attributes that make the curve visible over an identical one drawn before it. */
  dash: string;
}

/** The HTML report of a run. Every text from the data (file names, symbols, policy names) is escaped. */
export function renderHtmlReport(result: BacktestResult, data: BacktestDataInfo): string {
  const fromT = Date.parse(data.from);
  const toT = Math.max(Date.parse(data.to), fromT + 1);
  const groups = coincidingGroups(result.policies);
  const series = result.policies.map((policy, index): Series => {
    const group = groups.find((g) => g.includes(policy)) ?? [policy];
    const place = group.indexOf(policy);
    // The first of a group is solid; each later one draws its own dash of every period, so every
    // colour shows along the shared curve.
    const dash =
      place <= 0
        ? ''
        : ` stroke-dasharray="${DASH} ${DASH * (group.length - 1)}" stroke-dashoffset="${-DASH * (place - 1)}"`;
    return { policy, index, color: PALETTE[index % PALETTE.length] ?? '#111827', dash };
  });
  const colorOf = (policy: PolicyResult) => series.find((s) => s.policy === policy)?.color ?? '#111827';
  const [minR, maxR] = range(result.policies.flatMap((p) => p.equity.map((point) => point.cumulativeR)));
  const drawdowns = series.map((s) => drawdownCurve(s.policy));
  const [minDd] = range(drawdowns.flat().map((point) => point.value));
  const big = (min: number, max: number): Frame => ({
    width: 960,
    height: 360,
    margin: { top: 16, right: 16, bottom: 44, left: 64 },
    fromT,
    toT,
    min,
    max,
  });
  const defaultPolicy = result.policies.find((policy) => policy.name === 'default');
  const oracle = result.policies.find((policy) => policy.basis === 'in-sample');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backtest report: ${escapeHtml(data.file)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Backtest report</h1>
${dataSummary(data, result)}
${answer(result)}
<h2>Results</h2>
${resultsTable(result, colorOf)}
<p class="note">R is profit over the trade's initial risk (entry to initial stop). Max DD R is the largest fall of
cumulative R from a previous peak, trades taken in the order they closed. Every policy trades the same signals;
a learner sees a trade's reward only on the bar the trade closed. <b>${escapeHtml(oracle?.name ?? 'The oracle')}</b> is
<b>in-sample</b>: it picked each regime's profile knowing every outcome, so no causal policy can be held to it. The best
static is also known only in hindsight; <code>${WALK_FORWARD_POLICY_NAME}</code> is what choosing it as you go earns.</p>
<h2>Equity</h2>
<p class="note">Cumulative R at each trade's close, over every symbol. Click a name to hide or show its curves.</p>
${legend(series)}
${coincidenceNote(groups)}
${lineChart(
  series.map((s) => ({ ...s, points: s.policy.equity.map((p) => ({ t: p.t, value: p.cumulativeR })) })),
  big(minR, maxR),
  'cumulative R',
)}
<h2>Drawdown</h2>
<p class="note">How far each curve is below its own previous peak, in R, at each trade's close.</p>
${lineChart(
  series.map((s, index) => ({ ...s, points: drawdowns[index] ?? [] })),
  big(minDd, 0),
  'drawdown (R)',
)}
<h2>R per trade</h2>
<p class="note">Share of each policy's trades by realized R, the same bins and scales for every policy; the line marks the mean.</p>
${distributions(result.policies, colorOf)}
<h2>Paired comparisons</h2>
${comparisonMatrix(result)}
<h2>Long and short</h2>
${breakdownTable(
  result.policies,
  SIDES.filter((side) => result.policies.some((p) => p.sides[side] !== undefined)),
  (policy, side) => policy.sides[side as (typeof SIDES)[number]],
  'Side',
)}
<h2>By year</h2>
${breakdownTable(result.policies, years(result.policies), (policy, year) => policy.years[year], 'Year of the close')}
<h2>By symbol</h2>
${breakdownTable(
  result.policies,
  result.symbols.map((s) => s.symbol),
  (policy, symbol) => policy.symbols[symbol],
  'Symbol',
)}
<h2>By regime</h2>
${regimeTable(result)}
${
  defaultPolicy === undefined
    ? ''
    : `<h2>What <code>${escapeHtml(defaultPolicy.name)}</code> learned (regime × strategy)</h2>
<p class="note">Each cell: the learner's value for the arm at the end of the run, and its evidence (real trades · counterfactual
updates). Green is positive, red negative. Faded cells are strategies that are not candidates in that regime (they may
still learn from counterfactual updates).</p>
${learnedHeatmaps(
  defaultPolicy.learned,
  result.symbols.map((s) => s.symbol),
)}`
}
${
  oracle === undefined
    ? ''
    : `<h2>Hindsight: mean R of each static strategy per regime</h2>
<p class="note">Regimes as <code>${escapeHtml(result.regimesFrom ?? 'each policy')}</code> detected them. The outlined cell is the
oracle's in-sample choice: the strategy with the highest total R over the regime's trades.</p>
${heatmap(oracle.learned, result.oracleChoices)}`
}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function dataSummary(data: BacktestDataInfo, result: BacktestResult): string {
  const rows: [string, string][] = [
    ['Data', data.file],
    ['Symbols', result.symbols.map((s) => `${s.symbol} (${s.bars} bars)`).join(', ')],
    ['Bars', `${data.bars} (${data.from.slice(0, 10)} to ${data.to.slice(0, 10)})`],
    ['Signals', `${data.signals} (${data.signalRule})`],
    ['Horizon', `${data.horizonBars} bars`],
    ['Detector window', `${data.lookbackBars} bars`],
    ['Seed', String(data.seed)],
  ];
  return `<dl class="summary">${rows.map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

/** "Does the selector help these signals?": the default's paired comparisons in words. */
function answer(result: BacktestResult): string {
  const lines = headlineComparisons(result).filter((c) => c.policy === 'default');
  if (lines.length === 0) return '';
  const best = bestStatic(result.policies)?.name;
  const label = (baseline: string) =>
    baseline === WALK_FORWARD_POLICY_NAME
      ? `the walk-forward best static (causal)`
      : baseline === best
        ? `<code>${escapeHtml(baseline)}</code> (the best static, in hindsight)`
        : `<code>${escapeHtml(baseline)}</code>`;
  const items = lines.map(
    (c) =>
      `<li>against ${label(c.baseline)}: <b>${signedFixed(c.meanDiffR, 4)} R</b> per signal over ${c.trades} signals, ` +
      `${Math.round(c.level * 100)}% interval [${signedFixed(c.lowerR, 4)}, ${signedFixed(c.upperR, 4)}]: ${escapeHtml(verdict(c))}</li>`,
  );
  return `<section class="answer"><h2>Does the selector help these signals?</h2>
<p><code>default</code> compared signal by signal:</p><ul>${items.join('')}</ul>
<p class="note">"better" or "worse": the interval excludes zero. "unclear": it does not, and the number is how many more signals
it would take at the same difference (the interval narrows as 1/√n). "identical": the same R on every signal.</p></section>`;
}

function resultsTable(result: BacktestResult, color: (policy: PolicyResult) => string): string {
  const rows = result.policies.map((policy) => {
    const { trades, meanR, totalR, winRate, maxDrawdownR } = policy.summary;
    const note = policyNote(result, policy);
    return `<tr${policy.basis === 'in-sample' ? ' class="in-sample"' : ''}><th scope="row"><span class="swatch" style="background:${color(policy)}"></span>${escapeHtml(policy.name)}</th>
<td>${trades}</td><td>${signedFixed(meanR, 4)}</td><td>${signedFixed(totalR, 2)}</td><td>${percent(winRate)}</td>
<td>${maxDrawdownR.toFixed(2)}</td><td>${percent(policy.explorationRate)}</td><td>${policy.skippedSignals}</td><td class="text">${escapeHtml(note)}</td></tr>`;
  });
  return `<table class="results"><thead><tr><th>Policy</th><th>Trades</th><th>Mean R</th><th>Total R</th><th>Win rate</th>
<th>Max DD R</th><th>Explored</th><th>Skipped</th><th>Note</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function legend(series: readonly Series[]): string {
  return `<div class="legend">${series
    .map(
      (s) =>
        `<button type="button" data-toggle="${s.index}" style="--c:${s.color}">${escapeHtml(s.policy.name)}</button>`,
    )
    .join('')}</div>`;
}

/**
 * Policies whose equity curves are identical (the same R at the same closes), each group in run
 * order. A curve drawn exactly over another would hide it; the report says so and dashes it.
 */
export function coincidingGroups(policies: readonly PolicyResult[]): PolicyResult[][] {
  const byCurve = new Map<string, PolicyResult[]>();
  for (const policy of policies) {
    const key = policy.equity.map((point) => `${point.t}:${point.cumulativeR}`).join(',');
    const group = byCurve.get(key);
    if (group === undefined) byCurve.set(key, [policy]);
    else group.push(policy);
  }
  return [...byCurve.values()].filter((group) => group.length > 1);
}

function coincidenceNote(groups: readonly PolicyResult[][]): string {
  if (groups.length === 0) return '';
  const items = groups.map(
    (group) =>
      `<li>${group.map((p) => `<code>${escapeHtml(p.name)}</code>`).join(' and ')} coincide: the same R on every trade, one curve.</li>`,
  );
  return `<ul class="coincide">${items.join('')}</ul>
<p class="note">Coinciding curves are drawn over each other in alternating dashes, so each colour shows along the shared line.</p>`;
}

interface Point {
  t: number;
  value: number;
}

/** How far below its running peak (starting at 0) the equity curve is after each trade, in R. */
function drawdownCurve(policy: PolicyResult): Point[] {
  let peak = 0;
  return policy.equity.map((point) => {
    peak = Math.max(peak, point.cumulativeR);
    return { t: point.t, value: point.cumulativeR - peak };
  });
}

function lineChart(
  series: readonly (Series & { points: readonly Point[] })[],
  frame: Frame,
  yLabel: string,
): string {
  const { width, height, margin } = frame;
  const x = (t: number) =>
    margin.left + ((t - frame.fromT) / (frame.toT - frame.fromT)) * (width - margin.left - margin.right);
  const y = (value: number) =>
    margin.top + ((frame.max - value) / (frame.max - frame.min)) * (height - margin.top - margin.bottom);
  const yTicks = ticks(frame.min, frame.max, 6);
  const xTicks = timeTicks(frame.fromT, frame.toT, 8);
  const sameDay = frame.toT - frame.fromT < 40 * 86_400_000;

  const grid = yTicks
    .map(
      (value) =>
        `<line class="${value === 0 ? 'zero' : 'grid'}" x1="${margin.left}" x2="${width - margin.right}" y1="${fmt(y(value))}" y2="${fmt(y(value))}"/>` +
        `<text class="tick" x="${margin.left - 6}" y="${fmt(y(value) + 4)}" text-anchor="end">${value}</text>`,
    )
    .join('');
  const anchor = (index: number) => (index === 0 ? 'start' : index === xTicks.length - 1 ? 'end' : 'middle');
  const axis = xTicks
    .map(
      (t, index) =>
        `<text class="tick" x="${fmt(x(t))}" y="${height - margin.bottom + 16}" text-anchor="${anchor(index)}">${escapeHtml(
          new Date(t).toISOString().slice(0, sameDay ? 10 : 7),
        )}</text>`,
    )
    .join('');
  const labels =
    `<text class="axis" x="${fmt(margin.left + (width - margin.left - margin.right) / 2)}" y="${height - 6}" text-anchor="middle">time of the trade's close (UTC)</text>` +
    `<text class="axis" transform="translate(16 ${fmt(margin.top + (height - margin.top - margin.bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`;
  const lines = series
    .map((s) => {
      let previous = 0;
      const points = [`${fmt(x(frame.fromT))},${fmt(y(0))}`];
      for (const point of s.points) {
        points.push(`${fmt(x(point.t))},${fmt(y(previous))}`, `${fmt(x(point.t))},${fmt(y(point.value))}`);
        previous = point.value;
      }
      points.push(`${fmt(x(frame.toT))},${fmt(y(previous))}`);
      const emphasis = s.policy.name === 'default' ? 1 : 0;
      return `<polyline data-series="${s.index}" fill="none" stroke="${s.color}" stroke-width="${1.6 + emphasis}"${s.dash} points="${points.join(' ')}"><title>${escapeHtml(s.policy.name)}</title></polyline>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(yLabel)}">${grid}${axis}${labels}${lines}</svg>`;
}

/** One histogram per policy on shared bins and a shared scale: share of trades per bin of R. */
function distributions(policies: readonly PolicyResult[], color: (policy: PolicyResult) => string): string {
  const all = policies.flatMap((p) => p.trades.map((t) => t.realizedR));
  if (all.length === 0) return '<p class="note">No trades.</p>';
  const [lowest, highest] = [Math.min(...all), Math.max(...all)];
  const binR = highest - lowest > 12 ? 1 : 0.5;
  const from = Math.floor(lowest / binR) * binR;
  const bins = Math.max(1, Math.ceil((highest - from) / binR + 1e-9));
  const shares = policies.map((policy) => {
    const counts = new Array<number>(bins).fill(0);
    for (const trade of policy.trades) {
      const bin = Math.min(bins - 1, Math.floor((trade.realizedR - from) / binR + 1e-9));
      counts[bin] = (counts[bin] ?? 0) + 1;
    }
    return counts.map((count) => (policy.trades.length === 0 ? 0 : count / policy.trades.length));
  });
  const top = Math.max(0.01, ...shares.flat());
  const width = 300;
  const height = 170;
  const margin = { top: 8, right: 8, bottom: 34, left: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const x = (r: number) => margin.left + ((r - from) / (bins * binR)) * plotW;
  const y = (share: number) => margin.top + (1 - share / top) * plotH;
  const xTicks = ticks(from, from + bins * binR, 5);
  const yTicks = ticks(0, top, 3);

  const figures = policies.map((policy, index) => {
    const bars = (shares[index] ?? [])
      .map((share, bin) => {
        const left = x(from + bin * binR);
        return share === 0
          ? ''
          : `<rect x="${fmt(left + 0.5)}" y="${fmt(y(share))}" width="${fmt(Math.max(0.5, x(from + (bin + 1) * binR) - left - 1))}" height="${fmt(y(0) - y(share))}" fill="${color(policy)}"><title>${signedFixed(from + bin * binR, 1)} to ${signedFixed(from + (bin + 1) * binR, 1)} R: ${percent(share)}</title></rect>`;
      })
      .join('');
    const mean = policy.summary.meanR;
    const axes =
      xTicks
        .map(
          (r) =>
            `<text class="tick" x="${fmt(x(r))}" y="${height - margin.bottom + 13}" text-anchor="middle">${r}</text>`,
        )
        .join('') +
      yTicks
        .map(
          (share) =>
            `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${fmt(y(share))}" y2="${fmt(y(share))}"/><text class="tick" x="${margin.left - 4}" y="${fmt(y(share) + 4)}" text-anchor="end">${Math.round(share * 100)}%</text>`,
        )
        .join('') +
      `<line class="zero" x1="${fmt(x(0))}" x2="${fmt(x(0))}" y1="${margin.top}" y2="${fmt(y(0))}"/>` +
      `<text class="axis" x="${fmt(margin.left + plotW / 2)}" y="${height - 4}" text-anchor="middle">R per trade</text>`;
    const meanLine = `<line class="mean" x1="${fmt(x(mean))}" x2="${fmt(x(mean))}" y1="${margin.top}" y2="${fmt(y(0))}"><title>mean ${signedFixed(mean, 3)} R</title></line>`;
    return `<figure><figcaption>${escapeHtml(policy.name)} <span>mean ${signedFixed(mean, 3)} R</span></figcaption><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="R per trade of ${escapeHtml(policy.name)}">${axes}${bars}${meanLine}</svg></figure>`;
  });
  return `<div class="grid-figures">${figures.join('')}</div>`;
}

/** Every policy (rows) against every baseline (columns): mean difference and interval, coloured by verdict. */
function comparisonMatrix(result: BacktestResult): string {
  if (result.comparisons.length === 0)
    return '<p class="note">No static policy ran, so there is nothing to compare with.</p>';
  const baselines = [...new Set(result.comparisons.map((c) => c.baseline))];
  const level = result.comparisons[0]?.level ?? 0.95;
  const cell = (c: PolicyComparison | undefined) => {
    if (c === undefined) return '<td class="empty">–</td>';
    const kind = c.lowerR > 0 ? 'better' : c.upperR < 0 ? 'worse' : 'unclear';
    return `<td class="${kind}" title="${escapeHtml(`${c.policy} − ${c.baseline} over ${c.trades} signals: ${verdict(c)}`)}"><b>${signedFixed(c.meanDiffR, 3)}</b><small>[${signedFixed(c.lowerR, 3)}, ${signedFixed(c.upperR, 3)}]</small></td>`;
  };
  const header = `<tr><th>Policy − baseline</th>${baselines.map((b) => `<th>${escapeHtml(b)}</th>`).join('')}</tr>`;
  const rows = result.policies.map(
    (policy) =>
      `<tr><th scope="row">${escapeHtml(policy.name)}</th>${baselines
        .map((b) => cell(result.comparisons.find((c) => c.policy === policy.name && c.baseline === b)))
        .join('')}</tr>`,
  );
  const blocks = [...new Set(result.comparisons.map((c) => c.blockLength))].join(', ');
  return `<div class="scroll"><table class="matrix"><thead>${header}</thead><tbody>${rows.join('\n')}</tbody></table></div>
<p class="note">Each cell: mean of (row's R − column's R) over the signals both traded, and its ${Math.round(level * 100)}% interval from a
circular block bootstrap (${result.comparisons[0]?.resamples ?? 0} resamples of blocks of ${escapeHtml(blocks)} consecutive signals, seed ${result.seed}), since
trades that overlap in time win and lose together. Green: the row is better (the interval is above zero); red: worse;
grey: not told apart by this many signals (hover a cell for how many more it would take).</p>`;
}

/** Policies as rows, `keys` as columns, each cell the mean R and the trades of one breakdown. */
function breakdownTable(
  policies: readonly PolicyResult[],
  keys: readonly string[],
  summaryOf: (policy: PolicyResult, key: string) => PolicySummary | undefined,
  title: string,
): string {
  if (keys.length === 0) return '<p class="note">No trades.</p>';
  const header = `<tr><th>Policy \\ ${escapeHtml(title)}</th>${keys.map((key) => `<th>${escapeHtml(key)}</th>`).join('')}</tr>`;
  const rows = policies.map((policy) => {
    const cells = keys.map((key) => {
      const summary = summaryOf(policy, key);
      return summary === undefined || summary.trades === 0
        ? '<td class="empty">–</td>'
        : `<td>${signedFixed(summary.meanR, 3)} <small>(${summary.trades})</small></td>`;
    });
    return `<tr><th scope="row">${escapeHtml(policy.name)}</th>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="results"><thead>${header}</thead><tbody>${rows.join('\n')}</tbody></table></div>
<p class="note">Mean R per trade (number of trades).</p>`;
}

function years(policies: readonly PolicyResult[]): string[] {
  return [...new Set(policies.flatMap((p) => Object.keys(p.years)))].sort();
}

function regimeTable(result: BacktestResult): string {
  const regimes = REGIMES.filter((regime) =>
    result.policies.some((policy) => policy.regimes[regime] !== undefined),
  );
  const table = breakdownTable(
    result.policies,
    regimes,
    (policy, regime) => policy.regimes[regime as RegimeName],
    'Regime',
  );
  const source =
    result.regimesFrom === undefined
      ? 'each policy detected at entry (no learning policy ran to define them once)'
      : `<code>${escapeHtml(result.regimesFrom)}</code> detected at each signal, the same for every row, so the rows compare the same signals`;
  return `${table}<p class="note">Regimes as ${source}.</p>`;
}

function learnedHeatmaps(cells: readonly LearnedCell[], symbols: readonly string[]): string {
  if (symbols.length <= 1) return heatmap(cells, undefined);
  return symbols
    .map(
      (symbol, index) =>
        `<details${index === 0 ? ' open' : ''}><summary>${escapeHtml(symbol)}</summary>${heatmap(
          cells.filter((cell) => cell.symbol === symbol),
          undefined,
        )}</details>`,
    )
    .join('\n');
}

function heatmap(
  cells: readonly LearnedCell[],
  choices: Partial<Record<RegimeName, StrategyId>> | undefined,
): string {
  const regimes = REGIMES.filter((regime) => cells.some((cell) => cell.regime === regime));
  if (regimes.length === 0) return '<p class="note">No cell was updated.</p>';
  const scale = Math.max(1e-9, ...cells.map((cell) => Math.abs(cell.value)));
  const header = `<tr><th>Regime</th>${STRATEGY_IDS.map((strategy) => `<th>${escapeHtml(strategy)}</th>`).join('')}</tr>`;
  const rows = regimes.map((regime) => {
    const tds = STRATEGY_IDS.map((strategy) => {
      const cell = cells.find((c) => c.regime === regime && c.strategy === strategy);
      if (cell === undefined) return '<td class="empty">–</td>';
      const alpha = Math.min(1, Math.abs(cell.value) / scale);
      const background =
        cell.value >= 0 ? `rgba(22,163,74,${alpha.toFixed(3)})` : `rgba(220,38,38,${alpha.toFixed(3)})`;
      const classes = [cell.candidate ? '' : 'off', choices?.[regime] === strategy ? 'chosen' : ''].filter(
        Boolean,
      );
      const evidence =
        choices === undefined ? `${cell.realCount} · ${cell.counterfactualCount}` : `${cell.count} trades`;
      return `<td${classes.length > 0 ? ` class="${classes.join(' ')}"` : ''} style="background:${background}" title="mean R ${cell.meanR.toFixed(4)}"><b>${signedFixed(cell.value, 3)}</b><small>${evidence}</small></td>`;
    });
    return `<tr><th scope="row">${regime}</th>${tds.join('')}</tr>`;
  });
  return `<table class="heatmap"><thead>${header}</thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function range(values: readonly number[]): [number, number] {
  let min = 0;
  let max = 0;
  for (const value of values) {
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  if (max - min < 1e-9) return [min - 1, max + 1];
  const pad = (max - min) * 0.05;
  return [min - pad, max + pad];
}

/** Round tick values (1, 2 or 5 × 10^k apart) inside [min, max]. */
function ticks(min: number, max: number, count: number): number[] {
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude;
  const values: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + 1e-12; value += step) {
    values.push(Number(value.toPrecision(10)));
  }
  return values;
}

function timeTicks(fromT: number, toT: number, count: number): number[] {
  return Array.from({ length: count + 1 }, (_, index) => fromT + ((toT - fromT) * index) / count);
}

function fmt(value: number): string {
  return value.toFixed(1);
}

/** Text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111827;margin:24px auto;max-width:1000px;padding:0 16px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 8px}
.note{color:#4b5563;font-size:13px;max-width:860px}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}
dl.summary dt{color:#6b7280}dl.summary dd{margin:0;font-variant-numeric:tabular-nums}
section.answer{border:1px solid #d1d5db;border-radius:6px;padding:4px 16px;margin-top:20px;background:#f9fafb}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:right;white-space:nowrap}
th:first-child,thead th{text-align:left}thead th{border-bottom:2px solid #9ca3af}
td.text{text-align:left;color:#4b5563;font-size:12px}
tr.in-sample th,tr.in-sample td{font-style:italic;color:#4b5563}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.legend{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.legend button{font:inherit;font-size:12px;border:1px solid #d1d5db;background:#fff;border-radius:12px;padding:2px 10px 2px 8px;cursor:pointer}
.legend button::before{content:"";display:inline-block;width:10px;height:3px;background:var(--c);margin-right:6px;vertical-align:middle}
.legend button.off{opacity:.4;text-decoration:line-through}
ul.coincide{margin:4px 0;font-size:13px}
svg{max-width:100%;height:auto;display:block}
svg .grid{stroke:#e5e7eb}svg .zero{stroke:#9ca3af}svg .tick{font-size:11px;fill:#6b7280}svg .axis{font-size:12px;fill:#374151}
svg .mean{stroke:#111827;stroke-width:1.5;stroke-dasharray:3 2}
.grid-figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px;margin-top:8px}
figure{margin:0;border:1px solid #e5e7eb;border-radius:6px;padding:6px}
figcaption{font-size:12px;font-weight:600;display:flex;justify-content:space-between}
figcaption span{font-weight:400;color:#4b5563}
.scroll{overflow-x:auto}
table.matrix td{text-align:center}table.matrix td b{display:block;font-weight:600}table.matrix td small{color:#374151;font-size:11px}
table.matrix td.better{background:#dcfce7}table.matrix td.worse{background:#fee2e2}table.matrix td.unclear{background:#f3f4f6}
table.heatmap td{text-align:center;min-width:92px;border:1px solid #fff}
table.heatmap td b{display:block;font-weight:600}table.heatmap td small{color:#374151;font-size:11px}
table.heatmap td.off{opacity:.45}table.heatmap td.chosen{outline:2px solid #111827;outline-offset:-2px}
td.empty{color:#9ca3af;text-align:center}
details summary{cursor:pointer;font-weight:600;margin:8px 0 4px}
`;

const SCRIPT = `
for (const button of document.querySelectorAll('[data-toggle]')) {
  button.addEventListener('click', () => {
    const hidden = button.classList.toggle('off');
    for (const line of document.querySelectorAll('[data-series="' + button.dataset.toggle + '"]')) {
      line.style.display = hidden ? 'none' : '';
    }
  });
}
`;
