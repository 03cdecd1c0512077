import type { BacktestResult } from './engine';
import { percent, signedFixed } from './number-format';

const COLUMNS = ['policy', 'trades', 'mean R', 'total R', 'win rate', 'max DD R', 'explored'] as const;

/**
 * The policies side by side as a plain-text table (what the command prints): trades, mean R,
 * total R, win rate, max drawdown in R, and the share of decisions that were exploration draws.
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
    ];
  });
  const widths = COLUMNS.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return column === 0 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ');
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(COLUMNS), rule, ...rows.map(line)].join('\n');
}
