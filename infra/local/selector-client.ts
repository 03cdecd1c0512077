import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { SymbolStatsView } from '../../functions/stats/views';
import type { StrategyProfile } from '../../lib/profiles';
import type { SelectResponse } from '../../lib/select-strategy';
import { TRADE_CLOSED_DETAIL_TYPE } from '../../lib/trade-closed-event';
import type { Candle, Liquidity, Side } from '../../lib/types';

/** The body of `POST /v1/select`. */
export interface SelectRequestBody {
  symbol: string;
  side: Side;
  candles: readonly Candle[];
  timeframe?: string;
  entryPrice?: number;
  signal?: { confidence?: number; source?: string };
  liquidity?: Liquidity;
}

/** The detail of a TradeClosed event, as a bot publishes it. */
export interface TradeClosedDetailBody {
  decisionId: string;
  /** Default: the event's time. */
  closedAt?: string;
  realizedR?: number;
  exitPrice?: number;
  tradeId?: string;
  path?: readonly Candle[];
}

/** `GET /v1/decisions/{decisionId}`, the fields a client reads. */
export interface DecisionStatus {
  decisionId: string;
  status: 'OPEN' | 'CLOSED' | 'REJECTED';
  reward: { realizedR: number; eventId: string } | null;
  rejection?: { reason: string; message: string };
}

/** The service answered with an HTTP error; `body` is what it said. */
export class SelectorHttpError extends Error {
  override readonly name = 'SelectorHttpError';

  constructor(
    readonly status: number,
    readonly body: unknown,
    request: string,
  ) {
    super(`${request} answered HTTP ${status}: ${JSON.stringify(body)}`);
  }
}

/**
 * What a trading bot (and an operator) does with the service, against the local stack: the
 * HTTP API with fetch, and TradeClosed through the AWS SDK's EventBridgeClient whose endpoint is
 * the same URL. Against AWS the only differences would be SigV4 signing and the real endpoints.
 */
export function createSelectorClient(url: string, eventSource: string) {
  const events = new EventBridgeClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const parsed: unknown = await response.json();
    if (!response.ok) throw new SelectorHttpError(response.status, parsed, `${method} ${path}`);
    return parsed as T;
  }

  return {
    url,
    strategies: async () =>
      (await call<{ strategies: StrategyProfile[] }>('GET', '/v1/strategies')).strategies,
    select: (request: SelectRequestBody) => call<SelectResponse>('POST', '/v1/select', request),
    stats: (symbol: string) => call<SymbolStatsView>('GET', `/v1/stats?symbol=${encodeURIComponent(symbol)}`),
    decision: (decisionId: string) =>
      call<DecisionStatus>('GET', `/v1/decisions/${encodeURIComponent(decisionId)}`),
    /** Publishes one TradeClosed event; resolves to its EventBridge event id. */
    async publishTradeClosed(detail: TradeClosedDetailBody): Promise<string> {
      const answer = await events.send(
        new PutEventsCommand({
          Entries: [
            { Source: eventSource, DetailType: TRADE_CLOSED_DETAIL_TYPE, Detail: JSON.stringify(detail) },
          ],
        }),
      );
      const entry = answer.Entries?.[0];
      if (answer.FailedEntryCount !== 0 || entry?.EventId === undefined) {
        throw new Error(
          `PutEvents refused the TradeClosed event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`,
        );
      }
      return entry.EventId;
    },
    close: () => events.destroy(),
  };
}

export type SelectorClient = ReturnType<typeof createSelectorClient>;

/** True when something answers the selector's `GET /v1/strategies` at `url`. */
export async function selectorAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/v1/strategies`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { strategies?: unknown };
    return response.ok && Array.isArray(body.strategies);
  } catch {
    return false;
  }
}
