import { describe, expect, it } from 'vitest';
import { maxDrawdownR, summarizeR } from '../../lib/backtest/metrics';

describe('backtest metrics', () => {
  it('measures max drawdown from the highest cumulative R to the lowest after it', () => {
    // Cumulative: 1, 3, 2, -1, 0, 4, 2.5 → peak 3, trough -1.
    expect(maxDrawdownR([1, 2, -1, -3, 1, 4, -1.5])).toBe(4);
  });

  it('counts a losing start as drawdown from zero', () => {
    expect(maxDrawdownR([-1, -0.5, 2])).toBe(1.5);
  });

  it('has no drawdown when cumulative R never falls', () => {
    expect(maxDrawdownR([0.5, 0, 1])).toBe(0);
    expect(maxDrawdownR([])).toBe(0);
  });

  it('counts only positive R as wins', () => {
    // Cumulative: 2, 1, 1, 1.5, 1 → drawdown 1 from the first peak.
    const summary = summarizeR([2, -1, 0, 0.5, -0.5]);
    expect(summary).toEqual({ trades: 5, meanR: 0.2, totalR: 1, winRate: 0.4, maxDrawdownR: 1 });
  });

  it('reports zeros with no trades', () => {
    expect(summarizeR([])).toEqual({ trades: 0, meanR: 0, totalR: 0, winRate: 0, maxDrawdownR: 0 });
  });
});
