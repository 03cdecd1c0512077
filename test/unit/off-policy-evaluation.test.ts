import { describe, expect, it } from 'vitest';
import { runEvaluateCommand } from '../../lib/evaluation/command';
import {
  type LoggedDecision,
  LoggedDecisionFormatError,
  readLoggedDecisions,
} from '../../lib/evaluation/logged-decision';
import { estimatePolicyValue, normalQuantile } from '../../lib/evaluation/off-policy';
import { parseTargetPolicy, UnknownTargetPolicyError } from '../../lib/evaluation/target-policy';
import { seededRng } from '../../lib/random';
import { type Rng, STRATEGY_IDS, type StrategyId } from '../../lib/types';

/** Known mean R of each strategy in the synthetic market; trend_rider is best. */
const TRUE_MEAN: Record<StrategyId, number> = {
  defensive: -0.1,
  moderate: -0.05,
  moderate_aggressive: 0,
  balanced_aggressive: 0.1,
  ultra_aggressive: 0.05,
  scalp: -0.2,
  trend_rider: 0.3,
};

function gaussian(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Decisions logged by an ε-greedy policy over all seven strategies whose shown values favour
 * `greedyArm`; rewards are the strategy's true mean plus N(0, 1.3²) noise, as real R spreads.
 */
function loggedByEpsilonGreedy(
  count: number,
  epsilon: number,
  greedyArm: StrategyId,
  seed: number,
): LoggedDecision[] {
  const rng = seededRng(seed);
  const candidates = [...STRATEGY_IDS];
  const values = Object.fromEntries(
    candidates.map((strategy) => [strategy, { value: strategy === greedyArm ? 1 : 0, count: 10 }]),
  );
  return Array.from({ length: count }, () => {
    const exploring = rng() < epsilon;
    const strategy = exploring
      ? (candidates[Math.floor(rng() * candidates.length)] as StrategyId)
      : greedyArm;
    const propensity = (strategy === greedyArm ? 1 - epsilon : 0) + epsilon / candidates.length;
    return {
      regime: 'TREND_UP',
      candidates,
      values,
      strategy,
      propensity,
      realizedR: TRUE_MEAN[strategy] + 1.3 * gaussian(rng),
    };
  });
}

describe('off-policy evaluation', () => {
  const logged = loggedByEpsilonGreedy(4000, 0.3, 'ultra_aggressive', 7);

  it.each(['trend_rider', 'scalp', 'ultra_aggressive'] as const)(
    'recovers the known value of static:%s within its interval (IPS and SNIPS)',
    (strategy) => {
      const estimate = estimatePolicyValue(logged, parseTargetPolicy(`static:${strategy}`));
      for (const interval of [estimate.ips, estimate.snips]) {
        expect(interval).toBeDefined();
        expect(interval?.low).toBeLessThanOrEqual(TRUE_MEAN[strategy]);
        expect(interval?.high).toBeGreaterThanOrEqual(TRUE_MEAN[strategy]);
      }
    },
  );

  it('recovers the value of another ε-greedy policy over the logged values, also with bootstrap intervals', () => {
    // egreedy:0.1 plays ultra_aggressive (the arm the values favour) with 0.9 + 0.1/7.
    const truth =
      (0.9 + 0.1 / 7) * TRUE_MEAN.ultra_aggressive +
      (0.1 / 7) *
        STRATEGY_IDS.filter((s) => s !== 'ultra_aggressive').reduce((total, s) => total + TRUE_MEAN[s], 0);
    const target = parseTargetPolicy('egreedy:0.1');
    for (const estimate of [
      estimatePolicyValue(logged, target),
      estimatePolicyValue(logged, target, { bootstrap: 400, rng: seededRng(3) }),
    ]) {
      expect(estimate.ips.low).toBeLessThanOrEqual(truth);
      expect(estimate.ips.high).toBeGreaterThanOrEqual(truth);
      expect(estimate.snips?.low).toBeLessThanOrEqual(truth);
      expect(estimate.snips?.high).toBeGreaterThanOrEqual(truth);
    }
  });

  it('covers the true value in about the promised share of independent logs', () => {
    let covered = 0;
    const runs = 60;
    for (let seed = 100; seed < 100 + runs; seed++) {
      const estimate = estimatePolicyValue(
        loggedByEpsilonGreedy(600, 0.5, 'scalp', seed),
        parseTargetPolicy('static:trend_rider'),
        { confidence: 0.9 },
      );
      if (estimate.snips !== undefined && estimate.snips.low <= 0.3 && estimate.snips.high >= 0.3) covered++;
    }
    expect(covered / runs).toBeGreaterThan(0.78);
  });

  it('gives the logging policy its own realized mean, every decision matched', () => {
    const estimate = estimatePolicyValue(logged, parseTargetPolicy('logged'));
    const mean = logged.reduce((total, decision) => total + decision.realizedR, 0) / logged.length;
    expect(estimate.ips.value).toBeCloseTo(mean, 12);
    expect(estimate.snips?.value).toBeCloseTo(mean, 12);
    expect(estimate.matched).toBe(logged.length);
    expect(estimate.effectiveSampleSize).toBeCloseTo(logged.length, 6);
  });

  it('has no self-normalised estimate for a policy no logged decision matches', () => {
    const onlyScalp = logged.map((decision) => ({ ...decision, strategy: 'scalp' as const, propensity: 1 }));
    const estimate = estimatePolicyValue(onlyScalp, parseTargetPolicy('static:trend_rider'));
    expect(estimate.matched).toBe(0);
    expect(estimate.ips.value).toBe(0);
    expect(estimate.snips).toBeUndefined();
  });

  it('rejects an unknown policy specification', () => {
    for (const spec of ['static:yolo', 'egreedy:2', 'egreedy:', 'greedy:1', 'thompson']) {
      expect(() => parseTargetPolicy(spec)).toThrow(UnknownTargetPolicyError);
    }
  });

  it('computes normal quantiles', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 5);
  });
});

