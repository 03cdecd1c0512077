import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildExitPlan, type ExitPlan } from '../../lib/exit-plan';
import { getProfile, PROFILES } from '../../lib/profiles';
import { type Bar, InvalidSimulationInputError, ManagedPosition, simulateTrade } from '../../lib/simulator';
import type { Side } from '../../lib/types';

const PROPERTY_RUNS = { seed: 20_251_125, numRuns: 1000 };

const bar = (o: number, h: number, l: number, c: number): Bar => ({ o, h, l, c });

/**
 * Defensive around entry 100 with ATR 10, the plan most paths below use:
 * LONG  stop 90,  targets 115 / 125 / 140 closing .5 / .3 / .2, break-even at 110,
 *       trailing from 125 at 8 below the highest high. 1R = 10.
 * SHORT stop 110, targets 85 / 75 / 60, break-even at 90, trailing from 75 at 8 above the lowest low.
 */
const longPlan = buildExitPlan({ side: 'LONG', entry: 100, atr: 10, profile: getProfile('defensive') });
const shortPlan = buildExitPlan({ side: 'SHORT', entry: 100, atr: 10, profile: getProfile('defensive') });

const long = (bars: Bar[], horizonBars?: number) =>
  simulateTrade({ side: 'LONG', plan: longPlan, bars, horizonBars });
const short = (bars: Bar[], horizonBars?: number) =>
  simulateTrade({ side: 'SHORT', plan: shortPlan, bars, horizonBars });

describe('simulateTrade: exit reasons', () => {
  it('stops out at the initial stop for -1R', () => {
    const outcome = long([bar(100, 105, 95, 98), bar(98, 99, 89, 92)]);
    expect(outcome).toEqual({
      realizedR: -1,
      exitReason: 'stop_loss',
      exitBarIndex: 1,
      fills: [{ barIndex: 1, price: 90, fraction: 1, reason: 'stop_loss' }],
    });
  });

  it('fills the three targets in order and sums their R', () => {
    const outcome = long([
      bar(100, 116, 99, 114), // TP1 at 115; break-even armed
      bar(114, 126, 112, 124), // TP2 at 125; trailing armed, stop to 126 − 8 = 118 for the next bar
      bar(124, 141, 120, 139), // low 120 stays above 118; TP3 at 140
    ]);
    expect(outcome.exitReason).toBe('take_profit');
    expect(outcome.exitBarIndex).toBe(2);
    expect(outcome.fills).toEqual([
      { barIndex: 0, price: 115, fraction: 0.5, reason: 'take_profit_1' },
      { barIndex: 1, price: 125, fraction: 0.3, reason: 'take_profit_2' },
      { barIndex: 2, price: 140, fraction: 0.2, reason: 'take_profit_3' },
    ]);
    // (0.5·15 + 0.3·25 + 0.2·40) / 10
    expect(outcome.realizedR).toBeCloseTo(2.3, 12);
  });

  it('exits at the entry once break-even has moved the stop', () => {
    const outcome = long([bar(100, 112, 101, 108), bar(108, 109, 99, 100)]);
    expect(outcome.exitReason).toBe('break_even');
    expect(outcome.fills).toEqual([{ barIndex: 1, price: 100, fraction: 1, reason: 'break_even' }]);
    expect(outcome.realizedR).toBe(0);
  });

  it('exits on the trailing stop after partial closes', () => {
    const outcome = long([
      bar(100, 116, 101, 115), // TP1 at 115 (.5)
      bar(115, 128, 114, 127), // TP2 at 125 (.3); trailing armed at 128 − 8 = 120
      bar(127, 130, 121, 129), // low 121 above 120; the trail rises to 122
      bar(129, 129, 119, 120), // low reaches 122: the last .2 exits there
    ]);
    expect(outcome.exitReason).toBe('trailing_stop');
    expect(outcome.exitBarIndex).toBe(3);
    expect(outcome.fills.at(-1)).toEqual({ barIndex: 3, price: 122, fraction: 0.2, reason: 'trailing_stop' });
    // (0.5·15 + 0.3·25 + 0.2·22) / 10
    expect(outcome.realizedR).toBeCloseTo(1.94, 12);
  });

  it('exits the rest at the close of the horizon bar', () => {
    const outcome = long(
      [bar(100, 105, 95, 101), bar(101, 106, 96, 102), bar(102, 107, 97, 103), bar(103, 139, 103, 138)],
      3,
    );
    expect(outcome.exitReason).toBe('horizon');
    expect(outcome.exitBarIndex).toBe(2);
    expect(outcome.fills).toEqual([{ barIndex: 2, price: 103, fraction: 1, reason: 'horizon' }]);
    expect(outcome.realizedR).toBeCloseTo(0.3, 12);
  });

  it('plays the horizon bar before closing at its close', () => {
    const outcome = long([bar(100, 105, 95, 101), bar(101, 116, 100, 112)], 2);
    expect(outcome.exitReason).toBe('horizon');
    expect(outcome.fills).toEqual([
      { barIndex: 1, price: 115, fraction: 0.5, reason: 'take_profit_1' },
      { barIndex: 1, price: 112, fraction: 0.5, reason: 'horizon' },
    ]);
    // (0.5·15 + 0.5·12) / 10
    expect(outcome.realizedR).toBeCloseTo(1.35, 12);
  });

  it('calls it a horizon exit when the bars end exactly on the horizon', () => {
    const outcome = long([bar(100, 105, 95, 101), bar(101, 106, 96, 104)], 2);
    expect(outcome.exitReason).toBe('horizon');
    expect(outcome.realizedR).toBeCloseTo(0.4, 12);
  });

  it('exits at the last close when the bars run out before the horizon', () => {
    const outcome = long([bar(100, 105, 95, 101), bar(101, 106, 96, 97)]);
    expect(outcome).toEqual({
      realizedR: expect.closeTo(-0.3, 12),
      exitReason: 'end_of_data',
      exitBarIndex: 1,
      fills: [{ barIndex: 1, price: 97, fraction: 1, reason: 'end_of_data' }],
    });
  });
});

