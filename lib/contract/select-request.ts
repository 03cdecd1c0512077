import * as z from 'zod/mini';
import { SIDES } from '../types';
import { amountSchema, candleSeriesSchema, priceSchema } from './candles';
import { describeIssue, toValidationIssues, ValidationError } from './validation-error';

/** Letters and digits with the separators exchanges use (`BTCUSDT`, `BTC/USDT`, `EUR_USD`, `ES:CME`). */
export const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
export const SYMBOL_MAX_LENGTH = 40;

export const symbolSchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(SYMBOL_MAX_LENGTH),
    z.regex(SYMBOL_PATTERN, { error: 'must be letters and digits, optionally separated by . _ : / -' }),
  );

/** A UUID fits, as does any key of letters, digits and `. _ : -` (no `#`: it separates key parts). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]+$/;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 128;

export const idempotencyKeySchema = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(IDEMPOTENCY_KEY_MAX_LENGTH),
    z.regex(IDEMPOTENCY_KEY_PATTERN, { error: 'must be letters and digits, optionally with . _ : -' }),
  );

function selectRequestSchema(maxCandles: number) {
  return z.object({
    symbol: symbolSchema,
    side: z.enum(SIDES),
    timeframe: z.optional(
      z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(16),
          z.regex(/^[A-Za-z0-9]+$/, { error: 'must be letters and digits, such as 15m or 1h' }),
        ),
    ),
    candles: candleSeriesSchema(1, maxCandles),
    entryPrice: z.optional(priceSchema),
    signal: z.optional(
      z.object({
        confidence: z.optional(
          z.number().check(
            z.gte(0),
            z.lte(1),
            z.refine((value) => value === 0 || value >= 1e-100, { error: 'must be 0 or at least 1e-100' }),
          ),
        ),
        source: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
      }),
    ),
    liquidity: z.optional(
      z.object({
        spreadBps: z.optional(amountSchema),
        depthUsd: z.optional(amountSchema),
        volume24hUsd: z.optional(amountSchema),
      }),
    ),
    /** Makes a retried select answer the first call's decision instead of recording a second. */
    idempotencyKey: z.optional(idempotencyKeySchema),
  });
}

/** A valid `POST /v1/select` body. Unknown fields are ignored (and dropped). */
export type SelectRequest = z.infer<ReturnType<typeof selectRequestSchema>>;

/**
 * A parser of select bodies that accepts at most `maxCandles` candles (config MAX_CANDLES).
 * @throws ValidationError listing every issue with its dotted path.
 */
export function createSelectRequestParser(maxCandles: number): (body: unknown) => SelectRequest {
  const schema = selectRequestSchema(maxCandles);
  return (body) => {
    const parsed = schema.safeParse(body, { error: describeIssue });
    if (!parsed.success) throw ValidationError.of('Request', toValidationIssues(parsed.error.issues));
    return parsed.data;
  };
}