describe('reading logged decisions', () => {
  const recorded = {
    decisionId: 'd-1',
    status: 'CLOSED',
    symbol: 'BTCUSDT',
    regime: { name: 'RANGE_LOW_VOL', confidence: 0.8, features: { atr: 1, atrPct: 0.01 } },
    strategy: 'scalp',
    candidates: ['defensive', 'moderate', 'scalp'],
    values: { scalp: { value: 0.2, count: 4 } },
    explored: true,
    propensity: 0.0333,
    reward: { realizedR: -1, closedAt: '2024-01-01T00:00:00Z', eventId: 'e' },
  };

  it('reads recorded decisions and skips open ones and unusable propensities', () => {
    const open = { ...recorded, decisionId: 'd-2', status: 'OPEN', reward: undefined };
    const zero = { ...recorded, decisionId: 'd-3', propensity: 0 };
    const { decisions, skipped } = readLoggedDecisions({ decisions: [recorded, open, zero] });
    expect(decisions).toEqual([
      {
        decisionId: 'd-1',
        regime: 'RANGE_LOW_VOL',
        candidates: ['defensive', 'moderate', 'scalp'],
        values: { scalp: { value: 0.2, count: 4 } },
        strategy: 'scalp',
        propensity: 0.0333,
        realizedR: -1,
      },
    ]);
    expect(skipped).toEqual({ open: 1, badPropensity: 1 });
  });

  it('names the malformed field', () => {
    expect(() => readLoggedDecisions([{ ...recorded, strategy: 'yolo' }])).toThrow(LoggedDecisionFormatError);
    expect(() => readLoggedDecisions([{ ...recorded, strategy: 'yolo' }])).toThrow(/0\.strategy/);
  });
});

describe('npm run evaluate', () => {
  function io(files: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    const written: Record<string, string> = {};
    return {
      out,
      err,
      written,
      io: {
        readText: async (path: string) => {
          const text = files[path];
          if (text === undefined) throw new Error(`ENOENT: ${path}`);
          return text;
        },
        writeText: async (path: string, text: string) => {
          written[path] = text;
        },
        stdout: (text: string) => out.push(text),
        stderr: (text: string) => err.push(text),
      },
    };
  }

  it('prints IPS and SNIPS with intervals for each policy asked for, and writes JSON', async () => {
    const run = io({ 'decisions.json': JSON.stringify(loggedByEpsilonGreedy(500, 0.5, 'scalp', 1)) });
    const code = await runEvaluateCommand(
      [
        '--file',
        'decisions.json',
        '--policy',
        'static:trend_rider',
        '--policy',
        'greedy',
        '--json',
        'out.json',
      ],
      run.io,
    );
    expect(code).toBe(0);
    const text = run.out.join('');
    expect(text).toContain('500 closed decisions');
    expect(text).toMatch(/static:trend_rider\s+\d+\/500/);
    expect(text).toMatch(/greedy\s+\d+\/500/);
    const json = JSON.parse(run.written['out.json'] ?? '{}');
    expect(json.estimates.map((e: { policy: string }) => e.policy)).toEqual(['static:trend_rider', 'greedy']);
  });

  it('fails with usage on a bad option and with the reason on a bad file', async () => {
    const usage = io({});
    expect(await runEvaluateCommand(['--policy', 'greedy'], usage.io)).toBe(2);
    expect(usage.err.join('')).toContain('--file is required');
    const missing = io({});
    expect(await runEvaluateCommand(['--file', 'nope.json'], missing.io)).toBe(1);
    const malformed = io({ 'bad.json': '[{"strategy": 1}]' });
    expect(await runEvaluateCommand(['--file', 'bad.json'], malformed.io)).toBe(1);
    expect(malformed.err.join('')).toContain('bad.json');
  });
});