describe('simulateTrade: within a bar', () => {
  it('takes the stop before a target touched in the same bar', () => {
    const outcome = long([bar(100, 141, 89, 100)]);
    expect(outcome.exitReason).toBe('stop_loss');
    expect(outcome.fills).toEqual([{ barIndex: 0, price: 90, fraction: 1, reason: 'stop_loss' }]);
    expect(outcome.realizedR).toBe(-1);
  });

  it('stops the whole remainder, crediting no target of that bar, after a partial close', () => {
    const outcome = long([
      bar(100, 116, 101, 114), // TP1 (.5); break-even armed
      bar(114, 126, 99, 110), // reaches TP2 and the break-even stop: the stop wins for the other .5
    ]);
    expect(outcome.exitReason).toBe('break_even');
    expect(outcome.fills).toEqual([
      { barIndex: 0, price: 115, fraction: 0.5, reason: 'take_profit_1' },
      { barIndex: 1, price: 100, fraction: 0.5, reason: 'break_even' },
    ]);
    expect(outcome.realizedR).toBeCloseTo(0.75, 12);
  });

  it('counts an exact touch of a target or of the stop', () => {
    expect(long([bar(100, 115, 95, 110)], 1).fills[0]).toEqual({
      barIndex: 0,
      price: 115,
      fraction: 0.5,
      reason: 'take_profit_1',
    });
    expect(long([bar(100, 105, 90, 95)]).exitReason).toBe('stop_loss');
  });
});

