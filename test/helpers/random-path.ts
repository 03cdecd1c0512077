import { seededRng } from '../../lib/random';
import type { Candle } from '../../lib/types';

/**
 * A seeded random walk of `bars` candles after `entry`, moving about one ATR a bar with a slight
 * drift down and never below half an ATR: the path a bot sends with TradeClosed. Times run from
 * `firstT` one by one, so a test can place them after a decision's last candle.
 */
export function randomPath(seed: number, entry: number, atr: number, bars: number, firstT: number): Candle[] {
  const rng = seededRng(seed);
  const path: Candle[] = [];
  let close = entry;
  for (let i = 0; i < bars; i++) {
    const open = close;
    close = Math.max(open + (rng() - 0.48) * 2 * atr, atr);
    const high = Math.max(open, close) + rng() * atr;
    const low = Math.max(Math.min(open, close) - rng() * atr, atr / 2);
    path.push({ t: firstT + i, o: open, h: high, l: low, c: close });
  }
  return path;
}
