import { seededRng } from '../../lib/random';
import type { Candle, Rng } from '../../lib/types';

/** How one synthetic symbol moves, per bar, in log price. */
export interface SyntheticMarketModel {
  /** Mean log return per bar. */
  drift: number;
  /** Standard deviation of the log return per bar. */
  volatility: number;
  /** Pull back toward the start price per bar, in (0, 1): 0 is a random walk, more mean-reverts. */
  reversion: number;
  /** Highs and lows reach up to this many `volatility` beyond the bar's open and close. */
  wick: number;
}

/** Trending up and down, random walks, and mean-reverting symbols, by turns. */
export const PORTFOLIO_MODELS: readonly SyntheticMarketModel[] = [
  { drift: 0.0006, volatility: 0.006, reversion: 0, wick: 0.8 },
  { drift: 0, volatility: 0.007, reversion: 0.02, wick: 0.8 },
  { drift: -0.0005, volatility: 0.006, reversion: 0, wick: 0.8 },
  { drift: 0, volatility: 0.005, reversion: 0, wick: 0.8 },
  { drift: 0, volatility: 0.008, reversion: 0.05, wick: 1 },
  { drift: 0.0003, volatility: 0.004, reversion: 0, wick: 0.6 },
];

const HOUR_MS = 3_600_000;

function normal(rng: Rng): number {
  const u = Math.max(rng(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Hourly bars of one model from a seeded generator: the log close moves by drift + volatility·ε
 * (ε standard normal) minus `reversion` times its distance from the start; each bar opens at the
 * previous close, and its wicks reach a uniform share of `wick`·volatility beyond open and close.
 */
export function syntheticMarket(
  rng: Rng,
  model: SyntheticMarketModel,
  bars: number,
  startPrice = 100,
  startT = Date.UTC(2024, 0, 1),
): Candle[] {
  const anchor = Math.log(startPrice);
  let logClose = anchor;
  const candles: Candle[] = [];
  for (let index = 0; index < bars; index++) {
    const open = Math.exp(logClose);
    logClose += model.drift + model.volatility * normal(rng) - model.reversion * (logClose - anchor);
    const close = Math.exp(logClose);
    const high = Math.max(open, close) * (1 + model.wick * model.volatility * rng());
    const low = Math.min(open, close) * (1 - model.wick * model.volatility * rng());
    candles.push({ t: startT + index * HOUR_MS, o: open, h: high, l: low, c: close, v: 1_000_000 });
  }
  return candles;
}

/** `symbols` synthetic symbols on one hourly clock, cycling through {@link PORTFOLIO_MODELS}, each from its own seed. */
export function syntheticPortfolio(
  symbols: number,
  bars: number,
  seed = 1,
): { symbol: string; candles: Candle[] }[] {
  return Array.from({ length: symbols }, (_, index) => {
    const model = PORTFOLIO_MODELS[index % PORTFOLIO_MODELS.length] as SyntheticMarketModel;
    return {
      symbol: `SYN${index + 1}`,
      candles: syntheticMarket(seededRng(seed * 1000 + index), model, bars, 20 + 15 * index),
    };
  });
}
