import * as z from 'zod/mini';

/** Epoch milliseconds, or any non-negative time stamp the bot uses consistently. */
const timestamp = z.number().check(z.gte(0));
const price = z.number().check(z.gt(0));

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
    v: z.optional(z.number().check(z.gte(0))),
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
