/**
 * The project's learner: trade the reference arm (trend_rider) until another arm's lead over it,
 * measured trade by trade on the same paths, is significant; then trade the arm with the highest
 * lower bound on its lead.
 *
 * Why this shape (measured walk-forward on the bundled crypto, stock and index series with three
 * signal kinds; see docs/learning.md):
 * - Every arm is priced on every trade's path, so two arms' outcomes share the trade's noise
 *   (about 1 R): their difference is far less noisy than either. A lead measured on pairs clears
 *   its bound in hundreds of trades where unpaired bounds need thousands.
 * - The evidence of a (symbol, regime) cell is its own pairs, plus the same regime on the other
 *   symbols (worth at most `poolTrades` trades) and the same symbol in its other regimes (at most
 *   `symbolTrades`): a new symbol starts from what the regime taught elsewhere, and a cell's own
 *   pairs take over as they grow.
 * - Only sums are read (count, Σ lead, Σ lead² per arm), so rewards add to the cells in any order.
 * - The choice is deterministic (propensity 1): a full-information policy learns every arm from
 *   every path, so it need not explore.
 */
import { type ArmId, REFERENCE_ARM } from '../arms';
import { MICRO_PER_R } from './cell-stats';
import { NoCandidatesError } from './epsilon-greedy';
import type { ArmValue, CandidateEvidence, CellStats, Choice, ChooseInput, Learner } from './learner';

export interface PairedLearnerOptions {
  /** Width, in standard errors, of the lower bound an arm's lead must keep above 0. */
  confidenceT: number;
  /** Most trades the same regime on the other symbols counts as. */
  poolTrades: number;
  /** Most trades the same symbol in its other regimes counts as. */
  symbolTrades: number;
  /** Trades of evidence an arm needs before it may replace the reference. */
  minEvidenceTrades: number;
  /** Floor of the variance of one trade's lead, in R² (a lead seen on few trades may look noiseless). */
  minLeadVariance: number;
}

export const DEFAULT_PAIRED_OPTIONS: Readonly<PairedLearnerOptions> = Object.freeze({
  confidenceT: 1.5,
  poolTrades: 50,
  symbolTrades: 30,
  minEvidenceTrades: 20,
  minLeadVariance: 0.04,
});

/** Paired sums of one arm: trades, Σ lead, Σ lead² (R, R²). */
interface PairSums {
  n: number;
  sum: number;
  sq: number;
}

const NO_PAIRS: PairSums = { n: 0, sum: 0, sq: 0 };

function pairSums(cell: CellStats | undefined): PairSums {
  if (cell === undefined) return NO_PAIRS;
  return { n: cell.pairN, sum: cell.pairSumMicro / MICRO_PER_R, sq: cell.pairSqMicro / MICRO_PER_R };
}

/** `whole` less `part` (a pooled or total cell without the symbol's own cell). */
function without(whole: PairSums, part: PairSums): PairSums {
  return { n: Math.max(0, whole.n - part.n), sum: whole.sum - part.sum, sq: whole.sq - part.sq };
}

/**
 * One arm's lead over the reference: the own cell's pairs, plus each prior's mean weighted as at
 * most its cap in trades.
 */
export function pairedLead(
  own: PairSums,
  priors: readonly { sums: PairSums; cap: number }[],
  options: Pick<PairedLearnerOptions, 'confidenceT' | 'minLeadVariance'>,
): CandidateEvidence {
  let trades = own.n;
  let sum = own.sum;
  let sq = own.sq;
  for (const { sums, cap } of priors) {
    const weight = Math.min(cap, sums.n);
    if (weight <= 0) continue;
    trades += weight;
    sum += (weight * sums.sum) / sums.n;
    sq += (weight * sums.sq) / sums.n;
  }
  if (trades <= 0) return { meanR: 0, trades: 0, ownTrades: 0, pooledTrades: 0, lowerR: 0, upperR: 0 };
  const meanR = sum / trades;
  const variance = Math.max(options.minLeadVariance, sq / trades - meanR * meanR);
  const margin = options.confidenceT * Math.sqrt(variance / trades);
  // At this lead and spread, the trades after which the lower bound would clear 0.
  const needed = meanR > 0 ? (options.confidenceT ** 2 * variance) / (meanR * meanR) : undefined;
  return {
    meanR,
    trades,
    ownTrades: own.n,
    pooledTrades: trades - own.n,
    lowerR: meanR - margin,
    upperR: meanR + margin,
    moreTradesToClear: needed === undefined ? null : Math.max(0, Math.ceil(needed - trades)),
  };
}

