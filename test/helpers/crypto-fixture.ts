import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseOhlcvCsv } from '../../lib/backtest/csv';
import type { Candle } from '../../lib/types';

/** The pairs of `test/fixtures/crypto-5m/`: 1,500 real 5-minute bars each, on one clock. */
export const CRYPTO_PAIRS = ['ETH_BTC', 'LTC_BTC', 'XMR_BTC'] as const;

export const cryptoFixturePath = (pair: (typeof CRYPTO_PAIRS)[number]): string =>
  fileURLToPath(new URL(`../fixtures/crypto-5m/${pair}-5m.csv`, import.meta.url));

/** One pair's bars, oldest first. */
export function loadCryptoCandles(pair: (typeof CRYPTO_PAIRS)[number]): Candle[] {
  return parseOhlcvCsv(readFileSync(cryptoFixturePath(pair), 'utf8')).candles;
}
