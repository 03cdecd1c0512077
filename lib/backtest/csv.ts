import type { Candle } from '../types';
import type { SignalValue } from './signals';

/**
 * Reading OHLCV bars from CSV text for backtests. The header names the columns (any case, any
 * order): a time column (`date`, `time`, `t`, `timestamp` or `datetime`), `open`, `high`, `low`,
 * `close` (or `o`, `h`, `l`, `c`), optionally `volume` (`v`, `vol`), `signal` (1 long, −1 short,
 * 0 or empty none) and `symbol` (the file then holds one series per symbol). Other columns are
 * ignored. A bar breaks the file rather than being skipped,
 * so that a backtest never silently runs on different data than the file holds.
 */

/** How the time column is written, detected from the first bar and required of every bar. */
export type TimeFormat = 'iso' | 'epoch-ms' | 'epoch-s';

export type CsvErrorReason =
  | 'empty-file'
  | 'missing-column'
  | 'duplicate-column'
  | 'no-bars'
  | 'column-count'
  | 'bad-time'
  | 'not-a-number'
  | 'non-positive-price'
  | 'high-below-low'
  | 'price-outside-range'
  | 'negative-volume'
  | 'bad-signal'
  | 'bad-symbol'
  | 'several-symbols'
  | 'not-in-time-order';

/** A CSV that cannot be read as bars. `line` is 1-based (the header is line 1). */
export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';

  constructor(
    readonly reason: CsvErrorReason,
    readonly line: number,
    /** The column as the header spells it, when one column is at fault. */
    readonly column: string | undefined,
    readonly detail: string,
  ) {
    super(`line ${line}${column === undefined ? '' : `, column ${column}`}: ${detail}`);
  }
}

/** The bars of a CSV file, oldest first, with the file's own signals when it has a `signal` column. */
export interface OhlcvData {
  /** `t` in epoch milliseconds. */
  candles: Candle[];
  /** One per bar when the file has a `signal` column; otherwise undefined. */
  signals: SignalValue[] | undefined;
  timeFormat: TimeFormat;
}

/** One symbol's bars of a CSV file; `symbol` is undefined when the file has no `symbol` column. */
export interface OhlcvSeries extends OhlcvData {
  symbol: string | undefined;
}

type Field = 'time' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'signal' | 'symbol';

