/**
 * Names of the metrics the functions emit (CloudWatch embedded metric format via Powertools)
 * and the CDK alarms and dashboard read. One definition so the two never drift apart.
 */
export const METRICS_NAMESPACE = 'MetaStrategySelector';

export const SERVICE_NAME = 'meta-strategy-selector';

export const METRIC = {
  /** Count, dimensions: regime, strategy. One per recorded decision. */
  selections: 'Selections',
  /** Count, dimensions: regime. One per decision whose choice was an exploration draw. */
  explorations: 'Explorations',
  /** Count. Rewards applied (a decision closed and its cells updated). */
  rewardsApplied: 'RewardsApplied',
  /** Count. Deliveries of an event that had already been applied (changed nothing). */
  rewardDuplicates: 'RewardDuplicates',
  /** Count. Events for a decision that does not exist or was closed by another event. */
  rewardRejected: 'RewardRejected',
  /**
   * Count, dimensions: reason. Rewards refused as implausible for their decision (R beyond the
   * bound or the plan's reach, a close before the decision, a path from before it): the decision
   * is marked REJECTED with the reason and no learner cell changes.
   */
  rewardImplausible: 'RewardImplausible',
  /** Count. Optimistic-concurrency conflicts met (and retried) while applying rewards. */
  rewardConflicts: 'RewardConflicts',
  /** Count. Rewards abandoned because the retry bound was hit (the event goes to the DLQ). */
  rewardConflictsExhausted: 'RewardConflictsExhausted',
  /** None (R multiple), dimensions: regime. The realized R of each applied reward. */
  realizedR: 'RealizedR',
  /** Seconds between the decision and its reward being applied. */
  rewardLagSeconds: 'RewardLagSeconds',
} as const;

/** Dimension names used with the metrics above. */
export const DIMENSION = { regime: 'regime', strategy: 'strategy', reason: 'reason' } as const;
