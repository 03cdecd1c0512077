import type { decisionView, SymbolStatsView } from '../functions/stats/views';
import type { ArmSpec } from '../lib/arms';
import type { SelectRequest } from '../lib/contract/select-request';
import type { TradeClosedDetail } from '../lib/contract/trade-closed';
import type { StrategyProfile } from '../lib/profiles';
import type { SelectResponse } from '../lib/select-strategy';

/**
 * The HTTP and event contract as the client speaks it: each type is the very one the service's
 * functions parse or answer with (the zod schemas of `lib/contract` for what a bot sends), never
 * a copy that could drift.
 */

/** The body of `POST /v1/select`. The client adds an `idempotencyKey` when the request has none. */
export type SelectRequestBody = SelectRequest;

/** The answer of `POST /v1/select`. */
export type { SelectResponse };

/**
 * The detail of a TradeClosed event. `closedAt` may be left out: the client stamps the time it
 * publishes at.
 */
export type TradeClosedInput = Omit<TradeClosedDetail, 'closedAt'> & { closedAt?: string };

/** `GET /v1/decisions/{decisionId}`: the decision and its reward (null while OPEN). */
export type DecisionResponse = ReturnType<typeof decisionView>;

/** `GET /v1/stats?symbol=`. */
export type StatsResponse = SymbolStatsView;

/** One profile of `GET /v1/strategies`. */
/** One arm of `GET /v1/strategies`: a profile, or one of its variants with scaled distances. */
export type { ArmSpec, StrategyProfile };
