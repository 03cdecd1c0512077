import { describe, expect, it } from 'vitest';
import { createSelectRequestParser } from '../../lib/contract/select-request';
import { idempotentDecisionId, selectRequestHash } from '../../lib/select-idempotency';

const parse = createSelectRequestParser(1000);
const candles = [
  { t: 1, o: 10, h: 11, l: 9, c: 10.5 },
  { t: 2, o: 10.5, h: 12, l: 10, c: 11 },
];

describe('idempotent select ids and request hashes', () => {
  it('derives the same UUID-shaped id from the same key, and different ids from different keys', () => {
    const id = idempotentDecisionId('bot-1:order-42');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idempotentDecisionId('bot-1:order-42')).toBe(id);
    expect(idempotentDecisionId('bot-1:order-43')).not.toBe(id);
  });

  it('hashes a request without its key and regardless of field order', () => {
    const a = parse({ symbol: 'BTCUSDT', side: 'LONG', candles, idempotencyKey: 'k1' });
    const b = parse({ candles, idempotencyKey: 'k2', side: 'LONG', symbol: 'BTCUSDT' });
    expect(selectRequestHash(a)).toBe(selectRequestHash(b));
  });

  it('hashes requests that differ in any field differently', () => {
    const base = { symbol: 'BTCUSDT', side: 'LONG', candles };
    const hash = selectRequestHash(parse(base));
    expect(selectRequestHash(parse({ ...base, side: 'SHORT' }))).not.toBe(hash);
    expect(selectRequestHash(parse({ ...base, entryPrice: 11 }))).not.toBe(hash);
    expect(selectRequestHash(parse({ ...base, candles: [candles[0]] }))).not.toBe(hash);
  });
});
