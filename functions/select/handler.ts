import { randomUUID } from 'node:crypto';
import { getConfig } from '../../lib/config';
import { createSelectRequestParser } from '../../lib/contract/select-request';
import { createEpsilonGreedyLearner } from '../../lib/learners/epsilon-greedy';
import { systemRng } from '../../lib/random';
import { createClassicDetector } from '../../lib/regimes/classic-detector';
import { createStrategySelector } from '../../lib/select-strategy';
import { createRuntimeStore } from '../shared/runtime';
import { createPowertoolsTelemetry } from '../shared/telemetry';
import { createSelectHandler } from './select-handler';

// Built once per execution environment; a bad environment fails the cold start.
const config = getConfig();

export const handler = createSelectHandler({
  parseRequest: createSelectRequestParser(config.maxCandles),
  selectStrategy: createStrategySelector({
    store: createRuntimeStore(config),
    detector: createClassicDetector(config.regime),
    learner: createEpsilonGreedyLearner(config.learner),
    settings: {
      enabled: config.enabled,
      defaultStrategy: config.learner.defaultStrategy,
      decisionTtlDays: config.decisionTtlDays,
    },
    rng: systemRng,
    clock: Date.now,
    newDecisionId: randomUUID,
  }),
  telemetry: createPowertoolsTelemetry(),
});
