import type { Candle, Rng } from '../../lib/types';

export interface SyntheticMarket {
  bars: number;
  /** Price the series starts at (a trend) or oscillates around (a range). */
  startPrice?: number;
  /** Expected change per bar as a fraction of price; 0 makes a range. */
  driftPerBar?: number;
  /** Each close moves by a uniform draw in ±closeNoise (as a fraction of price). */
  closeNoise?: number;
  /** Highs and lows reach up to this fraction of price beyond the bar's open and close. */
  wickSize?: number;
  /** true: closes wander from the previous close; false: they scatter around a fixed level. */
  trending?: boolean;
  volume?: number;
}

/**
 * Daily-like bars from a seeded generator. A trending market compounds `driftPerBar` plus noise
 * from the previous close; a range scatters closes around `startPrice` with no memory, which
 * keeps ADX and trend strength low. Wicks set the bar size and so ATR%.
 */
export function syntheticCandles(rng: Rng, market: SyntheticMarket): Candle[] {
  const {
    bars,
    startPrice = 100,
    driftPerBar = 0,
    closeNoise = 0.005,
    wickSize = 0.005,
    trending = driftPerBar !== 0,
    volume = 1_000_000,
  } = market;
  const candles: Candle[] = [];
  let previousClose = startPrice;
  for (let index = 0; index < bars; index++) {
    const noise = closeNoise * (2 * rng() - 1);
    const close = trending ? previousClose * (1 + driftPerBar + noise) : startPrice * (1 + noise);
    const open = previousClose;
    const high = Math.max(open, close) * (1 + wickSize * rng());
    const low = Math.min(open, close) * (1 - wickSize * rng());
    candles.push({
      t: Date.UTC(2024, 0, 1) + index * 86_400_000,
      o: open,
      h: high,
      l: low,
      c: close,
      v: volume,
    });
    previousClose = close;
  }
  return candles;
}
