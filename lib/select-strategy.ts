import { type ArmId, type ArmSpec, getArm } from './arms';
import type { SelectRequest } from './contract/select-request';
import { chooseFramed, frameDecision, framedPlan } from './decide';
import { type Decision, decisionExpiresAt, type ShadowChoice } from './decision';
import type { ArmValue, CandidateEvidence, Choice } from './learners/learner';
import type { Policy } from './policy';
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
  /** The arm answered: `strategy` with its stop and target distances scaled. */
  arm: ArmSpec;
  /** One sentence: why this arm. */
  reason: string;
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
  /** Per candidate arm: what the learner ranks it by, its cell's count, and the evidence behind it. */
  candidates: Partial<Record<ArmId, ArmValue & { evidence?: CandidateEvidence }>>;
}

export interface SelectSettings {
  /** When false the selector answers `defaultStrategy` and records the learner's choice as a shadow. */
  enabled: boolean;
  defaultStrategy: StrategyId;
  decisionTtlDays: number;
  /** `entryPrice` must lie within this many ATRs of the last close. */
  entryMaxDistanceAtr: number;
  /** Pooled shards read (summed) for a pooling policy. */
  poolShards: number;
}

/** What of a policy select reads: its regimes, its candidates, its learner, and whether it pools. */
export type SelectPolicy = Pick<Policy, 'detector' | 'learner' | 'pooling' | 'candidates' | 'arms'>;

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
 * The select use case: the decide core (`frameDecision`: regime, entry, the candidates whose plan
 * keeps every price positive; `chooseFramed`: the learner's choice) around one read of the
 * (symbol, regime) cell and, when the policy pools, the regime's pooled shards (the same
 * request), and one conditional write of the decision. The decision is written before it is
 * answered, so every answer can be rewarded. With the learner disabled the default strategy is
 * answered with propensity 1, and the learner's own choice is still computed and recorded as
 * `shadowChoice` (shadow mode), so learning continues. A request with an `idempotencyKey` that
 * was already answered gets that answer again (`recordDecisionOnce`).
 *
 * @throws IdempotencyConflictError when the key was used for a different request.
 * @throws ValidationError when the candles cannot size a plan (no price range: ATR 0), the entry
 *   price is unusable or far from the market, or no plan keeps its prices positive.
 */
export function createStrategySelector(deps: SelectStrategyDeps): SelectStrategy {
  const { store, settings, policy } = deps;
  return async (request) => {
    const framed = frameDecision(policy, request, settings);
    const cells = await store.readSelectionCells(request.symbol, framed.regime.name, {
      poolShards: policy.pooling ? settings.poolShards : 0,
    });
    const choice = chooseFramed(policy, framed, cells, deps.rng);
    const answered = settings.enabled ? choice : disabledChoice(settings.defaultStrategy, choice);
    const arm = getArm(answered.arm);
    const createdAt = deps.clock();
    const key = request.idempotencyKey;
    const lastCandle = request.candles[request.candles.length - 1];

    const decision: Decision = {
      decisionId: key === undefined ? deps.newDecisionId() : idempotentDecisionId(key),
      status: 'OPEN',
      symbol: request.symbol,
      side: request.side,
      ...(request.timeframe === undefined ? {} : { timeframe: request.timeframe }),
      regime: framed.regime,
      strategy: arm.base,
      arm,
      plan: framedPlan(framed, request.side, arm.id),
      candidates: framed.candidates,
      values: choice.values,
      ...(choice.evidence === undefined ? {} : { evidence: choice.evidence }),
      reason: answered.reason,
      explored: answered.explored,
      propensity: answered.propensity,
      probabilities: answered.probabilities,
      policy: answered.policy,
      ...(settings.enabled ? {} : { shadowChoice: shadowOf(choice) }),
      ...(request.signal === undefined ? {} : { signal: request.signal }),
      ...(request.liquidity === undefined ? {} : { liquidity: request.liquidity }),
      ...(lastCandle === undefined ? {} : { lastCandleAt: lastCandle.t }),
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
    arm: decision.arm,
    reason: decision.reason,
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
        const evidence = decision.evidence?.[id];
        return [
          id,
          { value: arm?.value ?? 0, count: arm?.count ?? 0, ...(evidence === undefined ? {} : { evidence }) },
        ];
      }),
    ),
  };
}

function disabledChoice(strategy: StrategyId, learned: Choice): Choice {
  return {
    arm: strategy,
    explored: false,
    propensity: 1,
    probabilities: { [strategy]: 1 },
    values: learned.values,
    reason: `${strategy}: the selector is disabled (META_STRATEGY_ENABLED=false) and answers DEFAULT_STRATEGY; the learner would choose ${learned.arm}`,
    policy: `disabled:${strategy}`,
  };
}

function shadowOf(choice: Choice): ShadowChoice {
  return {
    arm: choice.arm,
    explored: choice.explored,
    propensity: choice.propensity,
    policy: choice.policy,
  };
}
