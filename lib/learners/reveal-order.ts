import { listProfiles, type StrategyProfile } from '../profiles';
import type { StrategyId } from '../types';

/**
 * Strategies ordered by how much the price path of their trade reveals, most first.
 *
 * A trade's TradeClosed `path` runs from entry to the trade's close, so it prices another profile
 * completely only if that profile had closed by then. A profile whose stop and farthest target
 * are both at least as far from entry as another's stays open at least as long on almost every
 * path (measured on the bundled data: trend_rider's path completes every other profile's trade in
 * every case), so trading the profile that reaches farthest teaches every arm without bias, while
 * trading a short profile leaves the longer ones cut at its close. Order: farthest target, then
 * widest stop, then the later trailing activation; ties keep profile order.
 */
export function revealOrder(profiles: readonly StrategyProfile[] = listProfiles()): StrategyId[] {
  const reach = (profile: StrategyProfile) => [
    profile.takeProfits[2].atr,
    profile.slAtr,
    profile.trailing.activationAtr,
  ];
  return profiles
    .map((profile, index) => ({ id: profile.id, key: reach(profile), index }))
    .sort((a, b) => {
      for (let k = 0; k < a.key.length; k++) {
        const difference = (b.key[k] ?? 0) - (a.key[k] ?? 0);
        if (difference !== 0) return difference;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.id);
}
