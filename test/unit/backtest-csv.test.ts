import { describe, expect, it } from 'vitest';
import { type CsvErrorReason, CsvFormatError, parseOhlcvCsv, parseOhlcvSeries } from '../../lib/backtest/csv';

const csv = (...lines: string[]) => lines.join('\n');

function failure(text: string): CsvFormatError {
  try {
    parseOhlcvCsv(text);
  } catch (error) {
    if (error instanceof CsvFormatError) return error;
    throw error;
  }
  throw new Error('expected the CSV to be rejected');
}

describe('parseOhlcvCsv', () => {
  it('reads ISO dates as UTC midnight, with volume, in file order', () => {
    const data = parseOhlcvCsv(
      csv('date,open,high,low,close,volume', '2024-01-02,10,11,9,10.5,1000', '2024-01-03,10.5,12,10,11,'),
    );
    expect(data.timeFormat).toBe('iso');
    expect(data.signals).toBeUndefined();
    expect(data.candles).toEqual([
      { t: Date.UTC(2024, 0, 2), o: 10, h: 11, l: 9, c: 10.5, v: 1000 },
      { t: Date.UTC(2024, 0, 3), o: 10.5, h: 12, l: 10, c: 11 },
    ]);
  });

  it('accepts headers in any case and order, short names, quotes, CRLF and blank lines', () => {
    const data = parseOhlcvCsv(
      '\uFEFFClose,"T",H,L,O,Extra\r\n11,1700000000000,12,9,10,x\r\n\r\n12,1700000060000,13,10,11,y\r\n',
    );
    expect(data.timeFormat).toBe('epoch-ms');
    expect(data.candles).toEqual([
      { t: 1_700_000_000_000, o: 10, h: 12, l: 9, c: 11 },
      { t: 1_700_000_060_000, o: 11, h: 13, l: 10, c: 12 },
    ]);
  });

  it('detects epoch seconds and converts them to milliseconds', () => {
    const data = parseOhlcvCsv(
      csv('time,open,high,low,close', '1700000000,1,2,1,1.5', '1700003600,1.5,2,1,1'),
    );
    expect(data.timeFormat).toBe('epoch-s');
    expect(data.candles.map((c) => c.t)).toEqual([1_700_000_000_000, 1_700_003_600_000]);
  });

  it('reads ISO date-times, zoneless as UTC', () => {
    const data = parseOhlcvCsv(
      csv(
        'datetime,open,high,low,close',
        '2024-01-02 13:00,1,2,1,1',
        '2024-01-02T14:00:00Z,1,2,1,1',
        '2024-01-02T16:00:00+01:00,1,2,1,1',
      ),
    );
    expect(data.candles.map((c) => c.t)).toEqual([
      Date.UTC(2024, 0, 2, 13),
      Date.UTC(2024, 0, 2, 14),
      Date.UTC(2024, 0, 2, 15),
    ]);
  });

  it('reads a signal column, an empty cell as no signal', () => {
    const data = parseOhlcvCsv(
      csv(
        'date,open,high,low,close,Signal',
        '2024-01-02,1,2,1,1,1',
        '2024-01-03,1,2,1,1,',
        '2024-01-04,1,2,1,1,-1',
      ),
    );
    expect(data.signals).toEqual([1, 0, -1]);
  });

  const header = 'date,open,high,low,close,volume,signal';
  const good = '2024-01-02,10,11,9,10,100,0';
  const cases: { name: string; row: string; reason: CsvErrorReason; column: string | undefined }[] = [
    { name: 'too few columns', row: '2024-01-03,10,11,9,10,100', reason: 'column-count', column: undefined },
    {
      name: 'too many columns',
      row: '2024-01-03,10,11,9,10,100,0,7',
      reason: 'column-count',
      column: undefined,
    },
    {
      name: 'a non-numeric price',
      row: '2024-01-03,10,abc,9,10,100,0',
      reason: 'not-a-number',
      column: 'high',
    },
    { name: 'an empty price', row: '2024-01-03,10,11,,10,100,0', reason: 'not-a-number', column: 'low' },
    {
      name: 'an infinite price',
      row: '2024-01-03,Infinity,11,9,10,100,0',
      reason: 'not-a-number',
      column: 'open',
    },
    {
      name: 'a zero price',
      row: '2024-01-03,10,11,9,0,100,0',
      reason: 'non-positive-price',
      column: 'close',
    },
    {
      name: 'a negative price',
      row: '2024-01-03,-10,11,9,10,100,0',
      reason: 'non-positive-price',
      column: 'open',
    },
    {
      name: 'a high below the low',
      row: '2024-01-03,10,9,11,10,100,0',
      reason: 'high-below-low',
      column: 'high',
    },
    {
      name: 'a close above the high',
      row: '2024-01-03,10,11,9,12,100,0',
      reason: 'price-outside-range',
      column: 'high',
    },
    {
      name: 'an open below the low',
      row: '2024-01-03,8,11,9,10,100,0',
      reason: 'price-outside-range',
      column: 'low',
    },
    {
      name: 'a negative volume',
      row: '2024-01-03,10,11,9,10,-1,0',
      reason: 'negative-volume',
      column: 'volume',
    },
    { name: 'a signal of 2', row: '2024-01-03,10,11,9,10,100,2', reason: 'bad-signal', column: 'signal' },
    {
      name: 'a signal of "buy"',
      row: '2024-01-03,10,11,9,10,100,buy',
      reason: 'bad-signal',
      column: 'signal',
    },
    { name: 'an impossible date', row: '2024-02-30,10,11,9,10,100,0', reason: 'bad-time', column: 'date' },
    {
      name: 'a time in another format',
      row: '1704240000000,10,11,9,10,100,0',
      reason: 'bad-time',
      column: 'date',
    },
    { name: 'a repeated time', row: good, reason: 'not-in-time-order', column: 'date' },
    {
      name: 'an earlier time',
      row: '2024-01-01,10,11,9,10,100,0',
      reason: 'not-in-time-order',
      column: 'date',
    },
  ];
  for (const { name, row, reason, column } of cases) {
    it(`rejects ${name} with its line number and column`, () => {
      const error = failure(csv(header, good, '', row, good));
      expect(error.reason).toBe(reason);
      expect(error.line).toBe(4);
      expect(error.column).toBe(column);
      expect(error.message).toMatch(/^line 4(, column \w+)?: /);
    });
  }

  it('names the header column as the file spells it', () => {
    const error = failure(csv('Date,Open,HIGH,Low,Close', '2024-01-02,1,x,1,1'));
    expect(error).toMatchObject({ line: 2, column: 'HIGH', reason: 'not-a-number' });
  });

  it('rejects a header without a time column, or without a price column', () => {
    expect(failure(csv('open,high,low,close', '1,2,1,1'))).toMatchObject({
      reason: 'missing-column',
      line: 1,
      column: 'time',
    });
    expect(failure(csv('date,open,high,close', '2024-01-02,1,2,1'))).toMatchObject({
      reason: 'missing-column',
      line: 1,
      column: 'low',
    });
  });

  it('rejects two columns for the same field', () => {
    expect(failure(csv('date,t,open,high,low,close', '2024-01-02,1,1,2,1,1'))).toMatchObject({
      reason: 'duplicate-column',
      line: 1,
      column: 't',
    });
  });

  it('rejects an empty file and a file with no bars', () => {
    expect(failure('')).toMatchObject({ reason: 'empty-file', line: 1 });
    expect(failure('date,open,high,low,close\n')).toMatchObject({ reason: 'no-bars' });
  });

  it('rejects a first time that is neither ISO nor epoch', () => {
    expect(failure(csv('date,open,high,low,close', '02/01/2024,1,2,1,1'))).toMatchObject({
      reason: 'bad-time',
      line: 2,
      column: 'date',
    });
  });
});

