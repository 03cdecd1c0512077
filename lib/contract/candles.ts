import * as z from 'zod/mini';

/**
 * The numbers the selector computes with and stores exactly. DynamoDB holds 38 significant
 * digits between 1e-130 and 1e126, and the SDK refuses numbers beyond 2^53 that it cannot convert
 * exactly; plans add ATR multiples to prices. Prices between 1e-12 and 1e12 (a satoshi-priced
 * token to a stock index in its smallest unit) leave every derived price and R well inside both.
 */
export const PRICE_MIN = 1e-12;
export const PRICE_MAX = 1e12;
/** Volumes and USD amounts: up to 1e15, below 2^53 so that they are stored exactly. */
export const AMOUNT_MAX = 1e15;

/** Epoch milliseconds, or any non-negative time stamp the bot uses consistently (below 2^53). */
const timestamp = z
  .number()
  .check(
    z.gte(0),
    z.lte(Number.MAX_SAFE_INTEGER, { error: 'must be at most 2^53 − 1 (epoch milliseconds)' }),
  );

/** A price the selector can plan on and store exactly. */
export const priceSchema = z
  .number()
  .check(
    z.gte(PRICE_MIN, { error: `must be a price of at least ${PRICE_MIN}` }),
    z.lte(PRICE_MAX, { error: `must be a price of at most ${PRICE_MAX}` }),
  );

/** A non-negative amount the store holds exactly; tiny values are no error, they round to 0 nowhere. */
export const amountSchema = z.number().check(
  z.gte(0),
  z.lte(AMOUNT_MAX, { error: `must be at most ${AMOUNT_MAX}` }),
  z.refine((value) => value === 0 || value >= 1e-100, { error: 'must be 0 or at least 1e-100' }),
);

const price = priceSchema;

/**
 * One OHLCV bar. Prices are positive and finite, the high is the highest and the low the lowest
 * of the bar's prices; a volume, when given, is not negative. A bad bar is reported on the
 * field that breaks it (`h` when the high is below another price, `l` when the low is above).
 */
export const candleSchema = z
  .object({
    t: timestamp,
    o: price,
    h: price,
    l: price,
    c: price,
    v: z.optional(amountSchema),
  })
  .check(
    z.superRefine((candle, ctx) => {
      if (candle.h < Math.max(candle.o, candle.c, candle.l)) {
        ctx.addIssue({
          code: 'custom',
          path: ['h'],
          input: candle.h,
          message: 'high must be at least the open, close and low',
        });
      }
      if (candle.l > Math.min(candle.o, candle.c)) {
        ctx.addIssue({
          code: 'custom',
          path: ['l'],
          input: candle.l,
          message: 'low must be at most the open and close',
        });
      }
    }),
  );

/** Bars oldest first: between `minCandles` and `maxCandles` of them, times strictly increasing. */
export function candleSeriesSchema(minCandles: number, maxCandles: number) {
  return z.array(candleSchema).check(
    z.minLength(minCandles),
    z.maxLength(maxCandles),
    z.superRefine((candles, ctx) => {
      for (let i = 1; i < candles.length; i++) {
        const previous = candles[i - 1];
        const current = candles[i];
        if (previous !== undefined && current !== undefined && current.t <= previous.t) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 't'],
            input: current.t,
            message: `must be later than the previous candle's t (${previous.t}); candles go oldest first`,
          });
        }
      }
    }),
  );
}
