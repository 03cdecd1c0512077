import { type ApplyReward, createRewardApplier } from '../../lib/apply-reward';
import { createSelectRequestParser } from '../../lib/contract/select-request';
import { createTradeClosedParser } from '../../lib/contract/trade-closed';
import { createStrategySelector } from '../../lib/select-strategy';
import { createRewardHandler } from '../reward/reward-handler';
import { createSelectHandler } from '../select/select-handler';
import { createStatsHandler } from '../stats/stats-handler';
import type { SelectorRuntime } from './runtime';

/**
 * The three handlers assembled from one runtime. `functions/<name>/handler.ts` export these for
 * Lambda, and the local stack and the integration tests serve the very same assembly, so that
 * what runs locally is the production wiring with another store, telemetry, clock or seed.
 */

/** `POST /v1/select` with the runtime's policy (detector, learner, pooled evidence). */
export function createSelectFunction(runtime: SelectorRuntime) {
  const { config } = runtime;
  return createSelectHandler({
    parseRequest: createSelectRequestParser(config.maxCandles),
    selectStrategy: createStrategySelector({
      store: runtime.store,
      policy: runtime.policy,
      settings: {
        enabled: config.enabled,
        defaultStrategy: config.learner.defaultStrategy,
        decisionTtlDays: config.decisionTtlDays,
        entryMaxDistanceAtr: config.plausibility.entryMaxDistanceAtr,
        poolShards: config.poolShards,
      },
      rng: runtime.selectRng,
      clock: runtime.clock,
      newDecisionId: runtime.newDecisionId,
    }),
    telemetry: runtime.telemetry('select'),
  });
}

/** The TradeClosed consumer: the runtime's policy learns from each close (and its `path`) once. */
export function createRewardFunction(runtime: SelectorRuntime) {
  return createRewardHandler({
    parseDetail: createTradeClosedParser(runtime.config.maxCandles),
    applyReward: createRuntimeRewardApplier(runtime),
    telemetry: runtime.telemetry('reward'),
    clock: runtime.clock,
  });
}

/** The reward use case the reward function runs (tests drive it directly to stage races). */
export function createRuntimeRewardApplier(runtime: SelectorRuntime): ApplyReward {
  return createRewardApplier({
    store: runtime.store,
    policy: runtime.policy,
    horizonBars: runtime.config.horizonBars,
    plausibility: runtime.config.plausibility,
    poolShards: runtime.config.poolShards,
    clock: runtime.clock,
    rng: runtime.rewardRng,
    sleep: runtime.sleep,
    ...(runtime.retry === undefined ? {} : { retry: runtime.retry }),
  });
}

/** `GET /v1/strategies`, `GET /v1/stats`, `GET /v1/decisions/{id}`. */
export function createStatsFunction(runtime: SelectorRuntime) {
  return createStatsHandler({
    store: runtime.store,
    arms: runtime.policy.arms,
    telemetry: runtime.telemetry('stats'),
  });
}

/** All three, as the local stack serves them. */
export function createSelectorFunctions(runtime: SelectorRuntime) {
  return {
    select: createSelectFunction(runtime),
    reward: createRewardFunction(runtime),
    stats: createStatsFunction(runtime),
  };
}

export type SelectorFunctions = ReturnType<typeof createSelectorFunctions>;
