import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { symbolSchema } from '../../lib/contract/select-request';
import { decisionIdSchema } from '../../lib/contract/trade-closed';
import { describeIssue, ValidationError } from '../../lib/contract/validation-error';
import { listProfiles } from '../../lib/profiles';
import type { StatsStore } from '../../lib/store/selector-store';
import { errorResponse, type HttpResponse, jsonResponse, NotFoundError } from '../common/http';
import type { Telemetry } from '../common/telemetry';
import { decisionView, symbolStatsView } from './views';

export interface StatsHandlerDeps {
  store: StatsStore;
  telemetry: Telemetry;
}

const DECISION_PATH = /\/v1\/decisions\/([^/]+)\/?$/;

/** `GET /v1/strategies`, `GET /v1/stats?symbol=`, `GET /v1/decisions/{decisionId}`. */
export function createStatsHandler(deps: StatsHandlerDeps) {
  const { store, telemetry } = deps;
  return async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = event.rawPath ?? '';
    try {
      if (method !== 'GET') throw new NotFoundError(`No route ${method} ${path}`);
      if (/\/v1\/strategies\/?$/.test(path)) return jsonResponse(200, { strategies: listProfiles() });
      if (/\/v1\/stats\/?$/.test(path)) {
        const symbol = validated(symbolSchema, event.queryStringParameters?.symbol, 'symbol');
        return jsonResponse(200, symbolStatsView(symbol, await store.listSymbolCells(symbol)));
      }
      const decisionPath = DECISION_PATH.exec(path);
      if (decisionPath !== null) {
        const raw = event.pathParameters?.decisionId ?? decodeURIComponent(decisionPath[1] ?? '');
        const decisionId = validated(decisionIdSchema, raw, 'decisionId');
        const decision = await store.getDecision(decisionId, { consistent: true });
        if (decision === undefined) throw new NotFoundError(`Decision ${decisionId} not found`);
        return jsonResponse(200, decisionView(decision));
      }
      throw new NotFoundError(`No route ${method} ${path}`);
    } catch (error) {
      return errorResponse(error, telemetry.log, { requestId: event.requestContext?.requestId, path });
    }
  };
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
