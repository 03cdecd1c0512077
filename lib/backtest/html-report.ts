import { REGIMES, type RegimeName, STRATEGY_IDS, type StrategyId } from '../types';
import { type BacktestResult, type LearnedCell, ORACLE_POLICY_NAME, type PolicyResult } from './engine';
import type { BacktestDataInfo } from './json-report';
import { percent, signedFixed } from './number-format';

/**
 * The `--html` report: one self-contained page (inline CSS, SVG and a few lines of script, no
 * network) with the results table, the equity curve of every policy, the default policy's learned
 * values as a regime × strategy heatmap next to the hindsight truth, and a per-regime breakdown.
 */

const PALETTE = [
  '#1d4ed8',
  '#ea580c',
  '#0f766e',
  '#a21caf',
  '#65a30d',
  '#b45309',
  '#0891b2',
  '#be123c',
  '#4d7c0f',
  '#7c3aed',
  '#475569',
];
const ORACLE_COLOR = '#111827';

interface Frame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
  fromT: number;
  toT: number;
  minR: number;
  maxR: number;
}

/** The HTML report of a run. Every text from the data (file name, policy names) is escaped. */
export function renderHtmlReport(result: BacktestResult, data: BacktestDataInfo): string {
  const fromT = Date.parse(data.from);
  const toT = Math.max(Date.parse(data.to), fromT + 1);
  const [minR, maxR] = rRange(result.policies);
  const colors = new Map(
    result.policies.map((policy, index) => [
      policy.name,
      policy.name === ORACLE_POLICY_NAME ? ORACLE_COLOR : (PALETTE[index % PALETTE.length] ?? ORACLE_COLOR),
    ]),
  );
  const color = (policy: PolicyResult) => colors.get(policy.name) ?? ORACLE_COLOR;
  const big: Frame = {
    width: 960,
    height: 380,
    margin: { top: 16, right: 16, bottom: 32, left: 56 },
    fromT,
    toT,
    minR,
    maxR,
  };
  const small: Frame = {
    ...big,
    width: 300,
    height: 150,
    margin: { top: 8, right: 8, bottom: 24, left: 44 },
  };
  const defaultPolicy = result.policies.find((policy) => policy.name === 'default') ?? result.policies[0];
  const oracle = result.policies.find((policy) => policy.name === ORACLE_POLICY_NAME);

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
<h2>Results</h2>
${resultsTable(result, color)}
<p class="note">R is profit over the trade's initial risk (entry to initial stop). Max DD R is the largest fall of
cumulative R from a previous peak, trades taken in the order they closed. Every policy trades the same signals;
a learner sees a trade's reward only on the bar the trade closed.</p>
<h2>Equity curves</h2>
<p class="note">Cumulative R at each trade's close. Click a name to hide or show its curve.</p>
<div class="legend">${result.policies
    .map(
      (policy, index) =>
        `<button type="button" data-toggle="${index}" style="--c:${color(policy)}">${escapeHtml(policy.name)}</button>`,
    )
    .join('')}</div>
${equityChart(result.policies, big, color, true)}
<div class="grid">${result.policies
    .map(
      (policy) =>
        `<figure><figcaption>${escapeHtml(policy.name)} <span>${signedFixed(policy.summary.totalR, 2)} R</span></figcaption>${equityChart([policy], small, color, false)}</figure>`,
    )
    .join('')}</div>
${
  defaultPolicy === undefined
    ? ''
    : `<h2>What <code>${escapeHtml(defaultPolicy.name)}</code> learned (regime × strategy)</h2>
<p class="note">Each cell: the learner's value for the arm at the end of the run, and its evidence (real trades · counterfactual
updates). Green is positive, red negative. Faded cells are strategies that are not candidates in that regime (they may
still learn from counterfactual updates).</p>
${heatmap(defaultPolicy.learned, undefined)}`
}
${
  oracle === undefined
    ? ''
    : `<h2>Hindsight: mean R of each static strategy per regime</h2>
<p class="note">Regimes as <code>${escapeHtml(result.regimesFrom ?? '')}</code> detected them. The outlined cell is the
oracle's choice: the strategy with the highest total R over the regime's trades.</p>
${heatmap(oracle.learned, result.oracleChoices)}`
}
<h2>Mean R per regime</h2>
${regimeTable(result)}
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function dataSummary(data: BacktestDataInfo, result: BacktestResult): string {
  const rows: [string, string][] = [
    ['Data', data.file],
    ['Bars', `${data.bars} (${data.from.slice(0, 10)} to ${data.to.slice(0, 10)})`],
    ['Signals', `${data.signals} (${data.signalRule})`],
    ['Horizon', `${data.horizonBars} bars`],
    ['Detector window', `${data.lookbackBars} bars`],
    ['Seed', String(data.seed)],
    ['Symbols', result.symbols.map((s) => s.symbol).join(', ')],
  ];
  return `<dl class="summary">${rows.map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

function resultsTable(result: BacktestResult, color: (policy: PolicyResult) => string): string {
  const contenders = result.policies.filter((policy) => policy.name !== ORACLE_POLICY_NAME);
  const bestMean = Math.max(...contenders.map((policy) => policy.summary.meanR));
  const rows = result.policies.map((policy) => {
    const { trades, meanR, totalR, winRate, maxDrawdownR } = policy.summary;
    const best = policy.name !== ORACLE_POLICY_NAME && meanR === bestMean ? ' class="best"' : '';
    return `<tr${best}><th scope="row"><span class="swatch" style="background:${color(policy)}"></span>${escapeHtml(policy.name)}</th>
<td>${trades}</td><td>${signedFixed(meanR, 4)}</td><td>${signedFixed(totalR, 2)}</td><td>${percent(winRate)}</td>
<td>${maxDrawdownR.toFixed(2)}</td><td>${percent(policy.explorationRate)}</td><td>${policy.skippedSignals}</td></tr>`;
  });
  return `<table class="results"><thead><tr><th>Policy</th><th>Trades</th><th>Mean R</th><th>Total R</th><th>Win rate</th>
<th>Max DD R</th><th>Explored</th><th>Skipped</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function equityChart(
  policies: readonly PolicyResult[],
  frame: Frame,
  color: (policy: PolicyResult) => string,
  withSeriesIds: boolean,
): string {
  const { width, height, margin } = frame;
  const x = (t: number) =>
    margin.left + ((t - frame.fromT) / (frame.toT - frame.fromT)) * (width - margin.left - margin.right);
  const y = (r: number) =>
    margin.top + ((frame.maxR - r) / (frame.maxR - frame.minR)) * (height - margin.top - margin.bottom);
  const yTicks = ticks(frame.minR, frame.maxR, height > 200 ? 6 : 4);
  const xTicks = timeTicks(frame.fromT, frame.toT, width > 500 ? 8 : 3);

  const grid = yTicks
    .map(
      (r) =>
        `<line class="${r === 0 ? 'zero' : 'grid'}" x1="${margin.left}" x2="${width - margin.right}" y1="${fmt(y(r))}" y2="${fmt(y(r))}"/>` +
        `<text class="tick" x="${margin.left - 6}" y="${fmt(y(r) + 4)}" text-anchor="end">${r}</text>`,
    )
    .join('');
  const anchor = (index: number) => (index === 0 ? 'start' : index === xTicks.length - 1 ? 'end' : 'middle');
  const axis = xTicks
    .map(
      (t, index) =>
        `<text class="tick" x="${fmt(x(t))}" y="${height - margin.bottom + 16}" text-anchor="${anchor(index)}">${escapeHtml(
          new Date(t).toISOString().slice(0, width > 500 ? 7 : 4),
        )}</text>`,
    )
    .join('');
  const lines = policies
    .map((policy) => {
      let previous = 0;
      const points = [`${fmt(x(frame.fromT))},${fmt(y(0))}`];
      for (const point of policy.equity) {
        points.push(
          `${fmt(x(point.t))},${fmt(y(previous))}`,
          `${fmt(x(point.t))},${fmt(y(point.cumulativeR))}`,
        );
        previous = point.cumulativeR;
      }
      points.push(`${fmt(x(frame.toT))},${fmt(y(previous))}`);
      const id = withSeriesIds ? ` data-series="${policyIndex(policies, policy)}"` : '';
      const dash = policy.name === ORACLE_POLICY_NAME ? ' stroke-dasharray="6 4"' : '';
      const emphasis = policy.name === 'default' || policy.name === 'seed' ? 1 : 0;
      return `<polyline${id} fill="none" stroke="${color(policy)}" stroke-width="${(withSeriesIds ? 1.4 : 1.2) + emphasis}"${dash} points="${points.join(' ')}"><title>${escapeHtml(policy.name)}</title></polyline>`;
    })
    .join('');
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="cumulative R">${grid}${axis}${lines}</svg>`;
}

function policyIndex(policies: readonly PolicyResult[], policy: PolicyResult): number {
  return policies.indexOf(policy);
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

function regimeTable(result: BacktestResult): string {
  const regimes = REGIMES.filter((regime) =>
    result.policies.some((policy) => policy.regimes[regime] !== undefined),
  );
  const header = `<tr><th>Policy</th>${regimes.map((regime) => `<th>${regime}</th>`).join('')}</tr>`;
  const rows = result.policies.map((policy) => {
    const tds = regimes.map((regime) => {
      const summary = policy.regimes[regime];
      return summary === undefined
        ? '<td class="empty">–</td>'
        : `<td>${signedFixed(summary.meanR, 3)} <small>(${summary.trades})</small></td>`;
    });
    return `<tr><th scope="row">${escapeHtml(policy.name)}</th>${tds.join('')}</tr>`;
  });
  return `<table class="results"><thead>${header}</thead><tbody>${rows.join('\n')}</tbody></table>
<p class="note">Mean R per trade (number of trades) by the regime each policy detected at entry.</p>`;
}

function rRange(policies: readonly PolicyResult[]): [number, number] {
  let min = 0;
  let max = 0;
  for (const policy of policies) {
    for (const point of policy.equity) {
      min = Math.min(min, point.cumulativeR);
      max = Math.max(max, point.cumulativeR);
    }
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
  for (let value = Math.ceil(min / step) * step; value <= max; value += step) {
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
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:right}
th:first-child,thead th{text-align:left}thead th{border-bottom:2px solid #9ca3af}
tr.best td,tr.best th{font-weight:700;background:#eff6ff}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
.legend{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.legend button{font:inherit;font-size:12px;border:1px solid #d1d5db;background:#fff;border-radius:12px;padding:2px 10px 2px 8px;cursor:pointer}
.legend button::before{content:"";display:inline-block;width:10px;height:3px;background:var(--c);margin-right:6px;vertical-align:middle}
.legend button.off{opacity:.4;text-decoration:line-through}
svg{max-width:100%;height:auto;display:block}
svg .grid{stroke:#e5e7eb}svg .zero{stroke:#9ca3af}svg .tick{font-size:11px;fill:#6b7280}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px;margin-top:16px}
figure{margin:0;border:1px solid #e5e7eb;border-radius:6px;padding:6px}
figcaption{font-size:12px;font-weight:600;display:flex;justify-content:space-between}
figcaption span{font-weight:400;color:#4b5563}
table.heatmap td{text-align:center;min-width:92px;border:1px solid #fff}
table.heatmap td b{display:block;font-weight:600}table.heatmap td small{color:#374151;font-size:11px}
table.heatmap td.off{opacity:.45}table.heatmap td.chosen{outline:2px solid #111827;outline-offset:-2px}
td.empty{color:#9ca3af;text-align:center}
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
