import { describe, expect, it } from 'vitest';
import { ARM_SETS, SEVEN_ARMS } from '../../lib/arms';
import { runBacktest } from '../../lib/backtest/engine';
import type { SignalValue } from '../../lib/backtest/signals';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { buildExitPlan } from '../../lib/exit-plan';
import { createConfiguredPolicy, createDefaultPolicy, createSeedPolicy } from '../../lib/policies';
import { policyCandidates } from '../../lib/policy';
import { candidatesFor, getProfile } from '../../lib/profiles';
import { simulateTrade } from '../../lib/simulator';
import { REGIMES, STRATEGY_IDS } from '../../lib/types';
import { loadTtrcCandles } from '../helpers/ttrc-fixture';

const config = loadConfig(ENV_DEFAULTS);

describe('the configured policy', () => {
  it('runs the default policy: relative regimes, the paired learner over the 35 arms, full information, pooling', () => {
    const policy = createConfiguredPolicy(config);
    expect(policy).toMatchObject({ name: 'default', fullInformation: true, pooling: true });
    expect(policy.detector.name).toBe('relative');
    expect(policy.arms).toBe(ARM_SETS.family);
    expect(policy.learner.policy).toBe(
      'default:paired(t=1.5,pool=50,symbol=30,minEvidence=20,minVar=0.04,reference=trend_rider)',
    );
  });

  it("passes the learner's settings, and runs the seven alone with ARM_SET=seven", () => {
    const tuned = createConfiguredPolicy(
      loadConfig({
        LEARNER_CONFIDENCE_Z: '2',
        LEARNER_MIN_EVIDENCE_TRADES: '10',
        LEARNER_POOL_PRIOR_TRADES: '0',
        LEARNER_SYMBOL_PRIOR_TRADES: '5',
        ARM_SET: 'seven',
      }),
    );
    expect(tuned.learner.policy).toBe(
      'default:paired(t=2,pool=0,symbol=5,minEvidence=10,minVar=0.04,reference=trend_rider)',
    );
    expect(tuned.arms).toBe(SEVEN_ARMS);
  });

  it('runs the previous default, the anchored learner over the seven, when LEARNER=anchored', () => {
    const anchored = createConfiguredPolicy(loadConfig({ LEARNER: 'anchored' }));
    expect(anchored).toMatchObject({ name: 'anchored', fullInformation: true, pooling: true });
    expect(anchored.arms).toBe(SEVEN_ARMS);
    expect(anchored.learner.policy).toContain('eps=0 ');
  });

  it('runs the seed when LEARNER=seed, and classic regimes when REGIME_MODE=classic', () => {
    const seed = createConfiguredPolicy(loadConfig({ LEARNER: 'seed' }));
    expect(seed).toMatchObject({ name: 'seed', fullInformation: false, pooling: false });
    expect(seed.learner.policy).toBe(createSeedPolicy(config).learner.policy);
    expect(createConfiguredPolicy(loadConfig({ REGIME_MODE: 'classic' })).detector.name).toBe('classic');
  });

  it('explores with META_STRATEGY_EPSILON only when bots send no path, in risky regimes only when allowed', () => {
    expect(createDefaultPolicy(loadConfig({ LEARNER_PATH_FEEDBACK: 'false' })).learner.policy).toContain(
      'eps=0.1 not HIGH_VOLATILITY/ILLIQUID',
    );
    expect(
      createDefaultPolicy(
        loadConfig({ LEARNER_PATH_FEEDBACK: 'false', LEARNER_EXPLORE_RISKY_REGIMES: 'true' }),
      ).learner.policy,
    ).toContain('eps=0.1 all');
  });

  it('lets the default policy choose every profile the liquidity filter allows, in every regime', () => {
    const policy = createDefaultPolicy(config);
    for (const regime of REGIMES) {
      expect(policyCandidates(policy, regime)).toEqual([...STRATEGY_IDS]);
      expect(policyCandidates(policy, regime, { depthUsd: 10_000 })).toEqual(
        candidatesFor('UNKNOWN', { depthUsd: 10_000 }),
      );
    }
  });

  it("keeps the original's per-regime candidates for the seed", () => {
    const seed = createSeedPolicy(config);
    for (const regime of REGIMES) {
      expect(policyCandidates(seed, regime, { spreadBps: 20 })).toEqual(
        candidatesFor(regime, { spreadBps: 20 }),
      );
    }
  });
});

describe('full-information updates', () => {
  it("credit every profile with the simulator's outcome on the trade's path, marked counterfactual", () => {
    const candles = loadTtrcCandles().slice(0, 700);
    const entryBar = 600;
    const signals: SignalValue[] = candles.map((_, bar) => (bar === entryBar ? -1 : 0));
    const result = runBacktest({ candles, signals, policies: [createDefaultPolicy(config)] });
    const [policy] = result.policies;
    const [trade] = policy?.trades ?? [];
    if (policy === undefined || trade === undefined) throw new Error('the backtest made no trade');

    // The reward reaches the learner once the path runs to the horizon (48 bars) or the data ends.
    const creditBar = Math.min(candles.length - 1, Math.max(trade.closeBar, entryBar + 48));
    expect(creditBar).toBe(entryBar + 48);
    const path = candles.slice(entryBar + 1, creditBar + 1);
    const cells = policy.learned.filter((learned) => learned.regime === trade.regime);
    expect(cells.map((learned) => learned.strategy)).toEqual([...STRATEGY_IDS]);
    for (const learned of cells) {
      const plan = buildExitPlan({
        side: 'SHORT',
        entry: trade.entry,
        atr: trade.atr,
        profile: getProfile(learned.strategy),
      });
      const outcome = simulateTrade({ side: 'SHORT', plan, bars: path });
      expect(learned.meanR).toBeCloseTo(outcome.realizedR, 12);
      const traded = learned.strategy === trade.arm;
      expect(learned).toMatchObject({
        count: 1,
        realCount: traded ? 1 : 0,
        counterfactualCount: traded ? 0 : 1,
      });
    }
  });
});
