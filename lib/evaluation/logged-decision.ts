import * as z from 'zod';
import { REGIMES, type RegimeName, STRATEGY_IDS, type StrategyId } from '../types';

/**
 * What off-policy evaluation reads of one closed decision: what the logging policy saw and did,
 * with which probability, and what it earned. A recorded `Decision` (the store's item, or the
 * body of `GET /v1/decisions/{id}`) carries all of it.
 */
export interface LoggedDecision {
  decisionId?: string;
  regime: RegimeName;
  /** What the logging policy could choose from. */
  candidates: StrategyId[];
  /** The values the logging policy showed for each candidate when it chose. */
  values: Partial<Record<StrategyId, { value: number; count: number }>>;
  /** The strategy traded. */
  strategy: StrategyId;
  /** Probability with which the logging policy chose `strategy`. */
  propensity: number;
  realizedR: number;
}

const strategy = z.enum(STRATEGY_IDS);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** A closed decision as the store records it; fields the evaluation does not read pass through. */
const recordedDecision = z.object({
  decisionId: z.string().optional(),
  status: z.string().optional(),
  regime: z.union([z.enum(REGIMES), z.object({ name: z.enum(REGIMES) })]),
  candidates: z.array(strategy).min(1),
  values: z.partialRecord(strategy, z.object({ value: finite, count: finite })).default({}),
  strategy,
  propensity: finite,
  realizedR: finite.optional(),
  reward: z.object({ realizedR: finite }).optional(),
});

const decisionFile = z.union([z.array(z.unknown()), z.object({ decisions: z.array(z.unknown()) })]);

/** How many decisions of a file were left out, and why. */
export interface SkippedDecisions {
  /** Not closed yet: no realized R. */
  open: number;
  /** Propensity outside (0, 1]: the decision cannot be reweighted. */
  badPropensity: number;
}

/** The file could not be read as decisions; `issues` name the paths (e.g. `3.propensity`). */
export class LoggedDecisionFormatError extends Error {
  override readonly name = 'LoggedDecisionFormatError';

  constructor(readonly issues: readonly { path: string; message: string }[]) {
    super(`not a list of decisions: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
  }
}

/**
 * Reads logged decisions from parsed JSON: an array of decisions, or `{ "decisions": [...] }`.
 * Each is a recorded `Decision` (regime as `{ name }`, R in `reward.realizedR`) or the flat shape
 * of {@link LoggedDecision}. Open decisions and those whose propensity is not in (0, 1] are skipped
 * and counted.
 * @throws LoggedDecisionFormatError naming every malformed field.
 */
export function readLoggedDecisions(json: unknown): {
  decisions: LoggedDecision[];
  skipped: SkippedDecisions;
} {
  const file = decisionFile.safeParse(json);
  if (!file.success) {
    throw new LoggedDecisionFormatError([
      { path: '', message: 'expected an array of decisions or { "decisions": [...] }' },
    ]);
  }
  const items = Array.isArray(file.data) ? file.data : file.data.decisions;
  const issues: { path: string; message: string }[] = [];
  const list: z.infer<typeof recordedDecision>[] = [];
  items.forEach((item, index) => {
    const parsed = recordedDecision.safeParse(item);
    if (parsed.success) list.push(parsed.data);
    else
      for (const issue of parsed.error.issues)
        issues.push({ path: [index, ...issue.path].join('.'), message: issue.message });
  });
  if (issues.length > 0) throw new LoggedDecisionFormatError(issues);
  const decisions: LoggedDecision[] = [];
  const skipped: SkippedDecisions = { open: 0, badPropensity: 0 };
  for (const item of list) {
    const realizedR = item.reward?.realizedR ?? item.realizedR;
    if (realizedR === undefined) {
      skipped.open++;
      continue;
    }
    if (!(item.propensity > 0 && item.propensity <= 1)) {
      skipped.badPropensity++;
      continue;
    }
    decisions.push({
      ...(item.decisionId === undefined ? {} : { decisionId: item.decisionId }),
      regime: typeof item.regime === 'string' ? item.regime : item.regime.name,
      candidates: item.candidates,
      values: item.values,
      strategy: item.strategy,
      propensity: item.propensity,
      realizedR,
    });
  }
  return { decisions, skipped };
}
