import { describe, expect, it } from 'vitest';
import { counterfactualOutcomes } from '../../lib/counterfactual';
import { buildExitPlan } from '../../lib/exit-plan';
import { getProfile } from '../../lib/profiles';
import { seededRng } from '../../lib/random';
import { simulateTrade } from '../../lib/simulator';
import { STRATEGY_IDS } from '../../lib/types';
import { syntheticCandles } from '../helpers/synthetic-candles';

describe('counterfactualOutcomes', () => {
  const path = syntheticCandles(seededRng(7), { bars: 30, driftPerBar: 0.004, closeNoise: 0.01 });

  it('gives every profile the outcome the simulator gives its plan on the same path', () => {
    const outcomes = counterfactualOutcomes({ side: 'LONG', entry: 100, atr: 1.5, path, horizonBars: 20 });
    expect(Object.keys(outcomes)).toEqual([...STRATEGY_IDS]);
    for (const strategy of STRATEGY_IDS) {
      const plan = buildExitPlan({ side: 'LONG', entry: 100, atr: 1.5, profile: getProfile(strategy) });
      expect(outcomes[strategy]).toEqual(simulateTrade({ side: 'LONG', plan, bars: path, horizonBars: 20 }));
    }
  });

  it('exits a profile still open when the path ends at the last close', () => {
    const flat = [
      { o: 100, h: 100.2, l: 99.9, c: 100.1 },
      { o: 100.1, h: 100.3, l: 100, c: 100.2 },
    ];
    const outcomes = counterfactualOutcomes({ side: 'SHORT', entry: 100, atr: 2, path: flat });
    expect(outcomes.trend_rider.exitReason).toBe('end_of_data');
    expect(outcomes.trend_rider.exitBarIndex).toBe(1);
    expect(outcomes.trend_rider.realizedR).toBeCloseTo(-0.2 / 4, 12);
  });
});