const HEADER_ALIASES: Record<string, Field> = {
  date: 'time',
  time: 'time',
  t: 'time',
  timestamp: 'time',
  datetime: 'time',
  open: 'open',
  o: 'open',
  high: 'high',
  h: 'high',
  low: 'low',
  l: 'low',
  close: 'close',
  c: 'close',
  volume: 'volume',
  v: 'volume',
  vol: 'volume',
  signal: 'signal',
  symbol: 'symbol',
};

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const EPOCH = /^\d+(\.\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch numbers at or above this are milliseconds (1973 in ms; the year 5138 in seconds). */
const EPOCH_MS_THRESHOLD = 1e11;

interface Column {
  index: number;
  /** As the header spells it, for messages. */
  label: string;
}

/**
 * Parses OHLCV CSV text into candles (and the file's signals, if any).
 *
 * - The time column may hold ISO dates (`2024-01-31`), ISO date-times (`2024-01-31T13:00:00Z`,
 *   `2024-01-31 13:00`; no zone means UTC), or epoch numbers (milliseconds at or above 1e11,
 *   otherwise seconds). The first bar decides which; every bar must use the same.
 * - Prices must be positive numbers with the high the highest and the low the lowest of the
 *   bar's prices (the rules of the select contract); volume, when present, not negative (an empty
 *   cell means unknown); signal one of 1, −1, 0 (an empty cell is 0).
 * - Bars must be in strictly increasing time order. Blank lines are ignored.
 *
 * @throws CsvFormatError naming the line (1-based, header included) and column of the first fault,
 *   or `several-symbols` when a `symbol` column names more than one (read it with
 *   {@link parseOhlcvSeries}).
 */
export function parseOhlcvCsv(text: string): OhlcvData {
  const [first, second] = parseOhlcvSeries(text);
  if (first === undefined) throw new CsvFormatError('no-bars', 1, undefined, 'the file has no bars');
  if (second !== undefined) {
    throw new CsvFormatError(
      'several-symbols',
      1,
      'symbol',
      `the file holds several symbols (${first.symbol}, ${second.symbol}, …) where one series was expected`,
    );
  }
  const { candles, signals, timeFormat } = first;
  return { candles, signals, timeFormat };
}

/**
 * Parses OHLCV CSV text into one series per symbol, as {@link parseOhlcvCsv} reads one. Without a
 * `symbol` column the file is one series (symbol undefined). With one, rows are grouped by their
 * symbol (in order of first appearance; a symbol must not be empty), rows of different symbols
 * may interleave, and each symbol's bars must be in strictly increasing time order.
 *
 * @throws CsvFormatError naming the line (1-based, header included) and column of the first fault.
 */
export function parseOhlcvSeries(text: string): OhlcvSeries[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = lines[0] ?? '';
  if (headerLine.trim() === '') throw new CsvFormatError('empty-file', 1, undefined, 'no header row');
  const header = splitRow(headerLine);
  const columns = mapHeader(header);
  const time = requiredColumn(columns, 'time');
  const open = requiredColumn(columns, 'open');
  const high = requiredColumn(columns, 'high');
  const low = requiredColumn(columns, 'low');
  const close = requiredColumn(columns, 'close');
  const volume = columns.get('volume');
  const signal = columns.get('signal');
  const symbolColumn = columns.get('symbol');

  const series = new Map<string | undefined, { candles: Candle[]; signals: SignalValue[] | undefined }>();
  let timeFormat: TimeFormat | undefined;
  for (let index = 1; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    if (raw.trim() === '') continue;
    const line = index + 1;
    const cells = splitRow(raw);
    if (cells.length !== header.length) {
      throw new CsvFormatError(
        'column-count',
        line,
        undefined,
        `expected ${header.length} columns as in the header, found ${cells.length}`,
      );
    }
    const cell = (column: Column) => cells[column.index] ?? '';

    const symbol = symbolColumn === undefined ? undefined : cell(symbolColumn);
    if (symbolColumn !== undefined && symbol === '') {
      throw new CsvFormatError('bad-symbol', line, symbolColumn.label, 'the symbol is empty');
    }
    timeFormat ??= detectTimeFormat(cell(time), line, time.label);
    const t = parseTime(cell(time), timeFormat, line, time.label);
    const o = parsePrice(cell(open), line, open.label);
    const h = parsePrice(cell(high), line, high.label);
    const l = parsePrice(cell(low), line, low.label);
    const c = parsePrice(cell(close), line, close.label);
    if (h < l) throw new CsvFormatError('high-below-low', line, high.label, `high ${h} is below low ${l}`);
    if (h < Math.max(o, c)) {
      throw new CsvFormatError(
        'price-outside-range',
        line,
        high.label,
        `high ${h} is below the open or close`,
      );
    }
    if (l > Math.min(o, c)) {
      throw new CsvFormatError('price-outside-range', line, low.label, `low ${l} is above the open or close`);
    }
    const v = volume === undefined ? undefined : parseVolume(cell(volume), line, volume.label);

    let target = series.get(symbol);
    if (target === undefined) {
      target = { candles: [], signals: signal === undefined ? undefined : [] };
      series.set(symbol, target);
    }
    const previous = target.candles.at(-1);
    if (previous !== undefined && t <= previous.t) {
      throw new CsvFormatError(
        'not-in-time-order',
        line,
        time.label,
        `time ${cell(time)} is not after the previous bar's${symbol === undefined ? '' : ` of ${symbol}`}; ` +
          'bars must be oldest first with no repeats',
      );
    }
    target.candles.push(v === undefined ? { t, o, h, l, c } : { t, o, h, l, c, v });
    if (target.signals !== undefined && signal !== undefined)
      target.signals.push(parseSignal(cell(signal), line, signal.label));
  }
  if (series.size === 0 || timeFormat === undefined) {
    throw new CsvFormatError('no-bars', lines.length, undefined, 'the file has a header but no bars');
  }
  const format = timeFormat;
  return [...series].map(([symbol, { candles, signals }]) => ({
    symbol,
    candles,
    signals,
    timeFormat: format,
  }));
}

/** Commas separate cells; a cell may be wrapped in double quotes (which are dropped). */
function splitRow(row: string): string[] {
  return row.split(',').map((cell) =>
    cell
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
}

function mapHeader(header: readonly string[]): Map<Field, Column> {
  const columns = new Map<Field, Column>();
  header.forEach((label, index) => {
    const field = HEADER_ALIASES[label.toLowerCase()];
    if (field === undefined) return;
    const existing = columns.get(field);
    if (existing !== undefined) {
      throw new CsvFormatError(
        'duplicate-column',
        1,
        label,
        `columns ${existing.label} and ${label} both give the bar's ${field}`,
      );
    }
    columns.set(field, { index, label });
  });
  return columns;
}

function requiredColumn(columns: Map<Field, Column>, field: Field): Column {
  const column = columns.get(field);
  if (column === undefined) {
    const expected = field === 'time' ? 'date, time or t' : field;
    throw new CsvFormatError('missing-column', 1, field, `the header has no ${expected} column`);
  }
  return column;
}

function detectTimeFormat(text: string, line: number, label: string): TimeFormat {
  if (EPOCH.test(text)) return Number(text) >= EPOCH_MS_THRESHOLD ? 'epoch-ms' : 'epoch-s';
  if (ISO.test(text)) return 'iso';
  throw new CsvFormatError(
    'bad-time',
    line,
    label,
    `'${text}' is neither an ISO date/date-time nor epoch seconds/milliseconds`,
  );
}

function parseTime(text: string, format: TimeFormat, line: number, label: string): number {
  if (format !== 'iso') {
    if (!EPOCH.test(text)) {
      throw new CsvFormatError(
        'bad-time',
        line,
        label,
        `'${text}' is not an epoch number like the first bar's`,
      );
    }
    return format === 'epoch-ms' ? Number(text) : Number(text) * 1000;
  }
  const match = ISO.exec(text);
  if (match === null) {
    throw new CsvFormatError('bad-time', line, label, `'${text}' is not an ISO date like the first bar's`);
  }
  const [, year, month, day, hour, , , zone] = match;
  const normalized = `${text.slice(0, 10)}T${hour === undefined ? '00:00' : text.slice(11)}`;
  const t = Date.parse(zone === undefined ? `${normalized}Z` : normalized);
  // Date.parse rolls 2024-02-30 over into March; a calendar date must survive the round trip.
  const date = new Date(zone === undefined ? t : Date.parse(`${text.slice(0, 10)}T00:00:00Z`));
  if (
    !Number.isFinite(t) ||
    date.getUTCFullYear() !== Number(year) ||
    date.getUTCMonth() + 1 !== Number(month) ||
    date.getUTCDate() !== Number(day)
  ) {
    throw new CsvFormatError('bad-time', line, label, `'${text}' is not a valid date`);
  }
  return t;
}

function parseNumber(text: string, line: number, label: string): number {
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new CsvFormatError('not-a-number', line, label, `'${text}' is not a number`);
  }
  return value;
}

function parsePrice(text: string, line: number, label: string): number {
  const value = parseNumber(text, line, label);
  if (value <= 0)
    throw new CsvFormatError('non-positive-price', line, label, `price ${text} is not positive`);
  return value;
}

function parseVolume(text: string, line: number, label: string): number | undefined {
  if (text === '') return undefined;
  const value = parseNumber(text, line, label);
  if (value < 0) throw new CsvFormatError('negative-volume', line, label, `volume ${text} is negative`);
  return value;
}

function parseSignal(text: string, line: number, label: string): SignalValue {
  if (text === '') return 0;
  const value = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (value === 1 || value === -1) return value;
  if (value === 0) return 0;
  throw new CsvFormatError(
    'bad-signal',
    line,
    label,
    `signal '${text}' is not 1 (long), -1 (short) or 0 (none)`,
  );
}
