/** How the backtest's reports print numbers. */

/** Fixed digits with an explicit + on positive values; a value that rounds to zero prints unsigned. */
export function signedFixed(value: number, digits: number): string {
  const text = value.toFixed(digits);
  if (Number(text) === 0) return text.replace(/^-/, '');
  return value > 0 ? `+${text}` : text;
}

/** A fraction as a percentage with one decimal: 0.2764 → `27.6%`. */
export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}
