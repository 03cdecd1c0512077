/**
 * The EventBridge rule pattern that routes TradeClosed events to the reward function. The CDK
 * rule and the local stack's PutEvents router both use this one definition.
 */
export const TRADE_CLOSED_DETAIL_TYPE = 'TradeClosed';
export const DEFAULT_EVENT_SOURCE = 'trading.bot';

export function tradeClosedPattern(source: string = DEFAULT_EVENT_SOURCE) {
  return { source: [source], 'detail-type': [TRADE_CLOSED_DETAIL_TYPE] };
}
