import { describe, expect, it } from 'vitest';
import { createTradeClosedParser } from '../../lib/contract/trade-closed';
import { ValidationError } from '../../lib/contract/validation-error';

const parse = createTradeClosedParser(3);
const valid = {
  decisionId: '0b8f3c52-7a4e-4d1b-9c6f-2e5a8d7b1f30',
  realizedR: -1.25,
  closedAt: '2024-03-12T14:30:00Z',
};

function issuesOf(detail: unknown): string[] {
  try {
    parse(detail);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => i.path);
    throw error;
  }
  return [];
}

describe('TradeClosed detail contract', () => {
  it('accepts realizedR, exitPrice, or both, with a UTC or offset close time', () => {
    expect(parse(valid)).toEqual(valid);
    expect(parse({ ...valid, realizedR: undefined, exitPrice: 101_200 }).exitPrice).toBe(101_200);
    expect(parse({ ...valid, exitPrice: 101_200, closedAt: '2024-03-12T16:30:00+02:00' }).realizedR).toBe(
      -1.25,
    );
  });

  it('accepts a path of up to MAX_CANDLES candles, and an empty one (a trade closed on its entry bar)', () => {
    const path = [1, 2, 3].map((t) => ({ t, o: 1, h: 1.2, l: 0.9, c: 1.1, v: 5 }));
    expect(parse({ ...valid, path }).path).toEqual(path);
    expect(parse({ ...valid, path: [] }).path).toEqual([]);
  });

  it('drops unknown fields rather than failing on them', () => {
    expect(parse({ ...valid, botVersion: '1.4.2' })).toEqual(valid);
  });

  it.each([
    ['neither realizedR nor exitPrice', { ...valid, realizedR: undefined }, 'realizedR'],
    ['a negative exit price', { ...valid, exitPrice: -1 }, 'exitPrice'],
    ['an empty trade id', { ...valid, tradeId: '' }, 'tradeId'],
    ['a date without time', { ...valid, closedAt: '2024-03-12' }, 'closedAt'],
    [
      'a path longer than MAX_CANDLES',
      { ...valid, path: [1, 2, 3, 4].map((t) => ({ t, o: 1, h: 1, l: 1, c: 1 })) },
      'path',
    ],
    [
      'a path going back in time',
      { ...valid, path: [2, 1].map((t) => ({ t, o: 1, h: 1, l: 1, c: 1 })) },
      'path.1.t',
    ],
  ])('rejects %s, naming %s', (_kind, detail, path) => {
    expect(issuesOf(detail)).toContain(path);
  });
});
