/** How the client retries throttling, server errors and lost connections. */
export interface RetryOptions {
  /** Attempts per call, the first included. Default 4. */
  maxAttempts?: number;
  /** The first retry waits up to this long; each later one up to twice as long. Default 100 ms. */
  baseDelayMs?: number;
  /** No wait is longer. Default 2,000 ms. */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

/** HTTP statuses worth another try: throttled, or the service (or its gateway) failed for now. */
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * The wait before retry number `retry` (1 for the first): "full jitter", a uniform draw below
 * the capped exponential, so that bots throttled together do not retry together.
 */
export function backoffDelayMs(retry: number, options: Required<RetryOptions>, rng: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(rng() * ceiling);
}
