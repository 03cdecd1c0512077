import { describe, expect, it } from 'vitest';
import { matchesEventPattern, UnsupportedPatternError } from '../../infra/local/event-pattern';
import { tradeClosedPattern } from '../../lib/trade-closed-event';

const envelope = (source: string, detailType: string) => ({
  version: '0',
  id: 'e-1',
  'detail-type': detailType,
  source,
  account: '000000000000',
  time: '2024-03-12T14:30:02Z',
  region: 'us-east-1',
  resources: [],
  detail: { decisionId: 'd-1', realizedR: 1 },
});

describe('matchesEventPattern', () => {
  it("matches a TradeClosed event from the stack's source", () => {
    expect(
      matchesEventPattern(tradeClosedPattern('trading.bot'), envelope('trading.bot', 'TradeClosed')),
    ).toBe(true);
  });

  it('rejects another source, another detail-type, and different case', () => {
    const pattern = tradeClosedPattern('trading.bot');
    expect(matchesEventPattern(pattern, envelope('other.bot', 'TradeClosed'))).toBe(false);
    expect(matchesEventPattern(pattern, envelope('trading.bot', 'TradeOpened'))).toBe(false);
    expect(matchesEventPattern(pattern, envelope('trading.bot', 'tradeclosed'))).toBe(false);
  });

  it('follows a configured source', () => {
    expect(
      matchesEventPattern(tradeClosedPattern('bots.fleet-a'), envelope('bots.fleet-a', 'TradeClosed')),
    ).toBe(true);
    expect(
      matchesEventPattern(tradeClosedPattern('bots.fleet-a'), envelope('trading.bot', 'TradeClosed')),
    ).toBe(false);
  });

  it('accepts any of several listed values and is type-strict', () => {
    expect(matchesEventPattern({ source: ['a', 'b'] }, { source: 'b' })).toBe(true);
    expect(matchesEventPattern({ n: [1] }, { n: '1' })).toBe(false);
    expect(matchesEventPattern({ n: [1] }, { n: 1 })).toBe(true);
  });

  it('requires the field to be present', () => {
    expect(matchesEventPattern({ source: ['a'] }, {})).toBe(false);
    expect(matchesEventPattern({ source: ['a'] }, null)).toBe(false);
  });

  it('matches nested fields and array values in the event by any element', () => {
    const event = { detail: { status: 'CLOSED', tags: ['x', 'y'] } };
    expect(matchesEventPattern({ detail: { status: ['CLOSED'] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { tags: ['y'] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { status: ['OPEN'] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { status: ['CLOSED'] } }, { detail: 'CLOSED' })).toBe(false);
  });

  it('refuses content filters instead of guessing', () => {
    expect(() =>
      matchesEventPattern({ source: [{ prefix: 'trading.' }] }, { source: 'trading.bot' }),
    ).toThrow(UnsupportedPatternError);
  });
});