describe('simulateTrade: gaps', () => {
  it('fills a stop gapped through at the open, worse than the stop', () => {
    const outcome = long([bar(100, 105, 95, 100), bar(85, 88, 80, 86)]);
    expect(outcome.fills).toEqual([{ barIndex: 1, price: 85, fraction: 1, reason: 'stop_loss' }]);
    expect(outcome.realizedR).toBe(-1.5);
  });

  it('fills every target gapped through at the open, better than the targets', () => {
    const outcome = long([
      bar(100, 105, 95, 104),
      bar(127, 130, 120, 128), // opens above TP1 and TP2: both fill at 127
      bar(128, 141, 126, 140), // TP3 at 140
    ]);
    expect(outcome.fills).toEqual([
      { barIndex: 1, price: 127, fraction: 0.5, reason: 'take_profit_1' },
      { barIndex: 1, price: 127, fraction: 0.3, reason: 'take_profit_2' },
      { barIndex: 2, price: 140, fraction: 0.2, reason: 'take_profit_3' },
    ]);
    // (0.8·27 + 0.2·40) / 10
    expect(outcome.realizedR).toBeCloseTo(2.96, 12);
  });

  it('fills a gapped target at the open, then still honours the stop later in that bar', () => {
    const outcome = long([bar(120, 121, 85, 90)]);
    expect(outcome.fills).toEqual([
      { barIndex: 0, price: 120, fraction: 0.5, reason: 'take_profit_1' },
      { barIndex: 0, price: 90, fraction: 0.5, reason: 'stop_loss' },
    ]);
    // (0.5·20 − 0.5·10) / 10
    expect(outcome.realizedR).toBeCloseTo(0.5, 12);
  });

  it('fills a trailing stop gapped through at the open', () => {
    const outcome = long([
      bar(100, 116, 101, 115), // TP1
      bar(115, 128, 114, 127), // TP2; trail 120
      bar(110, 112, 105, 108), // opens below 120: the last .2 fills at 110
    ]);
    expect(outcome.fills.at(-1)).toEqual({ barIndex: 2, price: 110, fraction: 0.2, reason: 'trailing_stop' });
    expect(outcome.realizedR).toBeCloseTo((0.5 * 15 + 0.3 * 25 + 0.2 * 10) / 10, 12);
  });
});

describe('simulateTrade: break-even and trailing', () => {
  it('moves to break-even only after the bar that reached the trigger', () => {
    const outcome = long([
      bar(100, 112, 95, 99), // reaches 110 and dips below the entry: the stop is still 90
      bar(101, 102, 96, 97), // now the stop is 100
    ]);
    expect(outcome.fills).toEqual([{ barIndex: 1, price: 100, fraction: 1, reason: 'break_even' }]);
  });

  it('starts trailing only after the bar that reached the activation', () => {
    const outcome = long([
      bar(100, 116, 101, 115), // TP1; break-even armed
      bar(115, 128, 119, 121), // activation: trail would be 120, yet the low 119 does not exit here
      bar(121, 122, 119.5, 120), // the trail at 120 is live now
    ]);
    expect(outcome.fills.at(-1)).toEqual({ barIndex: 2, price: 120, fraction: 0.2, reason: 'trailing_stop' });
  });

  it('never moves the trailing stop down when the highs fall back', () => {
    const outcome = long([
      bar(100, 116, 101, 115), // TP1
      bar(115, 128, 114, 127), // TP2; trail 120
      bar(127, 130, 123, 129), // trail 122
      bar(129, 126, 123, 124), // a lower high would put it at 118: it stays at 122
      bar(124, 125, 121.5, 122), // 121.5 reaches 122
    ]);
    expect(outcome.exitBarIndex).toBe(4);
    expect(outcome.fills.at(-1)).toEqual({ barIndex: 4, price: 122, fraction: 0.2, reason: 'trailing_stop' });
  });

  it('never lowers a stop above the entry back to the entry', () => {
    // The trail sits at 120 when the break-even trigger is met again: the stop stays at 120.
    const outcome = long([bar(100, 116, 101, 115), bar(115, 128, 114, 127), bar(127, 127, 119, 121)]);
    expect(outcome.fills.at(-1)?.price).toBe(120);
  });

  it('calls a trailing stop that sits exactly at the entry a trailing stop', () => {
    const plan: ExitPlan = {
      ...longPlan,
      breakEven: { triggerPrice: 105 },
      trailing: { activationPrice: 108, distance: 8 },
    };
    const outcome = simulateTrade({
      side: 'LONG',
      plan,
      bars: [bar(100, 108, 99, 107), bar(107, 107, 99, 100)],
    });
    expect(outcome.fills).toEqual([{ barIndex: 1, price: 100, fraction: 1, reason: 'trailing_stop' }]);
  });

  it('keeps the break-even stop when the trailing level is below the entry', () => {
    const plan: ExitPlan = {
      ...longPlan,
      breakEven: { triggerPrice: 105 },
      trailing: { activationPrice: 108, distance: 10 },
    };
    const outcome = simulateTrade({
      side: 'LONG',
      plan,
      bars: [bar(100, 108, 99, 107), bar(107, 107, 99, 100)],
    });
    expect(outcome.fills).toEqual([{ barIndex: 1, price: 100, fraction: 1, reason: 'break_even' }]);
  });
});