/**
 * Creates the paired learner (defaults: {@link DEFAULT_PAIRED_OPTIONS}). Among the candidates,
 * the reference arm scores 0; every other arm with at least `minEvidenceTrades` of paired
 * evidence scores the lower bound of its lead; the highest score wins, ties to the reference
 * and then to arm order. Without the reference among the candidates, the best-scoring arm wins
 * (the first candidate when none has evidence). `values` shows each candidate's lead over the
 * reference (0 for the reference itself) and its cell's count, with the evidence behind it.
 */
export function createPairedLearner(options: Partial<PairedLearnerOptions> = {}): Learner {
  const settings = { ...DEFAULT_PAIRED_OPTIONS, ...definedOnly(options) };
  const { confidenceT, poolTrades, symbolTrades, minEvidenceTrades, minLeadVariance } = settings;
  for (const [name, value] of Object.entries(settings)) {
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`${name} must be a finite number ≥ 0 (got ${value})`);
  }
  const policy =
    `default:paired(t=${confidenceT},pool=${poolTrades},symbol=${symbolTrades},` +
    `minEvidence=${minEvidenceTrades},minVar=${minLeadVariance},reference=${REFERENCE_ARM})`;

  return {
    policy,

    choose({ regime, candidates: given, cells, pooled, symbolTotal }: ChooseInput): Choice {
      const candidates = [...new Set(given)];
      const first = candidates[0];
      if (first === undefined) throw new NoCandidatesError(regime);
      const values: Partial<Record<ArmId, ArmValue>> = {};
      const evidenceOf: Partial<Record<ArmId, CandidateEvidence>> = {};
      const referenceIn = candidates.includes(REFERENCE_ARM);
      let best: ArmId = referenceIn ? REFERENCE_ARM : first;
      let bestScore = referenceIn ? 0 : Number.NEGATIVE_INFINITY;
      let runnerUp: { arm: ArmId; evidence: CandidateEvidence } | undefined;
      for (const arm of candidates) {
        const own = pairSums(cells[arm]);
        const evidence: CandidateEvidence =
          arm === REFERENCE_ARM
            ? {
                meanR: 0,
                trades: cells[arm]?.count ?? 0,
                ownTrades: cells[arm]?.count ?? 0,
                pooledTrades: 0,
                lowerR: 0,
                upperR: 0,
              }
            : pairedLead(
                own,
                [
                  { sums: without(pairSums(pooled?.[arm]), own), cap: poolTrades },
                  { sums: without(pairSums(symbolTotal?.[arm]), own), cap: symbolTrades },
                ],
                settings,
              );
        values[arm] = { value: evidence.meanR, count: cells[arm]?.count ?? 0 };
        evidenceOf[arm] = evidence;
        if (arm === REFERENCE_ARM || evidence.trades < minEvidenceTrades || evidence.trades === 0) continue;
        if (runnerUp === undefined || evidence.lowerR > runnerUp.evidence.lowerR)
          runnerUp = { arm, evidence };
        if (evidence.lowerR > bestScore + 1e-12) {
          bestScore = evidence.lowerR;
          best = arm;
        }
      }
      return {
        arm: best,
        explored: false,
        propensity: 1,
        probabilities: { [best]: 1 },
        values,
        reason: reasonFor(best, referenceIn, runnerUp, minEvidenceTrades),
        policy,
        evidence: evidenceOf,
      };
    },
  };
}

function reasonFor(
  chosen: ArmId,
  referenceIn: boolean,
  best: { arm: ArmId; evidence: CandidateEvidence } | undefined,
  minEvidenceTrades: number,
): string {
  if (best === undefined) {
    return referenceIn
      ? `${REFERENCE_ARM} kept: no arm has the ${minEvidenceTrades} trades of paired evidence a switch needs yet`
      : `${chosen}: the first candidate (${REFERENCE_ARM} is no candidate here, and no arm has evidence yet)`;
  }
  const { arm, evidence } = best;
  const lead = `leads ${REFERENCE_ARM} by ${signed(evidence.meanR)} R/trade over ${round(evidence.trades)} trades (${evidence.ownTrades} of this cell's own)`;
  if (chosen === REFERENCE_ARM) {
    return `${REFERENCE_ARM} kept: the best challenger, ${arm}, ${lead}, but its lower bound ${signed(evidence.lowerR)} R is not above 0`;
  }
  return `${arm} chosen: it ${lead}, lower bound ${signed(evidence.lowerR)} R${referenceIn ? ' > 0' : ` (${REFERENCE_ARM} is no candidate here)`}`;
}

function signed(value: number): string {
  const text = round(value).toString();
  return value >= 0 ? `+${text}` : text;
}

function round(value: number): number {
  return Number(value.toFixed(3));
}

/** So that an option passed as `undefined` (an unset config value) keeps its default. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
