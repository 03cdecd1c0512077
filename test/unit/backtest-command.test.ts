import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BacktestCommandIo, parseBacktestArgs, runBacktestCommand } from '../../lib/backtest/command';
import { parseOhlcvCsv } from '../../lib/backtest/csv';
import { reversionSignals } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { STRATEGY_IDS } from '../../lib/types';
import { CRYPTO_PAIRS, cryptoFixturePath } from '../helpers/crypto-fixture';

/** The first 900 ttrc bars, as the file's own text. */
const FIXTURE_SLICE = readFileSync(
  fileURLToPath(new URL('../fixtures/ttrc-daily.csv', import.meta.url)),
  'utf8',
)
  .split('\n')
  .slice(0, 901)
  .join('\n');

/** An in-memory file system and captured output. */
function fakeIo(files: Record<string, string>, overrides: Partial<BacktestCommandIo> = {}) {
  const written = new Map<string, string>();
  const out: string[] = [];
  const err: string[] = [];
  const progress: number[] = [];
  let clock = 0;
  const io: BacktestCommandIo = {
    readText: async (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
    listDirectory: async (path) => {
      const prefix = `${path}/`;
      const names = Object.keys(files).filter((name) => name.startsWith(prefix));
      if (names.length === 0) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return names.map((name) => name.slice(prefix.length));
    },
    writeText: async (path, text) => {
      written.set(path, text);
    },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    config: () => loadConfig(ENV_DEFAULTS),
    now: () => {
      clock += 250;
      return clock;
    },
    progress: {
      start: (total) => progress.push(-total),
      update: (value) => progress.push(value),
      stop: () => {},
    },
    ...overrides,
  };
  return { io, written, progress, stdout: () => out.join(''), stderr: () => err.join('') };
}

const POLICY_NAMES = [
  'default',
  'seed',
  ...STRATEGY_IDS.map((strategy) => `static:${strategy}`),
  'walkforward:best-static',
  'oracle:regime-in-hindsight',
];

describe('npm run backtest', () => {
  it('prints every policy side by side and writes the JSON and HTML reports', async () => {
    const run = fakeIo({ 'ttrc.csv': FIXTURE_SLICE });
    const code = await runBacktestCommand(
      ['--data', 'ttrc.csv', '--json', 'out.json', '--html', 'out.html', '--seed', '3'],
      run.io,
    );
    expect(code).toBe(0);
    expect(run.stderr()).toBe('');
    const stdout = run.stdout();
    expect(stdout).toMatch(
      /^ttrc\.csv: 900 bars 1985-01-02 to .*built-in ema-cross: EMA\(12\)\/EMA\(26\) crossover.*seed 3/,
    );
    expect(stdout).toMatch(/policy +trades +mean R +total R +win rate +max DD R/);
    for (const name of POLICY_NAMES) expect(stdout).toMatch(new RegExp(`\\n${name} +\\d+ `));
    expect(stdout).toContain('wrote out.json\nwrote out.html\n');
    expect([...run.written.keys()]).toEqual(['out.json', 'out.html']);
    expect(run.progress[0]).toBe(-900);
    expect(run.progress.at(-1)).toBe(900);
  });

  it('writes the JSON report in the contract shape, each policy holding exactly its five figures', async () => {
    const run = fakeIo({ 'ttrc.csv': FIXTURE_SLICE });
    await runBacktestCommand(
      ['--data', 'ttrc.csv', '--json', 'out.json', '--horizon', '20', '--lookback', '250'],
      run.io,
    );
    const report = JSON.parse(run.written.get('out.json') ?? '{}');
    expect(Object.keys(report)).toEqual(['data', 'policies', 'symbols', 'comparisons', 'details']);
    expect(report.data).toEqual({
      file: 'ttrc.csv',
      files: ['ttrc.csv'],
      bars: 900,
      from: '1985-01-02T00:00:00.000Z',
      to: expect.stringMatching(/^1988-/),
      signals: expect.any(Number),
      signalSource: 'ema-cross',
      signalRule: 'built-in ema-cross: EMA(12)/EMA(26) crossover',
      horizonBars: 20,
      lookbackBars: 250,
      seed: 1,
    });
    expect(Object.keys(report.policies)).toEqual(POLICY_NAMES);
    for (const name of POLICY_NAMES) {
      const figures = report.policies[name];
      expect(Object.keys(figures)).toEqual(['trades', 'meanR', 'totalR', 'winRate', 'maxDrawdownR']);
      expect(figures.trades).toBe(report.data.signals);
      for (const value of Object.values(figures)) expect(typeof value).toBe('number');
    }
  });

  it('uses the signal column when the file has one', async () => {
    const lines = FIXTURE_SLICE.split('\n');
    const withSignals = [
      `${lines[0]},signal`,
      ...lines.slice(1).map((line, index) => `${line},${index % 50 === 10 ? 1 : index % 50 === 35 ? -1 : 0}`),
    ].join('\n');
    const run = fakeIo({ 'signals.csv': withSignals });
    await runBacktestCommand(['--data', 'signals.csv', '--json', 'out.json'], run.io);
    const report = JSON.parse(run.written.get('out.json') ?? '{}');
    expect(report.data.signalSource).toBe('column');
    expect(report.data.signals).toBe(36);
    expect(report.policies.default.trades).toBe(36);
  });

  it("trades the built-in signal of --signal, and the file's signal column over it", async () => {
    const run = fakeIo({ 'ttrc.csv': FIXTURE_SLICE });
    await runBacktestCommand(['--data', 'ttrc.csv', '--signal', 'reversion', '--json', 'out.json'], run.io);
    const report = JSON.parse(run.written.get('out.json') ?? '{}');
    const candles = parseOhlcvCsv(FIXTURE_SLICE).candles;
    const expected = reversionSignals(candles).filter((s, i) => s !== 0 && i < candles.length - 1).length;
    expect(report.data).toMatchObject({
      signalSource: 'reversion',
      signalRule: 'built-in reversion: 20-bar Bollinger z-score crossing ±2, faded',
      signals: expected,
    });
    expect(run.stdout()).toContain('(built-in reversion: 20-bar Bollinger z-score crossing ±2, faded)');

    const lines = FIXTURE_SLICE.split('\n');
    const withSignals = [
      `${lines[0]},signal`,
      ...lines.slice(1).map((line, i) => `${line},${i === 100 ? 1 : 0}`),
    ];
    const column = fakeIo({ 's.csv': withSignals.join('\n') });
    await runBacktestCommand(['--data', 's.csv', '--signal', 'breakout', '--json', 'out.json'], column.io);
    expect(JSON.parse(column.written.get('out.json') ?? '{}').data).toMatchObject({
      signalSource: 'column',
      signals: 1,
    });
  });

  it('fails with the usage on an unknown signal kind', async () => {
    const run = fakeIo({});
    expect(await runBacktestCommand(['--data', 'x.csv', '--signal', 'rsi'], run.io)).toBe(2);
    expect(run.stderr()).toContain("--signal must be one of ema-cross, breakout, reversion, got 'rsi'");
  });

  it('gives the same report for the same seed', async () => {
    const first = fakeIo({ 'ttrc.csv': FIXTURE_SLICE });
    const second = fakeIo({ 'ttrc.csv': FIXTURE_SLICE });
    await runBacktestCommand(['--data', 'ttrc.csv', '--json', 'a.json', '--seed', '9'], first.io);
    await runBacktestCommand(['--data', 'ttrc.csv', '--json', 'a.json', '--seed', '9'], second.io);
    expect(first.written.get('a.json')).toBe(second.written.get('a.json'));
  });

  it('fails with the usage when --data is missing', async () => {
    const run = fakeIo({});
    expect(await runBacktestCommand([], run.io)).toBe(2);
    expect(run.stderr()).toMatch(
      /^error: --data FILE\.csv \(or --data-dir DIR\) is required\n\nUsage: npm run backtest/,
    );
    expect(run.stdout()).toBe('');
  });

  it('fails with the usage on an unknown option or a bad number', async () => {
    expect(await runBacktestCommand(['--data', 'x.csv', '--fast'], fakeIo({}).io)).toBe(2);
    const run = fakeIo({});
    expect(await runBacktestCommand(['--data', 'x.csv', '--horizon', '0'], run.io)).toBe(2);
    expect(run.stderr()).toContain("--horizon must be a positive integer, got '0'");
  });

  it('fails clearly on a file it cannot read', async () => {
    const run = fakeIo({});
    expect(await runBacktestCommand(['--data', 'missing.csv'], run.io)).toBe(1);
    expect(run.stderr()).toBe('error: cannot read missing.csv: no such file\n');
  });

  it('fails on a malformed row, naming its line and column', async () => {
    const lines = FIXTURE_SLICE.split('\n');
    lines[41] = '1985-03-01,3.1,abc,3.0,3.05,100';
    const run = fakeIo({ 'bad.csv': lines.join('\n') });
    expect(await runBacktestCommand(['--data', 'bad.csv', '--json', 'out.json'], run.io)).toBe(1);
    expect(run.stderr()).toBe("error: bad.csv: line 42, column high: 'abc' is not a number\n");
    expect(run.written.size).toBe(0);
  });

  it('fails clearly when a report cannot be written', async () => {
    const run = fakeIo(
      { 'ttrc.csv': FIXTURE_SLICE },
      {
        writeText: async () => {
          throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        },
      },
    );
    expect(await runBacktestCommand(['--data', 'ttrc.csv', '--html', '/ro/out.html'], run.io)).toBe(1);
    expect(run.stderr()).toBe('error: cannot write /ro/out.html: permission denied\n');
  });

  describe('a portfolio', () => {
    const files = Object.fromEntries(
      CRYPTO_PAIRS.map((pair) => [`crypto/${pair}.csv`, readFileSync(cryptoFixturePath(pair), 'utf8')]),
    );

    it('replays several files on one clock, each named by its file, and reports each symbol', async () => {
      const run = fakeIo(files);
      const code = await runBacktestCommand(
        [
          '--data',
          'crypto/ETH_BTC.csv',
          '--data',
          'crypto/LTC_BTC.csv',
          '--json',
          'out.json',
          '--resamples',
          '200',
        ],
        run.io,
      );
      expect(run.stderr()).toBe('');
      expect(code).toBe(0);
      expect(run.stdout()).toMatch(
        /^2 symbols \(ETH_BTC, LTC_BTC\): 3000 bars on one clock 2018-01-10 to 2018-01-15/,
      );
      expect(run.stdout()).toMatch(/\nMean R per trade by symbol\nsymbol +signals +default +seed/);
      expect(run.progress[0]).toBe(-3000);
      const report = JSON.parse(run.written.get('out.json') ?? '{}');
      expect(report.data.files).toEqual(['crypto/ETH_BTC.csv', 'crypto/LTC_BTC.csv']);
      expect(Object.keys(report.symbols)).toEqual(['ETH_BTC', 'LTC_BTC']);
      for (const name of POLICY_NAMES) {
        const perSymbol = ['ETH_BTC', 'LTC_BTC'].map((symbol) => report.symbols[symbol].policies[name]);
        for (const figures of perSymbol) {
          expect(Object.keys(figures)).toEqual(['trades', 'meanR', 'totalR', 'winRate', 'maxDrawdownR']);
        }
        expect(perSymbol.reduce((sum, f) => sum + f.trades, 0)).toBe(report.policies[name].trades);
        expect(perSymbol.reduce((sum, f) => sum + f.totalR, 0)).toBeCloseTo(report.policies[name].totalR, 9);
      }
      expect(report.symbols.ETH_BTC).toMatchObject({
        file: 'crypto/ETH_BTC.csv',
        bars: 1500,
        signalSource: 'ema-cross',
      });
    });

    it('reads every .csv file of --data-dir in name order', async () => {
      const run = fakeIo({ ...files, 'crypto/notes.txt': 'not data' });
      expect(
        await runBacktestCommand(
          ['--data-dir', 'crypto', '--json', 'out.json', '--resamples', '100'],
          run.io,
        ),
      ).toBe(0);
      const report = JSON.parse(run.written.get('out.json') ?? '{}');
      expect(Object.keys(report.symbols)).toEqual(['ETH_BTC', 'LTC_BTC', 'XMR_BTC']);
    });

    it('takes the symbols of a file with a symbol column from the column', async () => {
      const [header = '', ...rows] = FIXTURE_SLICE.split('\n');
      const text = [
        `${header},symbol`,
        ...rows.map((row) => `${row},AAA`),
        ...rows.map((row) => `${row},BBB`),
      ].join('\n');
      const run = fakeIo({ 'two.csv': text });
      expect(
        await runBacktestCommand(['--data', 'two.csv', '--json', 'out.json', '--resamples', '100'], run.io),
      ).toBe(0);
      const report = JSON.parse(run.written.get('out.json') ?? '{}');
      expect(Object.keys(report.symbols)).toEqual(['AAA', 'BBB']);
      expect(report.symbols.AAA.policies['static:scalp']).toEqual(
        report.symbols.BBB.policies['static:scalp'],
      );
    });

    it('refuses one symbol read from two files, and --symbol with several files', async () => {
      const run = fakeIo({ 'a/X.csv': FIXTURE_SLICE, 'b/X.csv': FIXTURE_SLICE });
      expect(await runBacktestCommand(['--data', 'a/X.csv', '--data', 'b/X.csv'], run.io)).toBe(1);
      expect(run.stderr()).toBe(
        'error: b/X.csv: symbol X is already read from a/X.csv; one symbol, one series\n',
      );
      const usage = fakeIo({});
      expect(
        await runBacktestCommand(['--data', 'a/X.csv', '--data', 'b/X.csv', '--symbol', 'Y'], usage.io),
      ).toBe(2);
      expect(usage.stderr()).toMatch(/^error: --symbol names the symbol of a single file/);
    });

    it('fails clearly on a directory it cannot read', async () => {
      const run = fakeIo({});
      expect(await runBacktestCommand(['--data-dir', 'nowhere'], run.io)).toBe(1);
      expect(run.stderr()).toBe('error: cannot read nowhere: no such file\n');
    });
  });

  it('reads every option', () => {
    expect(
      parseBacktestArgs([
        '--data',
        'd.csv',
        '--json',
        'j',
        '--html',
        'h',
        '--seed=-4',
        '--horizon',
        '12',
        '--lookback',
        '300',
        '--symbol',
        'EURUSD',
        '--signal',
        'reversion',
        '--resamples',
        '500',
        '--block',
        '7',
      ]),
    ).toEqual({
      data: ['d.csv'],
      dataDir: undefined,
      signal: 'reversion',
      json: 'j',
      html: 'h',
      seed: -4,
      horizonBars: 12,
      lookbackBars: 300,
      resamples: 500,
      blockLength: 7,
      symbol: 'EURUSD',
      help: false,
    });
  });
});
