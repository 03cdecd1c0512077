import { type ArmId, type ArmSpec, armProfile, getArm } from './arms';
import { ValidationError } from './contract/validation-error';
import { buildExitPlan, type ExitPlan, InvalidPlanInputError } from './exit-plan';
import type { CellsByArm, Choice } from './learners/learner';
import { planPricesArePositive } from './plausibility';
import { type Policy, policyCandidates } from './policy';
import type { RegimeResult } from './regimes/regime-detector';
import type { Candle, Liquidity, Rng, Side } from './types';

/**
 * The decide core: what the select use case and the backtest both do with a signal, purely.
 * `frameDecision` reads the candles (regime, entry, the plans that are tradeable); the caller
 * then reads the regime's cells (from DynamoDB, or from memory) and `chooseFramed` lets the
 * learner choose. The policy measured is the policy that runs.
 */

/** A signal framed for the learner: its regime, its entry, and every candidate's plan. */
export interface FramedDecision {
  regime: RegimeResult;
  entry: number;
  /**
   * The policy's arms whose profile the policy offers in this regime (`policyCandidates`) and
   * whose plan has every price positive, in arm order; never empty.
   */
  candidates: ArmId[];
  plans: Partial<Record<ArmId, ExitPlan>>;
}

export interface SignalInput {
  side: Side;
  /** Oldest first; the last one is the bar the signal is on. */
  candles: readonly Candle[];
  /** Default: the last candle's close. */
  entryPrice?: number;
  liquidity?: Liquidity;
}

/**
 * Regime → entry → the tradeable candidates.
 * @throws ValidationError naming the field: the candles have no price range (ATR 0), `entryPrice`
 *   lies more than `entryMaxDistanceAtr` ATRs from the last close, or no candidate's plan keeps
 *   every price above zero (the ATR is too large a part of the price).
 */
export function frameDecision(
  policy: Pick<Policy, 'detector' | 'candidates' | 'arms'>,
  signal: SignalInput,
  settings: { entryMaxDistanceAtr: number },
): FramedDecision {
  const regime = policy.detector.detect({ candles: signal.candles, liquidity: signal.liquidity });
  const atr = regime.features.atr;
  if (!(Number.isFinite(atr) && atr > 0)) {
    throw invalid('candles', 'the candles have no price range (ATR is 0), so no exit plan can be sized');
  }
  const lastClose = signal.candles[signal.candles.length - 1]?.c ?? Number.NaN;
  const entry = signal.entryPrice ?? lastClose;
  const distanceAtr = Math.abs(entry - lastClose) / atr;
  if (!(distanceAtr <= settings.entryMaxDistanceAtr)) {
    throw invalid(
      'entryPrice',
      `entryPrice ${entry} is ${round(distanceAtr)} ATRs from the last close ${lastClose}; at most ${settings.entryMaxDistanceAtr} are accepted (ENTRY_MAX_DISTANCE_ATR)`,
    );
  }
  const plans: Partial<Record<ArmId, ExitPlan>> = {};
  const candidates: ArmId[] = [];
  const offered = new Set(policyCandidates(policy, regime.name, signal.liquidity));
  for (const arm of policy.arms) {
    if (!offered.has(arm.base)) continue;
    const plan = planOf(signal.side, entry, atr, arm);
    if (!planPricesArePositive(plan)) continue;
    plans[arm.id] = plan;
    candidates.push(arm.id);
  }
  if (candidates.length === 0) {
    throw invalid(
      'candles',
      `no exit plan keeps every price above zero: the ATR (${atr}) is ${round((100 * atr) / entry)}% of the entry ${entry}, too volatile for any profile's ${signal.side} stop and targets`,
    );
  }
  return { regime: storableRegime(regime), entry, candidates, plans };
}

/** The learner's choice among the framed candidates, and the chosen plan. */
export function chooseFramed(
  policy: Pick<Policy, 'learner' | 'pooling'>,
  framed: FramedDecision,
  cells: { cells: CellsByArm; pooled?: CellsByArm; symbolTotal?: CellsByArm },
  rng: Rng,
): Choice {
  return policy.learner.choose({
    regime: framed.regime.name,
    candidates: framed.candidates,
    cells: cells.cells,
    ...(policy.pooling && cells.pooled !== undefined ? { pooled: cells.pooled } : {}),
    ...(policy.pooling && cells.symbolTotal !== undefined ? { symbolTotal: cells.symbolTotal } : {}),
    rng,
  });
}

/**
 * The plan of `arm`; an arm outside the framed candidates (a disabled selector's default
 * strategy) is planned here too, and must also keep its prices positive.
 * @throws ValidationError when its plan cannot be built or a price would not be positive.
 */
export function framedPlan(framed: FramedDecision, side: Side, arm: ArmId): ExitPlan {
  const plan = framed.plans[arm] ?? planOf(side, framed.entry, framed.regime.features.atr, getArm(arm));
  if (!planPricesArePositive(plan)) {
    throw invalid('candles', `the ${arm} plan would put a price at or below zero on this market`);
  }
  return plan;
}

function planOf(side: Side, entry: number, atr: number, arm: ArmSpec): ExitPlan {
  try {
    return buildExitPlan({ side, entry, atr, profile: armProfile(arm) });
  } catch (error) {
    if (!(error instanceof InvalidPlanInputError)) throw error;
    throw invalid(error.field === 'entry' ? 'entryPrice' : 'candles', error.message);
  }
}

/**
 * DynamoDB holds no number smaller in magnitude than 1e-130: features computed on near-constant
 * candles (a trend strength of 1e-140, say) are recorded as 0 rather than fail the write.
 */
function storableRegime(regime: RegimeResult): RegimeResult {
  const features = { ...regime.features };
  for (const [name, value] of Object.entries(features)) {
    if (typeof value === 'number' && Math.abs(value) < 1e-100) features[name] = 0;
  }
  return { ...regime, features };
}

function invalid(path: string, message: string): ValidationError {
  return ValidationError.of('Request', [{ path, message }]);
}

function round(value: number): number {
  return Number(value.toPrecision(3));
}
