import type { Policy } from '../../lib/policy';
import type { RegimeName, StrategyId } from '../../lib/types';
import { randomPath } from '../helpers/random-path';
import {
  createHarness,
  type Harness,
  recordOpenDecision,
  tradeClosedEvent,
} from '../helpers/selector-harness';
import type { ContentionMeasurement, ContentionRound } from './results';
import { rotation } from './stats';

export interface ContentionOptions {
  /** Rewards per run on one (symbol, regime) cell. */
  rewards: number;
  /** Path rewards per run, one per symbol, all in one regime (the pooled shards are shared). */
  crossSymbolRewards: number;
  rounds: number;
}

const STRATEGY: StrategyId = 'ultra_aggressive';
const RUNS = ['concurrent', 'sequential'] as const;
const ENTRY = 100;
const ATR = 0.5;

interface Run {
  /** Symbols of the decisions: one for the same-cell run, one per decision across symbols. */
  symbolOf: (index: number) => string;
  regime: RegimeName;
  withPath: boolean;
  inFlight: number;
}

/**
 * `count` OPEN decisions, then a TradeClosed for each through the reward handler with at most
 * `inFlight` in flight (1: one after another); wall ms, applied count and attempts.
 */
async function applyAll(h: Harness, prefix: string, count: number, run: Run) {
  const ids = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  await Promise.all(
    ids.map((decisionId, index) =>
      recordOpenDecision(h.store, {
        decisionId,
        symbol: run.symbolOf(index),
        regime: run.regime,
        strategy: STRATEGY,
        entry: ENTRY,
        atr: ATR,
        lastCandleAt: 1,
      }),
    ),
  );
  h.recorder.logs.length = 0;
  let outcomes: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      const decisionId = ids[index];
      if (decisionId === undefined) continue;
      const detail = {
        realizedR: 1.5,
        ...(run.withPath ? { path: randomPath(index, ENTRY, ATR, 12 + (index % 30), 10_000) } : {}),
      };
      // A reward that exhausts its retry bound throws (Lambda would retry it): not applied.
      const result = await h
        .reward(tradeClosedEvent(decisionId, { id: `event-${decisionId}`, detail }))
        .catch(() => ({ outcome: 'conflict-bound-exhausted' }));
      outcomes = [...outcomes, result.outcome];
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: run.inFlight }, worker));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const attempts = h.recorder.logs
    .filter((line) => line.message === 'reward applied')
    .map((line) => Number(line.attributes.attempts ?? 1));
  return {
    wallMs,
    applied: outcomes.filter((outcome) => outcome === 'applied').length,
    retries: attempts.reduce((sum, n) => sum + n - 1, 0),
    maxAttempts: attempts.reduce((max, n) => Math.max(max, n), 0),
  };
}

/** Runs the concurrent and the sequential delivery of one scenario, in rotated order, on fresh keys. */
async function oneRound(
  h: Harness,
  round: number,
  count: number,
  scenario: (run: (typeof RUNS)[number]) => Omit<Run, 'inFlight'>,
): Promise<ContentionRound> {
  const timings: Partial<Record<(typeof RUNS)[number], Awaited<ReturnType<typeof applyAll>>>> = {};
  for (const index of rotation(RUNS.length, round)) {
    const name = RUNS[index] ?? 'sequential';
    const run = { ...scenario(name), inFlight: name === 'concurrent' ? count : 1 };
    timings[name] = await applyAll(h, `${name}-${round}-${run.regime}-${run.symbolOf(0)}`, count, run);
  }
  const { concurrent, sequential } = timings;
  if (concurrent === undefined || sequential === undefined) throw new Error('a run did not happen');
  if (sequential.applied !== count)
    throw new Error(`sequential rewards were not all applied (${sequential.applied})`);
  return {
    concurrentMs: concurrent.wallMs,
    sequentialMs: sequential.wallMs,
    applied: concurrent.applied,
    retries: concurrent.retries,
    maxAttempts: concurrent.maxAttempts,
  };
}

const REGIMES_BY_ROUND: readonly RegimeName[] = ['TREND_UP', 'TREND_DOWN', 'RANGE_LOW_VOL', 'RANGE_HIGH_VOL'];

/**
 * Two scenarios, each delivered all at once against the same number one after another:
 * - same cell: `rewards` TradeClosed events for decisions on ONE (symbol, regime) cell;
 * - across symbols: `crossSymbolRewards` path rewards on as many symbols of one regime, under a
 *   pooling full-information policy, so every one adds to the regime's pooled shards too (the
 *   burst one candle close gives a bot trading many pairs).
 * Each round uses fresh cells (and a fresh regime for the pooled shards) and rotates which run
 * goes first.
 */
export async function measureContention(
  endpoint: string,
  options: ContentionOptions,
): Promise<ContentionMeasurement> {
  const pooledPaths = (policy: Policy): Policy => ({ ...policy, fullInformation: true, pooling: true });
  const h = await createHarness(endpoint, 'bench-contention', { seed: 64, adjustPolicy: pooledPaths });
  const sameCell: ContentionRound[] = [];
  const crossSymbol: ContentionRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    sameCell.push(
      await oneRound(h, round, options.rewards, (run) => ({
        symbolOf: () => `HOT-${run}-${round}`,
        regime: 'ILLIQUID',
        withPath: false,
      })),
    );
    crossSymbol.push(
      await oneRound(h, round, options.crossSymbolRewards, (run) => ({
        symbolOf: (index) => `SYM-${run}-${round}-${index}`,
        regime:
          REGIMES_BY_ROUND[(2 * round + (run === 'concurrent' ? 0 : 1)) % REGIMES_BY_ROUND.length] ??
          'UNKNOWN',
        withPath: true,
      })),
    );
  }
  return {
    rewards: options.rewards,
    rounds: sameCell,
    crossSymbol: { rewards: options.crossSymbolRewards, rounds: crossSymbol },
  };
}
