import { seededRng } from '../random';
import { type BootstrapSettings, pairedDifference } from './paired-statistics';
import type { BacktestTrade, PolicyComparison } from './result';
import { streamSeed } from './streams';
import { signalKey } from './trade-figures';

/** A policy's name and trades, as the comparisons read them. */
export interface ComparedPolicy {
  name: string;
  trades: readonly BacktestTrade[];
}

/**
 * Every policy against every baseline (never itself), on the signals both traded: the per-signal
 * differences (policy R − baseline R) in entry order (then symbol order), their mean, and a block
 * bootstrap interval. Each pair draws from its own stream of `seed`, so the figures of one pair do
 * not depend on which other policies ran.
 */
export function comparePolicies(
  policies: readonly ComparedPolicy[],
  baselines: readonly string[],
  settings: BootstrapSettings,
  seed: number,
  symbolOrder: ReadonlyMap<string, number>,
): PolicyComparison[] {
  const bySignal = new Map(
    policies.map((policy) => [policy.name, new Map(policy.trades.map((trade) => [signalKey(trade), trade]))]),
  );
  const comparisons: PolicyComparison[] = [];
  for (const policy of policies) {
    const inEntryOrder = [...policy.trades].sort(
      (a, b) => a.entryT - b.entryT || (symbolOrder.get(a.symbol) ?? 0) - (symbolOrder.get(b.symbol) ?? 0),
    );
    for (const baseline of baselines) {
      const theirs = bySignal.get(baseline);
      if (baseline === policy.name || theirs === undefined) continue;
      const differences: number[] = [];
      for (const trade of inEntryOrder) {
        const other = theirs.get(signalKey(trade));
        if (other !== undefined) differences.push(trade.realizedR - other.realizedR);
      }
      const rng = seededRng(streamSeed(seed, `paired:${policy.name}|${baseline}`));
      comparisons.push({ policy: policy.name, baseline, ...pairedDifference(differences, settings, rng) });
    }
  }
  return comparisons;
}
