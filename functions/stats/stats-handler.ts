import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ArmSpec } from '../../lib/arms';
import { routeNamed } from '../../lib/contract/http-routes';
import { symbolSchema } from '../../lib/contract/select-request';
import { decisionIdSchema } from '../../lib/contract/trade-closed';
import { describeIssue, ValidationError } from '../../lib/contract/validation-error';
import { listProfiles } from '../../lib/profiles';
import type { StatsStore } from '../../lib/store/selector-store';
import { checkTableHealth } from '../../lib/table-health';
import { describeError, errorResponse, type HttpResponse, jsonResponse, NotFoundError } from '../common/http';
import type { Telemetry } from '../common/telemetry';
import { decisionView, symbolStatsView } from './views';

export interface StatsHandlerDeps {
  store: StatsStore;
  /** The arms the running policy chooses between (`GET /v1/strategies` lists them). */
  arms: readonly ArmSpec[];
  telemetry: Telemetry;
  /** How long the health check waits for the table; `checkTableHealth`'s default when absent. */
  healthTimeoutMs?: number;
}

/**
 * `GET /v1/strategies`, `GET /v1/stats?symbol=`, `GET /v1/decisions/{decisionId}` and
 * `GET /v1/health`, dispatched on the event's route key (lib/contract/http-routes.ts).
 */
export function createStatsHandler(deps: StatsHandlerDeps) {
  const { store, telemetry } = deps;
  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const path = event.rawPath ?? '';
    try {
      switch (routeNamed(event.routeKey)) {
        case 'strategies':
          return jsonResponse(200, { strategies: listProfiles(), arms: deps.arms });
        case 'stats': {
          const symbol = validated(symbolSchema, event.queryStringParameters?.symbol, 'symbol');
          return jsonResponse(200, symbolStatsView(symbol, await store.listSymbolCells(symbol)));
        }
        case 'decision': {
          const decisionId = validated(decisionIdSchema, event.pathParameters?.decisionId, 'decisionId');
          const decision = await store.getDecision(decisionId, { consistent: true });
          if (decision === undefined) throw new NotFoundError(`Decision ${decisionId} not found`);
          return jsonResponse(200, decisionView(decision));
        }
        case 'health': {
          const health = await checkTableHealth(store, deps.healthTimeoutMs);
          if (health.ok) return noStore(jsonResponse(200, { status: 'ok' }));
          telemetry.log.error('health check failed: the table does not answer', {
            error: describeError(health.cause),
          });
          return noStore(jsonResponse(503, { status: 'unavailable' }));
        }
        default:
          throw new NotFoundError(`No route ${event.routeKey} (${path})`);
      }
    } catch (error) {
      return errorResponse(error, telemetry.log, { requestId: event.requestContext?.requestId, path });
    }
  };
}

/** A probe must see the table's state now, never a cached answer. */
function noStore(response: HttpResponse): HttpResponse {
  return { ...response, headers: { ...response.headers, 'cache-control': 'no-store' } };
}

function validated(
  schema: typeof symbolSchema | typeof decisionIdSchema,
  value: string | undefined,
  name: string,
): string {
  if (value === undefined || value === '') {
    throw ValidationError.of('Request', [{ path: name, message: 'is required' }]);
  }
  const parsed = schema.safeParse(value, { error: describeIssue });
  if (!parsed.success) {
    throw ValidationError.of('Request', [
      { path: name, message: parsed.error.issues[0]?.message ?? 'is invalid' },
    ]);
  }
  return parsed.data;
}