describe('simulateTrade: partial closes', () => {
  it('weights each exit by its fraction (scalp .6 / .3 / .1)', () => {
    // Scalp at 100, ATR 10: stop 92 (1R = 8), TP1 112, break-even at 106, trailing from 115.
    const plan = buildExitPlan({ side: 'LONG', entry: 100, atr: 10, profile: getProfile('scalp') });
    const outcome = simulateTrade({
      side: 'LONG',
      plan,
      bars: [bar(100, 113, 99, 112), bar(112, 114, 101, 103), bar(103, 104, 99, 100)],
    });
    expect(outcome.fills).toEqual([
      { barIndex: 0, price: 112, fraction: 0.6, reason: 'take_profit_1' },
      { barIndex: 2, price: 100, fraction: expect.closeTo(0.4, 12), reason: 'break_even' },
    ]);
    // (0.6·12 + 0.4·0) / 8
    expect(outcome.realizedR).toBeCloseTo(0.9, 12);
  });

  it('weights each exit by its fraction (trend_rider .3 / .3 / .4, 1R = 2 ATR)', () => {
    // Trend rider at 100, ATR 10: stop 80 (1R = 20), TP1 150, TP2 180, trailing from 160 at 15.
    const plan = buildExitPlan({ side: 'LONG', entry: 100, atr: 10, profile: getProfile('trend_rider') });
    const outcome = simulateTrade({
      side: 'LONG',
      plan,
      bars: [bar(100, 151, 95, 149), bar(149, 170, 140, 165), bar(165, 168, 154, 156)],
    });
    expect(outcome.fills).toEqual([
      { barIndex: 0, price: 150, fraction: 0.3, reason: 'take_profit_1' },
      { barIndex: 2, price: 155, fraction: expect.closeTo(0.7, 12), reason: 'trailing_stop' },
    ]);
    // (0.3·50 + 0.7·55) / 20
    expect(outcome.realizedR).toBeCloseTo(2.675, 12);
  });
});

describe('simulateTrade: SHORT', () => {
  it('stops out above the entry', () => {
    const outcome = short([bar(100, 105, 95, 102), bar(102, 111, 101, 108)]);
    expect(outcome.fills).toEqual([{ barIndex: 1, price: 110, fraction: 1, reason: 'stop_loss' }]);
    expect(outcome.realizedR).toBe(-1);
  });

  it('fills the three targets below the entry', () => {
    const outcome = short([bar(100, 101, 84, 86), bar(86, 88, 74, 76), bar(76, 81, 59, 61)]);
    expect(outcome.exitReason).toBe('take_profit');
    expect(outcome.fills.map((f) => f.price)).toEqual([85, 75, 60]);
    expect(outcome.realizedR).toBeCloseTo(2.3, 12);
  });

  it('trails above the lowest low and exits there', () => {
    const outcome = short([
      bar(100, 99, 84, 85), // TP1 at 85; break-even armed
      bar(85, 86, 72, 73), // TP2 at 75; trailing armed at 72 + 8 = 80
      bar(73, 79, 70, 71), // high 79 below 80; the trail falls to 78
      bar(71, 81, 71, 80), // high reaches 78
    ]);
    expect(outcome.exitReason).toBe('trailing_stop');
    expect(outcome.fills.at(-1)).toEqual({ barIndex: 3, price: 78, fraction: 0.2, reason: 'trailing_stop' });
    expect(outcome.realizedR).toBeCloseTo(1.94, 12);
  });

  it('moves to break-even only after the triggering bar', () => {
    const outcome = short([bar(100, 105, 88, 101), bar(99, 104, 98, 103)]);
    expect(outcome.fills).toEqual([{ barIndex: 1, price: 100, fraction: 1, reason: 'break_even' }]);
  });

  it('takes the stop before a target in the same bar', () => {
    expect(short([bar(100, 111, 59, 100)]).realizedR).toBe(-1);
  });

  it('fills gaps at the open both ways', () => {
    expect(short([bar(115, 118, 112, 116)]).fills).toEqual([
      { barIndex: 0, price: 115, fraction: 1, reason: 'stop_loss' },
    ]);
    expect(short([bar(80, 90, 79, 82)], 1).fills[0]).toEqual({
      barIndex: 0,
      price: 80,
      fraction: 0.5,
      reason: 'take_profit_1',
    });
  });

  it('exits at the horizon close', () => {
    const outcome = short([bar(100, 104, 96, 97), bar(97, 99, 94, 95)], 2);
    expect(outcome.exitReason).toBe('horizon');
    expect(outcome.realizedR).toBeCloseTo(0.5, 12);
  });
});