describe('parseOhlcvSeries', () => {
  it('reads a file without a symbol column as one series with no symbol', () => {
    const series = parseOhlcvSeries(csv('date,open,high,low,close', '2024-01-02,1,2,1,1'));
    expect(series.map((s) => [s.symbol, s.candles.length])).toEqual([[undefined, 1]]);
  });

  it('splits a symbol column into one series per symbol, each with its own signals and time order', () => {
    const series = parseOhlcvSeries(
      csv(
        't,symbol,open,high,low,close,signal',
        '1700000000000,BTC,10,11,9,10,1',
        '1700000000000,ETH,1,2,1,1,0',
        '1700000060000,BTC,10,11,9,10,-1',
        '1700000060000,ETH,1,2,1,1,1',
        '1700000120000,ETH,1,2,1,1,0',
      ),
    );
    expect(series.map((s) => [s.symbol, s.candles.map((c) => c.t), s.signals])).toEqual([
      ['BTC', [1_700_000_000_000, 1_700_000_060_000], [1, -1]],
      ['ETH', [1_700_000_000_000, 1_700_000_060_000, 1_700_000_120_000], [0, 1, 0]],
    ]);
  });

  it("rejects a symbol's bars out of time order, naming the symbol, and an empty symbol", () => {
    const outOfOrder = () =>
      parseOhlcvSeries(
        csv(
          't,symbol,open,high,low,close',
          '1700000060000,BTC,1,2,1,1',
          '1700000000000,ETH,1,2,1,1',
          '1700000000000,BTC,1,2,1,1',
        ),
      );
    expect(outOfOrder).toThrow(/line 4, column t: .* of BTC/);
    expect(() => parseOhlcvSeries(csv('t,symbol,open,high,low,close', '1700000000000,,1,2,1,1'))).toThrow(
      /line 2, column symbol: the symbol is empty/,
    );
  });

  it('makes parseOhlcvCsv refuse a file of several symbols', () => {
    expect(
      failure(csv('t,symbol,open,high,low,close', '1700000000000,A,1,2,1,1', '1700000000000,B,1,2,1,1')),
    ).toMatchObject({ reason: 'several-symbols', column: 'symbol' });
  });
});
