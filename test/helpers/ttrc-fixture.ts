import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Candle } from '../../lib/types';

const fixturePath = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Indicator values computed by TTR 0.24.3 for `ttrc-daily.csv`; `undefined` where TTR has none. */
export interface TtrReferenceRow {
  date: string;
  tr: number | undefined;
  atr14: number | undefined;
  pdi14: number | undefined;
  mdi14: number | undefined;
  dx14: number | undefined;
  adx14: number | undefined;
  sma20: number | undefined;
  sma50: number | undefined;
  sma200: number | undefined;
  ema12: number | undefined;
  ema20: number | undefined;
  ema26: number | undefined;
}

function readRows(name: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(fixturePath(name), 'utf8').trim().split('\n');
  const [headerLine = '', ...body] = lines;
  return { header: headerLine.split(','), rows: body.map((line) => line.split(',')) };
}

function cell(row: readonly string[], header: readonly string[], column: string): string {
  const index = header.indexOf(column);
  if (index < 0) {
    throw new Error(`fixture has no column ${column}`);
  }
  return row[index] ?? '';
}

function optionalNumber(text: string): number | undefined {
  return text === '' || text === 'NA' ? undefined : Number(text);
}

/** The 5,550 daily ttrc bars, oldest first; `t` is midnight UTC of the bar's date. */
export function loadTtrcCandles(): Candle[] {
  const { header, rows } = readRows('ttrc-daily.csv');
  return rows.map((row) => ({
    t: Date.parse(`${cell(row, header, 'date')}T00:00:00Z`),
    o: Number(cell(row, header, 'open')),
    h: Number(cell(row, header, 'high')),
    l: Number(cell(row, header, 'low')),
    c: Number(cell(row, header, 'close')),
    v: Number(cell(row, header, 'volume')),
  }));
}

/** The TTR reference values, one row per ttrc bar. */
export function loadTtrReference(): TtrReferenceRow[] {
  const { header, rows } = readRows('ttrc-daily-ttr-reference.csv');
  const value = (row: string[], column: string) => optionalNumber(cell(row, header, column));
  return rows.map((row) => ({
    date: cell(row, header, 'date'),
    tr: value(row, 'tr'),
    atr14: value(row, 'atr14'),
    pdi14: value(row, 'pdi14'),
    mdi14: value(row, 'mdi14'),
    dx14: value(row, 'dx14'),
    adx14: value(row, 'adx14'),
    sma20: value(row, 'sma20'),
    sma50: value(row, 'sma50'),
    sma200: value(row, 'sma200'),
    ema12: value(row, 'ema12'),
    ema20: value(row, 'ema20'),
    ema26: value(row, 'ema26'),
  }));
}
