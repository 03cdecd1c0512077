import { createRewardApplier } from '../../lib/apply-reward';
import { getConfig } from '../../lib/config';
import { createTradeClosedParser } from '../../lib/contract/trade-closed';
import { createEpsilonGreedyLearner } from '../../lib/learners/epsilon-greedy';
import { systemRng } from '../../lib/random';
import { createRuntimeStore, sleep } from '../shared/runtime';
import { createPowertoolsTelemetry } from '../shared/telemetry';
import { createRewardHandler } from './reward-handler';

// Built once per execution environment; a bad environment fails the cold start.
const config = getConfig();

export const handler = createRewardHandler({
  parseDetail: createTradeClosedParser(config.maxCandles),
  applyReward: createRewardApplier({
    store: createRuntimeStore(config),
    learner: createEpsilonGreedyLearner(config.learner),
    clock: Date.now,
    rng: systemRng,
    sleep,
  }),
  telemetry: createPowertoolsTelemetry(),
  clock: Date.now,
});
