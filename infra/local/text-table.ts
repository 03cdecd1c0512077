/** A column of a plain-text table: its heading and whether numbers line up on the right. */
export interface TextColumn {
  heading: string;
  align?: 'left' | 'right';
}

/**
 * A table for the terminal: padded columns, a rule under the headings, two spaces between
 * columns, no trailing spaces.
 */
export function textTable(columns: readonly TextColumn[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((column, index) =>
    Math.max(column.heading.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((column, index) => {
        const cell = cells[index] ?? '';
        const width = widths[index] ?? 0;
        return column.align === 'right' ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((column) => column.heading)),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...rows.map(line),
  ].join('\n');
}

/** A signed number with fixed decimals (`+0.25`, `-1.00`), for R values. */
export function signed(value: number, digits = 2): string {
  const text = value.toFixed(digits);
  return value > 0 || (value === 0 && !text.startsWith('-')) ? `+${text}` : text;
}

/** A share as a percentage with one decimal (`8.7%`). */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
