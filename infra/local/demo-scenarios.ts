import { seededRng } from '../../lib/random';
import type { Candle, Side } from '../../lib/types';

/** A market the demo shows the regime detector, with the regime it is built to be. */
export interface DemoScenario {
  title: string;
  /** What the market was built to look like (the detector decides what it is). */
  intended: string;
  symbol: string;
  side: Side;
  candles: Candle[];
}

interface MarketShape {
  bars: number;
  seed: number;
  /** Mean change of the close per bar, as a fraction of price. */
  driftPerBar: number;
  /** Uniform noise on each close, ± this fraction of price. */
  closeNoise: number;
  /** Wicks reach up to this fraction of price beyond the open and close. */
  wick: number;
  /** false: closes scatter around the start price with no memory (a range). */
  trending: boolean;
  /**
   * Multiplies the noise and wicks of bar `index`: how the market's agitation changes along the
   * history. The regime rules judge volatility both in absolute terms and against the market's
   * own recent bars, so a shape must hold under either reading.
   */
  agitation?: (index: number) => number;
}

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2024, 0, 1);

/** Daily candles from a seeded generator: the same candles on every run. */
export function shapedCandles(shape: MarketShape, startPrice = 100): Candle[] {
  const rng = seededRng(shape.seed);
  const candles: Candle[] = [];
  let previousClose = startPrice;
  for (let index = 0; index < shape.bars; index++) {
    const scale = shape.agitation?.(index) ?? 1;
    const noise = scale * shape.closeNoise * (2 * rng() - 1);
    const close = shape.trending ? previousClose * (1 + shape.driftPerBar + noise) : startPrice * (1 + noise);
    const open = previousClose;
    candles.push({
      t: START_MS + index * DAY_MS,
      o: open,
      h: Math.max(open, close) * (1 + scale * shape.wick * rng()),
      l: Math.min(open, close) * (1 - scale * shape.wick * rng()),
      c: close,
      v: 1_000_000 + Math.round(200_000 * rng()),
    });
    previousClose = close;
  }
  return candles;
}

/** Calm for most of the history, then `factor` times as agitated for its last `bars` bars. */
const burstAtEnd = (total: number, bars: number, factor: number) => (index: number) =>
  index >= total - bars ? factor : 1;

/** Agitation easing from 1.5 to 0.75 along the history: the latest bars are among the calmest. */
const easing = (total: number) => (index: number) => 1.5 - (0.75 * index) / (total - 1);

/** The demo's four markets: trend up, quiet range, violent swings, and too short a history. */
export function demoScenarios(): DemoScenario[] {
  return [
    {
      title: 'Trend up',
      intended: 'TREND_UP',
      symbol: 'DEMO-TREND',
      side: 'LONG',
      candles: shapedCandles({
        bars: 150,
        seed: 11,
        driftPerBar: 0.006,
        closeNoise: 0.012,
        wick: 0.008,
        trending: true,
        agitation: easing(150),
      }),
    },
    {
      title: 'Range',
      intended: 'RANGE_LOW_VOL',
      symbol: 'DEMO-RANGE',
      side: 'LONG',
      candles: shapedCandles({
        bars: 150,
        seed: 12,
        driftPerBar: 0,
        closeNoise: 0.01,
        wick: 0.004,
        trending: false,
        agitation: easing(150),
      }),
    },
    {
      title: 'High volatility',
      intended: 'HIGH_VOLATILITY',
      symbol: 'DEMO-VOLATILE',
      side: 'SHORT',
      candles: shapedCandles({
        bars: 150,
        seed: 13,
        driftPerBar: 0,
        closeNoise: 0.01,
        wick: 0.01,
        trending: true,
        agitation: burstAtEnd(150, 20, 6),
      }),
    },
    {
      title: 'Too little data',
      intended: 'UNKNOWN',
      symbol: 'DEMO-SHORT',
      side: 'LONG',
      candles: shapedCandles({
        bars: 20,
        seed: 14,
        driftPerBar: 0.004,
        closeNoise: 0.006,
        wick: 0.004,
        trending: true,
      }),
    },
  ];
}
