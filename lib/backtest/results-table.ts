import { WALK_FORWARD_POLICY_NAME } from './comparators';
import { percent, signedFixed } from './number-format';
import type { BacktestResult, PolicyComparison, PolicyResult } from './result';

/** The plain-text tables the command prints, and the choices of rows they share with the HTML report. */

const TREND_RIDER = 'static:trend_rider';

/** The static policy with the best mean R over the whole run: chosen in hindsight. */
export function bestStatic(policies: readonly PolicyResult[]): PolicyResult | undefined {
  let best: PolicyResult | undefined;
  for (const policy of policies) {
    if (!policy.name.startsWith('static:')) continue;
    if (best === undefined || policy.summary.meanR > best.summary.meanR) best = policy;
  }
  return best;
}

/** What a row is, beside its name: the oracle is in-sample, the best static chosen in hindsight. */
export function policyNote(result: BacktestResult, policy: PolicyResult): string {
  if (policy.basis === 'in-sample') return 'in-sample: best static per regime in hindsight';
  if (policy.name === WALK_FORWARD_POLICY_NAME) return 'causal: best static so far';
  if (policy.name === bestStatic(result.policies)?.name) return 'best static (in hindsight)';
  return '';
}

/**
 * The comparisons worth a line of text: each policy that is not static, against the walk-forward
 * comparator, static trend_rider (the default's anchor) and the best static in hindsight.
 */
export function headlineComparisons(result: BacktestResult): PolicyComparison[] {
  const best = bestStatic(result.policies)?.name;
  const baselines = [
    ...new Set([WALK_FORWARD_POLICY_NAME, TREND_RIDER, ...(best === undefined ? [] : [best])]),
  ];
  return result.policies
    .filter((policy) => !policy.name.startsWith('static:'))
    .flatMap((policy) =>
      baselines.flatMap(
        (baseline) =>
          result.comparisons.find((c) => c.policy === policy.name && c.baseline === baseline) ?? [],
      ),
    );
}

/** Aligns rows under a header: the first column left, the others right. */
function table(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column < leftColumns || column === header.length - 1
          ? cell.padEnd(width)
          : cell.padStart(width);
      })
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * The policies side by side over the whole run: trades, mean R, total R, win rate, max drawdown
 * in R, the share of decisions that were exploration draws, and what the row is (in-sample,
 * best in hindsight, causal comparator).
 */
export function formatResultsTable(result: BacktestResult): string {
  const rows = result.policies.map((policy) => {
    const { trades, meanR, totalR, winRate, maxDrawdownR } = policy.summary;
    return [
      policy.name,
      String(trades),
      signedFixed(meanR, 4),
      signedFixed(totalR, 2),
      percent(winRate),
      maxDrawdownR.toFixed(2),
      percent(policy.explorationRate),
      policyNote(result, policy),
    ];
  });
  return table(['policy', 'trades', 'mean R', 'total R', 'win rate', 'max DD R', 'explored', 'note'], rows);
}

/**
 * Mean R per trade of each symbol for the default, the seed, trend_rider, the symbol's own best
 * static (in hindsight, named) and the walk-forward comparator.
 */
export function formatSymbolTable(result: BacktestResult): string {
  const named = (name: string) => result.policies.find((policy) => policy.name === name);
  const columns = ['default', 'seed', TREND_RIDER, WALK_FORWARD_POLICY_NAME]
    .map(named)
    .filter((policy): policy is PolicyResult => policy !== undefined);
  const statics = result.policies.filter((policy) => policy.name.startsWith('static:'));
  const rows = result.symbols.map((run) => {
    const cells = columns.map((policy) => signedFixed(policy.symbols[run.symbol]?.meanR ?? 0, 4));
    let best: { name: string; meanR: number } | undefined;
    for (const policy of statics) {
      const meanR = policy.symbols[run.symbol]?.meanR ?? 0;
      if (best === undefined || meanR > best.meanR) best = { name: policy.name, meanR };
    }
    const bestCell = best === undefined ? '' : `${signedFixed(best.meanR, 4)} ${best.name.slice(7)}`;
    return [run.symbol, String(run.signals), ...cells, bestCell];
  });
  return table(
    ['symbol', 'signals', ...columns.map((policy) => policy.name), 'best static (in hindsight)'],
    rows,
  );
}

/** The paired comparisons of {@link headlineComparisons}, one per line. */
export function formatComparisonTable(result: BacktestResult): string {
  const comparisons = headlineComparisons(result);
  const level = comparisons[0]?.level ?? 0.95;
  const rows = comparisons.map((c) => [
    c.policy,
    c.baseline,
    String(c.trades),
    signedFixed(c.meanDiffR, 4),
    `[${signedFixed(c.lowerR, 4)}, ${signedFixed(c.upperR, 4)}]`,
    verdict(c),
  ]);
  return table(
    ['policy', 'vs', 'signals', 'diff R', `${Math.round(level * 100)}% interval`, 'verdict'],
    rows,
    2,
  );
}

/** One comparison in words: which way the interval points, or how much evidence it lacks. */
export function verdict(comparison: PolicyComparison): string {
  const { lowerR, upperR, moreTradesToExcludeZero: more, meanDiffR } = comparison;
  if (lowerR > 0) return 'better';
  if (upperR < 0) return 'worse';
  if (more === null) return meanDiffR === 0 && lowerR === 0 && upperR === 0 ? 'identical' : 'no difference';
  return `unclear: ~${more.toLocaleString('en-US')} more signals to tell`;
}
