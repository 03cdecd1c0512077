import type { EventBridgeEvent } from 'aws-lambda';
import { type ApplyReward, RewardConflictError, type RewardOutcome } from '../../lib/apply-reward';
import type { TradeClosedDetail } from '../../lib/contract/trade-closed';
import { ValidationError } from '../../lib/contract/validation-error';
import { DIMENSION, METRIC } from '../../lib/observability';
import { TRADE_CLOSED_DETAIL_TYPE } from '../../lib/trade-closed-event';
import type { Clock } from '../../lib/types';
import { describeError } from '../common/http';
import type { Telemetry } from '../common/telemetry';

export interface RewardHandlerDeps {
  parseDetail: (detail: unknown) => TradeClosedDetail;
  applyReward: ApplyReward;
  telemetry: Telemetry;
  clock: Clock;
}

export type TradeClosedEvent = EventBridgeEvent<string, unknown>;

/** What the invocation did; EventBridge ignores it, tests and the local stack read it. */
export interface RewardHandlerResult {
  outcome: RewardOutcome['outcome'];
  decisionId: string;
  reason?: string;
}

/**
 * The TradeClosed consumer. A duplicate, an unknown decision or a decision closed by another
 * event returns normally (nothing to retry; logged and counted). A malformed event and an
 * exhausted conflict bound throw, so that Lambda's retries and then the on-failure destination
 * keep the event: nothing is dropped silently.
 */
export function createRewardHandler(deps: RewardHandlerDeps) {
  const { log, metrics } = deps.telemetry;
  return async (event: TradeClosedEvent): Promise<RewardHandlerResult> => {
    try {
      const { closedAt, override, ...detail } = parseEvent(event, deps.parseDetail);
      const result = await deps.applyReward({
        ...detail,
        ...(override === undefined ? {} : { override: override.reason }),
        eventId: event.id,
        // The smallest valid event names no close time: the event's own time stands for it.
        closedAt: closedAt ?? event.time,
      });
      if (result.conflicts > 0) metrics.add(METRIC.rewardConflicts, 'Count', result.conflicts);
      const context = { eventId: event.id, decisionId: detail.decisionId };
      switch (result.outcome) {
        case 'applied': {
          const { decision, reward } = result;
          log.info('reward applied', {
            ...context,
            symbol: decision.symbol,
            regime: decision.regime.name,
            strategy: decision.strategy,
            realizedR: reward.realizedR,
            pooledShard: reward.pooledShard,
            cellsUpdated: reward.cellsUpdated,
            pathUsed: reward.pathUsed,
            attempts: result.attempts,
          });
          metrics.add(METRIC.rewardsApplied, 'Count', 1);
          metrics.add(METRIC.realizedR, 'None', reward.realizedR, {
            [DIMENSION.regime]: decision.regime.name,
          });
          metrics.add(
            METRIC.rewardLagSeconds,
            'Seconds',
            Math.max(0, (deps.clock() - decision.createdAt) / 1000),
          );
          return { outcome: 'applied', decisionId: detail.decisionId };
        }
        case 'duplicate':
          log.info('duplicate TradeClosed ignored', context);
          metrics.add(METRIC.rewardDuplicates, 'Count', 1);
          return { outcome: 'duplicate', decisionId: detail.decisionId };
        case 'rejected':
          log.warn('TradeClosed rejected', {
            ...context,
            reason: result.reason,
            closedByEventId: result.decision?.reward?.eventId,
          });
          metrics.add(METRIC.rewardRejected, 'Count', 1);
          return { outcome: 'rejected', decisionId: detail.decisionId, reason: result.reason };
        case 'implausible':
          log.warn('TradeClosed implausible: decision marked REJECTED, no learner cell changed', {
            ...context,
            reason: result.implausibility.reason,
            message: result.implausibility.message,
          });
          metrics.add(METRIC.rewardImplausible, 'Count', 1, {
            [DIMENSION.reason]: result.implausibility.reason,
          });
          return {
            outcome: 'implausible',
            decisionId: detail.decisionId,
            reason: result.implausibility.reason,
          };
      }
    } catch (error) {
      if (error instanceof RewardConflictError) {
        metrics.add(METRIC.rewardConflicts, 'Count', error.conflicts);
        metrics.add(METRIC.rewardConflictsExhausted, 'Count', 1);
      }
      log.error('TradeClosed not applied; the event will be retried or dead-lettered', {
        eventId: event?.id,
        error: describeError(error),
        ...(error instanceof ValidationError ? { issues: error.issues } : {}),
      });
      throw error;
    } finally {
      metrics.flush();
    }
  };
}

function parseEvent(
  event: TradeClosedEvent,
  parseDetail: RewardHandlerDeps['parseDetail'],
): TradeClosedDetail {
  const envelopeIssues = [];
  if (typeof event?.id !== 'string' || event.id === '')
    envelopeIssues.push({ path: 'id', message: 'is required' });
  if (event?.['detail-type'] !== TRADE_CLOSED_DETAIL_TYPE) {
    envelopeIssues.push({ path: 'detail-type', message: `must be ${TRADE_CLOSED_DETAIL_TYPE}` });
  }
  if (typeof event?.time !== 'string' || Number.isNaN(Date.parse(event.time)))
    envelopeIssues.push({ path: 'time', message: 'must be an ISO-8601 date-time' });
  if (envelopeIssues.length > 0) throw ValidationError.of('TradeClosed event', envelopeIssues);
  return parseDetail(event.detail);
}