describe('simulateTrade: inputs', () => {
  const path = [bar(100, 105, 95, 101), bar(101, 116, 100, 112), bar(112, 113, 99, 100)];

  it('reads from startIndex exactly as from a sliced path', () => {
    const padded = [bar(1, 2, 0.5, 1), bar(50, 60, 40, 55), ...path];
    const fromOffset = simulateTrade({ side: 'LONG', plan: longPlan, bars: padded, startIndex: 2 });
    expect(fromOffset).toEqual(long(path));
  });

  it('rejects what it cannot replay, naming the input', () => {
    const cases: [() => unknown, string][] = [
      [() => long([]), 'bars'],
      [() => simulateTrade({ side: 'LONG', plan: longPlan, bars: path, startIndex: 3 }), 'bars'],
      [() => simulateTrade({ side: 'LONG', plan: longPlan, bars: path, startIndex: -1 }), 'startIndex'],
      [() => simulateTrade({ side: 'LONG', plan: longPlan, bars: path, startIndex: 0.5 }), 'startIndex'],
      [() => long(path, 0), 'horizonBars'],
      [() => long(path, 2.5), 'horizonBars'],
      [() => long(path, Number.NaN), 'horizonBars'],
      [() => simulateTrade({ side: 'SHORT', plan: longPlan, bars: path }), 'plan'],
      [() => simulateTrade({ side: 'LONG', plan: shortPlan, bars: path }), 'plan'],
    ];
    for (const [run, field] of cases) {
      expect(run).toThrow(InvalidSimulationInputError);
      try {
        run();
      } catch (error) {
        expect((error as InvalidSimulationInputError).field).toBe(field);
      }
    }
  });
});

/**
 * Random LONG paths on a dyadic price grid (exact in binary, so reflecting them around the entry
 * is exact) with ATRs that are not on the grid (so no price ever sits exactly on a plan level,
 * where LONG and SHORT rounding could disagree).
 */
const scenarioArb = fc
  .record({
    entry: fc.integer({ min: 100, max: 100_000 }),
    atrPct: fc.constantFrom(0.0123457, 0.00987654, 0.0314159, 0.00271828),
    profile: fc.constantFrom(...PROFILES),
    horizonBars: fc.integer({ min: 1, max: 60 }),
    // A per-path drift so that trends reaching the far targets are common, not rare.
    drift: fc.integer({ min: -8, max: 8 }),
    moves: fc.array(
      fc.record({
        gap: fc.oneof(
          { arbitrary: fc.constant(0), weight: 4 },
          { arbitrary: fc.integer({ min: -48, max: 48 }), weight: 1 },
        ),
        body: fc.integer({ min: -24, max: 24 }),
        up: fc.integer({ min: 0, max: 24 }),
        down: fc.integer({ min: 0, max: 24 }),
      }),
      { minLength: 1, maxLength: 70 },
    ),
  })
  .map(({ entry, atrPct, profile, horizonBars, drift, moves }) => {
    const atr = entry * atrPct;
    const unit = 2 ** Math.floor(Math.log2(atr / 16)); // about 1/16 to 1/32 ATR, a power of two
    const bars: Bar[] = [];
    let close = entry;
    for (const m of moves) {
      const o = close + m.gap * unit;
      const c = o + (m.body + drift) * unit;
      bars.push({ o, c, h: Math.max(o, c) + m.up * unit, l: Math.min(o, c) - m.down * unit });
      close = c;
    }
    return { entry, atr, profile, horizonBars, bars };
  });

const reflect = (entry: number, b: Bar): Bar => ({
  o: 2 * entry - b.o,
  h: 2 * entry - b.l,
  l: 2 * entry - b.h,
  c: 2 * entry - b.c,
});

