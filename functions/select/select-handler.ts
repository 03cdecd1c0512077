import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { SelectRequest } from '../../lib/contract/select-request';
import { DIMENSION, METRIC } from '../../lib/observability';
import { type SelectStrategy, toSelectResponse } from '../../lib/select-strategy';
import { errorResponse, type HttpResponse, jsonResponse, parseJsonBody } from '../common/http';
import type { Telemetry } from '../common/telemetry';

export interface SelectHandlerDeps {
  parseRequest: (body: unknown) => SelectRequest;
  selectStrategy: SelectStrategy;
  telemetry: Telemetry;
}

/**
 * `POST /v1/select`: parse → select (records the decision, or finds the one an earlier call with
 * the same idempotency key recorded) → the contract's response.
 */
export function createSelectHandler(deps: SelectHandlerDeps) {
  const { log, metrics } = deps.telemetry;
  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const requestId = event.requestContext?.requestId;
    try {
      const request = deps.parseRequest(parseJsonBody(event));
      const { decision, replayed } = await deps.selectStrategy(request);
      if (replayed) {
        // A retry of an answered request: same answer, and not counted as a second selection.
        log.info('decision replayed for a retried idempotency key', {
          requestId,
          decisionId: decision.decisionId,
          idempotencyKey: decision.idempotencyKey,
        });
        return jsonResponse(200, toSelectResponse(decision));
      }
      log.info('decision recorded', {
        requestId,
        decisionId: decision.decisionId,
        symbol: decision.symbol,
        regime: decision.regime.name,
        strategy: decision.strategy,
        arm: decision.arm.id,
        reason: decision.reason,
        explored: decision.explored,
        propensity: decision.propensity,
        policy: decision.policy,
        ...(decision.shadowChoice === undefined ? {} : { shadowArm: decision.shadowChoice.arm }),
      });
      metrics.add(METRIC.selections, 'Count', 1, {
        [DIMENSION.regime]: decision.regime.name,
        [DIMENSION.strategy]: decision.strategy,
      });
      if (decision.explored)
        metrics.add(METRIC.explorations, 'Count', 1, { [DIMENSION.regime]: decision.regime.name });
      return jsonResponse(200, toSelectResponse(decision));
    } catch (error) {
      return errorResponse(error, log, { requestId });
    } finally {
      metrics.flush();
    }
  };
}
