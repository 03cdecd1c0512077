import * as z from 'zod/mini';
import { candleSeriesSchema, priceSchema } from './candles';
import { describeIssue, toValidationIssues, ValidationError } from './validation-error';

/** Decision ids are generated UUIDs; anything else that fits a key is accepted, `#` never (it separates key parts). */
export const DECISION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export const decisionIdSchema = z
  .string()
  .check(z.regex(DECISION_ID_PATTERN, { error: 'must be 1 to 128 letters, digits or . _ : -' }));

function tradeClosedDetailSchema(maxCandles: number) {
  return z
    .object({
      decisionId: decisionIdSchema,
      // Any finite R parses: one beyond what a plan can reach is refused as implausible and
      // recorded on the decision, where the operator sees it, rather than dead-lettered.
      realizedR: z.optional(z.number()),
      exitPrice: z.optional(priceSchema),
      tradeId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
      /** Default: the event's `time`. */
      closedAt: z.optional(
        z.iso.datetime({
          offset: true,
          error: 'must be an ISO-8601 date-time, such as 2024-05-01T12:00:00Z',
        }),
      ),
      /** An operator re-publishing a reward the plausibility checks refused, with their reason. */
      override: z.optional(z.object({ reason: z.string().check(z.minLength(1), z.maxLength(256)) })),
      // Empty is allowed: a trade closed on its entry bar has no bars after entry to replay.
      path: z.optional(candleSeriesSchema(0, maxCandles)),
    })
    .check(
      z.superRefine((detail, ctx) => {
        if (detail.realizedR === undefined && detail.exitPrice === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['realizedR'],
            input: undefined,
            message: 'either realizedR or exitPrice is required',
          });
        }
      }),
    );
}

/** The `detail` of a valid TradeClosed event. */
export type TradeClosedDetail = z.infer<ReturnType<typeof tradeClosedDetailSchema>>;

/**
 * A parser of TradeClosed details. The optional `path` (the candles after entry) is checked like
 * select's candles, bar by bar and oldest first, with at most `maxCandles` of them.
 * @throws ValidationError listing every issue with its dotted path.
 */
export function createTradeClosedParser(maxCandles: number): (detail: unknown) => TradeClosedDetail {
  const schema = tradeClosedDetailSchema(maxCandles);
  return (detail) => {
    const parsed = schema.safeParse(detail, { error: describeIssue });
    if (!parsed.success)
      throw ValidationError.of('TradeClosed detail', toValidationIssues(parsed.error.issues));
    return parsed.data;
  };
}