describe('simulateTrade: properties', () => {
  it('gives a SHORT on the reflected path the same R and exit as the LONG', () => {
    fc.assert(
      fc.property(scenarioArb, ({ entry, atr, profile, horizonBars, bars }) => {
        const run = (side: Side, path: Bar[]) =>
          simulateTrade({
            side,
            plan: buildExitPlan({ side, entry, atr, profile }),
            bars: path,
            horizonBars,
          });
        const longOutcome = run('LONG', bars);
        const shortOutcome = run(
          'SHORT',
          bars.map((b) => reflect(entry, b)),
        );
        expect(shortOutcome.exitReason).toBe(longOutcome.exitReason);
        expect(shortOutcome.exitBarIndex).toBe(longOutcome.exitBarIndex);
        expect(shortOutcome.realizedR).toBeCloseTo(longOutcome.realizedR, 9);
        expect(shortOutcome.fills.map((f) => [f.barIndex, f.reason, f.fraction])).toEqual(
          longOutcome.fills.map((f) => [f.barIndex, f.reason, f.fraction]),
        );
      }),
      PROPERTY_RUNS,
    );
  });

  it('closes exactly the whole position, in time order, within the horizon, never worse than the first stop', () => {
    fc.assert(
      fc.property(scenarioArb, ({ entry, atr, profile, horizonBars, bars }) => {
        const plan = buildExitPlan({ side: 'LONG', entry, atr, profile });
        const outcome = simulateTrade({ side: 'LONG', plan, bars, horizonBars });
        const closed = outcome.fills.reduce((sum, f) => sum + f.fraction, 0);
        expect(closed).toBeCloseTo(1, 12);
        outcome.fills.forEach((f, k) => {
          if (k > 0) expect(f.barIndex).toBeGreaterThanOrEqual(outcome.fills[k - 1]?.barIndex ?? 0);
        });
        expect(outcome.exitBarIndex).toBe(outcome.fills.at(-1)?.barIndex);
        expect(outcome.exitBarIndex).toBeLessThan(Math.min(horizonBars, bars.length));
        // Only a gap at the open can lose more than 1R.
        const gapped = outcome.fills.some((f) => f.price === bars[f.barIndex]?.o && f.price < plan.stopLoss);
        if (!gapped) expect(outcome.realizedR).toBeGreaterThanOrEqual(-1 - 1e-9);
      }),
      PROPERTY_RUNS,
    );
  });
});

describe('ManagedPosition: the same rules, one bar at a time', () => {
  it('stays open bar by bar, moves its stop after the bar that earned it, and closes like simulateTrade', () => {
    const bars = [bar(100, 111, 99, 108), bar(108, 109, 101, 105), bar(105, 106, 99, 100)];
    const position = new ManagedPosition('LONG', longPlan);
    expect(position.onBar(bars[0] as Bar)).toBeUndefined();
    expect(position.stop).toEqual({ price: 100, kind: 'break_even' }); // high 111 reached 110
    expect(position.onBar(bars[1] as Bar)).toBeUndefined();
    const outcome = position.onBar(bars[2] as Bar);
    expect(outcome).toEqual(long(bars));
    expect(outcome).toMatchObject({ realizedR: 0, exitReason: 'break_even', exitBarIndex: 2 });
    expect(() => position.onBar(bar(100, 101, 99, 100))).toThrow(RangeError);
  });

  it('closes what is open at the last close when the bars run out (end_of_data)', () => {
    const bars = [bar(100, 116, 99, 114), bar(114, 118, 112, 117)];
    const position = new ManagedPosition('LONG', longPlan);
    for (const b of bars) expect(position.onBar(b)).toBeUndefined();
    expect(position.closeAt(117)).toEqual(long(bars));
  });

  it('refuses a plan whose stop is on the wrong side', () => {
    expect(() => new ManagedPosition('SHORT', longPlan)).toThrow(InvalidSimulationInputError);
  });

  it('gives, on every random path, no outcome before simulateTrade’s exit bar and then its outcome', () => {
    fc.assert(
      fc.property(scenarioArb, ({ entry, atr, profile, horizonBars, bars }) => {
        const plan = buildExitPlan({ side: 'LONG', entry, atr, profile });
        const expected = simulateTrade({ side: 'LONG', plan, bars, horizonBars });
        const position = new ManagedPosition('LONG', plan, horizonBars);
        let outcome: ReturnType<ManagedPosition['onBar']>;
        let played = 0;
        for (const b of bars) {
          outcome = position.onBar(b);
          played++;
          if (outcome !== undefined) break;
        }
        outcome ??= position.closeAt((bars[played - 1] as Bar).c);
        expect(outcome).toEqual(expected);
        expect(played - 1).toBe(expected.exitBarIndex);
      }),
      PROPERTY_RUNS,
    );
  });
});
