import type { IndicatorSeries } from '../indicators';
import type { Liquidity } from '../types';
import type { RegimeDetector, RegimeResult } from './regime-detector';

/**
 * A detector that can also classify bar `index` of an indicator series computed once for a
 * whole history, so that a backtest does not recompute every indicator at every bar.
 */
export interface SeriesRegimeDetector extends RegimeDetector {
  /** The regime `detect` would give for `series.candles.slice(0, index + 1)`. */
  detectAt(series: IndicatorSeries, index: number, liquidity?: Liquidity): RegimeResult;
}
