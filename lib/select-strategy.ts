import type { SelectRequest } from './contract/select-request';
import { ValidationError } from './contract/validation-error';
import { type Decision, decisionExpiresAt, type ShadowChoice } from './decision';
import { buildExitPlan, type ExitPlan, InvalidPlanInputError } from './exit-plan';
import type { ArmValue, Choice } from './learners/learner';
import { type Policy, policyCandidates } from './policy';
import { getProfile } from './profiles';
import type { RegimeResult } from './regimes/regime-detector';
import {
  idempotentDecisionId,
  type RecordedDecision,
  recordDecisionOnce,
  selectRequestHash,
} from './select-idempotency';
import type { SelectionStore } from './store/selector-store';
import type { Clock, Rng, Side, StrategyId } from './types';

/** The `POST /v1/select` response body, exactly as the HTTP contract spells it. */
export interface SelectResponse {
  decisionId: string;
  symbol: string;
  side: Side;
  regime: RegimeResult;
  strategy: StrategyId;
  explored: boolean;
  propensity: number;
  policy: string;
  plan: {
    entry: number;
    atr: number;
    stopLoss: number;
    takeProfits: { price: number; r: number; closeFraction: number }[];
    breakEven: { triggerPrice: number };
    trailing: { activationPrice: number; distance: number };
  };
  candidates: Partial<Record<StrategyId, ArmValue>>;
}

export interface SelectSettings {
  /** When false the selector answers `defaultStrategy` and records the learner's choice as a shadow. */
  enabled: boolean;
  defaultStrategy: StrategyId;
  decisionTtlDays: number;
}

/** What of a policy select reads: its regimes, its candidates, its learner, and whether it pools. */
export type SelectPolicy = Pick<Policy, 'detector' | 'learner' | 'pooling' | 'candidates'>;

export interface SelectStrategyDeps {
  store: SelectionStore;
  policy: SelectPolicy;
  settings: SelectSettings;
  rng: Rng;
  clock: Clock;
  newDecisionId: () => string;
}

/** The decision answered, and whether an earlier call with the same idempotency key recorded it. */
export type SelectStrategy = (request: SelectRequest) => Promise<RecordedDecision>;

/**
 * The select use case: regime → candidates → learner → exit plan → recorded decision. The
 * policy's detector names the regime, its candidates are the strategies it may answer, and its
 * learner chooses from the (symbol, regime) cells, and also from the regime's cells pooled across
 * symbols when the policy pools (read in the same request). The decision is written before it is
 * answered, so every answer can be rewarded. With the learner
 * disabled the default strategy is answered with propensity 1, and the learner's own choice is
 * still computed and recorded as `shadowChoice` (shadow mode), so learning continues. A request
 * with an `idempotencyKey` that was already answered gets that answer again (`recordDecisionOnce`).
 *
 * @throws IdempotencyConflictError when the key was used for a different request.
 * @throws ValidationError when the candles cannot size a plan (no price range: ATR 0), or the
 *   entry price is unusable.
 */
export function createStrategySelector(deps: SelectStrategyDeps): SelectStrategy {
  const { store, settings } = deps;
  const { detector, learner, pooling } = deps.policy;
  return async (request) => {
    const regime = detector.detect({ candles: request.candles, liquidity: request.liquidity });
    const atr = regime.features.atr;
    if (!(Number.isFinite(atr) && atr > 0)) {
      throw ValidationError.of('Request', [
        {
          path: 'candles',
          message: 'the candles have no price range (ATR is 0), so no exit plan can be sized',
        },
      ]);
    }
    const candidates = policyCandidates(deps.policy, regime.name, request.liquidity);
    const { cells, pooled } = await store.readSelectionCells(request.symbol, regime.name, candidates, {
      pooled: pooling,
    });
    const choice = learner.choose({
      regime: regime.name,
      candidates,
      cells,
      ...(pooling ? { pooled } : {}),
      rng: deps.rng,
    });
    const answered = settings.enabled ? choice : disabledChoice(settings.defaultStrategy, choice);
    const lastCandle = request.candles[request.candles.length - 1];
    const entry = request.entryPrice ?? lastCandle?.c ?? Number.NaN;
    const createdAt = deps.clock();
    const key = request.idempotencyKey;

    const decision: Decision = {
      decisionId: key === undefined ? deps.newDecisionId() : idempotentDecisionId(key),
      status: 'OPEN',
      symbol: request.symbol,
      side: request.side,
      ...(request.timeframe === undefined ? {} : { timeframe: request.timeframe }),
      regime,
      strategy: answered.strategy,
      plan: planFor(request.side, entry, atr, answered.strategy),
      candidates,
      values: choice.values,
      explored: answered.explored,
      propensity: answered.propensity,
      probabilities: answered.probabilities,
      policy: answered.policy,
      ...(settings.enabled ? {} : { shadowChoice: shadowOf(choice) }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(request.liquidity === undefined ? {} : { liquidity: request.liquidity }),
      createdAt,
      expiresAt: decisionExpiresAt(createdAt, settings.decisionTtlDays),
      ...(key === undefined ? {} : { idempotencyKey: key, requestHash: selectRequestHash(request) }),
    };
    return recordDecisionOnce(store, decision);
  };
}

/** The contract's response for a recorded decision. */
export function toSelectResponse(decision: Decision): SelectResponse {
  const { plan } = decision;
  return {
    decisionId: decision.decisionId,
    symbol: decision.symbol,
    side: decision.side,
    regime: decision.regime,
    strategy: decision.strategy,
    explored: decision.explored,
    propensity: decision.propensity,
    policy: decision.policy,
    plan: {
      entry: plan.entry,
      atr: plan.atr,
      stopLoss: plan.stopLoss,
      takeProfits: plan.takeProfits.map(({ price, r, closeFraction }) => ({ price, r, closeFraction })),
      breakEven: { triggerPrice: plan.breakEven.triggerPrice },
      trailing: { activationPrice: plan.trailing.activationPrice, distance: plan.trailing.distance },
    },
    candidates: Object.fromEntries(
      decision.candidates.map((id) => {
        const arm = decision.values[id];
        return [id, { value: arm?.value ?? 0, count: arm?.count ?? 0 }];
      }),
    ),
  };
}

function disabledChoice(strategy: StrategyId, learned: Choice): Choice {
  return {
    strategy,
    explored: false,
    propensity: 1,
    probabilities: { [strategy]: 1 },
    values: learned.values,
    policy: `disabled:${strategy}`,
  };
}

function shadowOf(choice: Choice): ShadowChoice {
  return {
    strategy: choice.strategy,
    explored: choice.explored,
    propensity: choice.propensity,
    policy: choice.policy,
  };
}

function planFor(side: Side, entry: number, atr: number, strategy: StrategyId): ExitPlan {
  try {
    return buildExitPlan({ side, entry, atr, profile: getProfile(strategy) });
  } catch (error) {
    if (!(error instanceof InvalidPlanInputError)) throw error;
    const path = error.field === 'entry' ? 'entryPrice' : 'candles';
    throw ValidationError.of('Request', [{ path, message: error.message }]);
  }
}
