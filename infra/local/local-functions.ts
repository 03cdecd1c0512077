import { randomUUID } from 'node:crypto';
import { createRewardHandler } from '../../functions/reward/reward-handler';
import { createSelectHandler } from '../../functions/select/select-handler';
import { sleep } from '../../functions/shared/runtime';
import type { Telemetry } from '../../functions/shared/telemetry';
import { createStatsHandler } from '../../functions/stats/stats-handler';
import { createRewardApplier } from '../../lib/apply-reward';
import type { Config } from '../../lib/config';
import { createSelectRequestParser } from '../../lib/contract/select-request';
import { createTradeClosedParser } from '../../lib/contract/trade-closed';
import { createEpsilonGreedyLearner } from '../../lib/learners/epsilon-greedy';
import { seededRng, systemRng } from '../../lib/random';
import { createClassicDetector } from '../../lib/regimes/classic-detector';
import { createStrategySelector } from '../../lib/select-strategy';
import type { SelectorStore } from '../../lib/store/selector-store';
import type { Clock } from '../../lib/types';

export interface LocalFunctionsDeps {
  config: Config;
  /** The store on DynamoDB Local (in Lambda: `createRuntimeStore`). */
  store: SelectorStore;
  telemetry: (functionName: 'select' | 'reward' | 'stats') => Telemetry;
  /** Seeds the learner's exploration draws (and the reward backoff jitter); random when omitted, as in Lambda. */
  seed?: number;
  clock?: Clock;
}

/**
 * The select, reward and stats handlers, built by the same factories and with the same
 * dependencies as `functions/<name>/handler.ts`, except the store (DynamoDB Local), the
 * telemetry (the console) and, on request, a seeded random source. Keep this wiring in step
 * with those three files: it is the local stack's copy of their cold start.
 */
export function createLocalFunctions(deps: LocalFunctionsDeps) {
  const { config, store } = deps;
  const clock = deps.clock ?? Date.now;
  const selectRng = deps.seed === undefined ? systemRng : seededRng(deps.seed);
  const rewardRng = deps.seed === undefined ? systemRng : seededRng(deps.seed + 1);
  const learner = createEpsilonGreedyLearner(config.learner);
  return {
    select: createSelectHandler({
      parseRequest: createSelectRequestParser(config.maxCandles),
      selectStrategy: createStrategySelector({
        store,
        detector: createClassicDetector(config.regime),
        learner,
        settings: {
          enabled: config.enabled,
          defaultStrategy: config.learner.defaultStrategy,
          decisionTtlDays: config.decisionTtlDays,
        },
        rng: selectRng,
        clock,
        newDecisionId: randomUUID,
      }),
      telemetry: deps.telemetry('select'),
    }),
    reward: createRewardHandler({
      parseDetail: createTradeClosedParser(config.maxCandles),
      applyReward: createRewardApplier({ store, learner, clock, rng: rewardRng, sleep }),
      telemetry: deps.telemetry('reward'),
      clock,
    }),
    stats: createStatsHandler({ store, telemetry: deps.telemetry('stats') }),
  };
}

export type LocalFunctions = ReturnType<typeof createLocalFunctions>;
