import type { RegimeName, StrategyId } from '../../lib/types';
import {
  createHarness,
  type Harness,
  recordOpenDecision,
  tradeClosedEvent,
} from '../helpers/selector-harness';
import type { ContentionMeasurement, ContentionRound } from './results';
import { rotation } from './stats';

export interface ContentionOptions {
  rewards: number;
  rounds: number;
  /** Also deliver the same number with at most this many in flight (a reserved concurrency). */
  limitedInFlight: number;
}

const REGIME: RegimeName = 'TREND_UP';
const STRATEGY: StrategyId = 'ultra_aggressive';
const RUNS = ['concurrent', 'sequential', 'limited'] as const;

/** `count` OPEN decisions on one fresh (symbol, regime, strategy) cell. */
async function openDecisions(h: Harness, symbol: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, index) => `${symbol}-${index}`);
  await Promise.all(
    ids.map((decisionId) =>
      recordOpenDecision(h.store, { decisionId, symbol, regime: REGIME, strategy: STRATEGY }),
    ),
  );
  return ids;
}

/**
 * Applies a reward to each decision through the reward handler, with at most `inFlight`
 * invocations at a time (1: one after another); returns wall ms, applied count and attempts.
 */
async function applyAll(h: Harness, ids: readonly string[], inFlight: number) {
  h.recorder.logs.length = 0;
  let outcomes: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const decisionId = ids[next++];
      if (decisionId === undefined) continue;
      // A reward that exhausts its retry bound throws (Lambda would retry it): not applied.
      const result = await h
        .reward(tradeClosedEvent(decisionId, { id: `event-${decisionId}`, detail: { realizedR: 1.5 } }))
        .catch(() => ({ outcome: 'conflict-bound-exhausted' }));
      outcomes = [...outcomes, result.outcome];
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
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

/**
 * `rewards` TradeClosed events for decisions on ONE cell, delivered to the reward handler all at
 * once (every one races for the same cell version: optimistic concurrency, conflicts retried with
 * the use case's backoff), against the same number delivered one after another on another fresh
 * cell, and (for the report's diagnosis) the same number with at most `limitedInFlight` in flight.
 * Each round uses new cells and rotates which run goes first.
 */
export async function measureContention(
  endpoint: string,
  options: ContentionOptions,
): Promise<ContentionMeasurement> {
  const h = await createHarness(endpoint, 'bench-contention', { seed: 64 });
  const rounds: ContentionRound[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const runs = {
      concurrent: { symbol: `HOT${round}`, inFlight: options.rewards },
      sequential: { symbol: `SEQ${round}`, inFlight: 1 },
      limited: { symbol: `LIM${round}`, inFlight: options.limitedInFlight },
    };
    const timings: Partial<Record<keyof typeof runs, Awaited<ReturnType<typeof applyAll>>>> = {};
    for (const index of rotation(RUNS.length, round)) {
      const name = RUNS[index] ?? 'sequential';
      const ids = await openDecisions(h, runs[name].symbol, options.rewards);
      timings[name] = await applyAll(h, ids, runs[name].inFlight);
    }
    const { concurrent, sequential, limited } = timings;
    if (concurrent === undefined || sequential === undefined || limited === undefined) continue;
    if (sequential.applied !== options.rewards || limited.applied !== options.rewards) {
      throw new Error(
        `sequential or limited rewards were not all applied (${sequential.applied}, ${limited.applied})`,
      );
    }
    rounds.push({
      concurrentMs: concurrent.wallMs,
      sequentialMs: sequential.wallMs,
      limitedMs: limited.wallMs,
      applied: concurrent.applied,
      retries: concurrent.retries,
      maxAttempts: concurrent.maxAttempts,
      limitedRetries: limited.retries,
    });
  }
  return { rewards: options.rewards, limitedInFlight: options.limitedInFlight, rounds };
}
