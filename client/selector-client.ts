import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DEFAULT_EVENT_SOURCE, TRADE_CLOSED_DETAIL_TYPE } from '../lib/trade-closed-event';
import {
  type CredentialsOption,
  createSigV4Signer,
  type OutgoingRequest,
  type RequestSigner,
  regionOfApiUrl,
} from './aws-signing';
import { backoffDelayMs, DEFAULT_RETRY, isRetryableStatus, type RetryOptions } from './backoff';
import type {
  ArmSpec,
  DecisionResponse,
  SelectRequestBody,
  SelectResponse,
  StatsResponse,
  StrategyProfile,
  TradeClosedInput,
} from './contract';
import { httpErrorFor, RewardTimeoutError, SelectorClientError, TradeClosedPublishError } from './errors';

/** The bus bots publish to when the stack was deployed without a bus of its own. */
export const DEFAULT_EVENT_BUS_NAME = 'default';
const LOCAL_REGION = 'us-east-1';
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface SelectorClientOptions {
  /** The HTTP API's URL: `http://127.0.0.1:3000` for `npm start`, or the stack's `ApiUrl` output. */
  apiUrl: string;
  /** Signing Region. Default: read from an `execute-api` URL (a custom domain must set it). */
  region?: string;
  /** Default: the AWS SDK's default credential chain (unused against the local stack). */
  credentials?: CredentialsOption;
  /** The stack's `EventBusName` output. Default `default`. */
  eventBusName?: string;
  /** The stack's EVENT_SOURCE. Default `trading.bot`. */
  eventSource?: string;
  /** SigV4-sign the HTTP requests. Default: true, except for a loopback URL (the local stack). */
  sign?: boolean;
  retry?: RetryOptions;
  /** Per HTTP attempt; a timed-out attempt is retried. Default 10,000 ms. */
  timeoutMs?: number;
  /** Jitter of the retry waits, uniform in [0, 1). Default `Math.random`. */
  rng?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms: `closedAt` when a TradeClosed has none, and `waitForReward`'s deadline. */
  now?: () => number;
  /** The key sent with a select that has none. Default: a random UUID. */
  newIdempotencyKey?: () => string;
  /** Default: the global `fetch`. */
  fetch?: typeof fetch;
}

export interface WaitForRewardOptions {
  /** Default 30,000 ms. */
  timeoutMs?: number;
  /** The longest pause between two reads of the decision. Default 1,000 ms. */
  maxPollMs?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What a trading bot does with the selector: ask for an exit plan (`select`), report the closed
 * trade (`tradeClosed`, an EventBridge event), and read back decisions, learned values and
 * profiles. One client works against a deployed stack (SigV4-signed HTTPS, events to its bus)
 * and against `npm start` (plain HTTP, events to the same URL).
 *
 * HTTP calls that were throttled, failed with a 5xx, timed out or lost their connection are
 * retried with jittered exponential backoff; a select keeps its idempotency key across those
 * retries, so a retry never records a second decision. Errors are typed: a 400 is a
 * `SelectorValidationError` carrying the service's `issues`.
 */
export class SelectorClient {
  readonly apiUrl: string;
  /** True for a loopback URL: events go to the local stack's PutEvents, not to AWS. */
  readonly local: boolean;
  private readonly base: URL;
  private readonly signer: RequestSigner | undefined;
  private readonly events: EventBridgeClient;
  private readonly eventBusName: string;
  private readonly eventSource: string;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;
  private readonly rng: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly newIdempotencyKey: () => string;
  private readonly fetch: typeof fetch;

  /** @throws SelectorClientError when the URL is not http(s), or signing has no Region. */
  constructor(options: SelectorClientOptions) {
    let base: URL;
    try {
      base = new URL(options.apiUrl);
    } catch {
      throw new SelectorClientError(`apiUrl is not a URL: ${options.apiUrl}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new SelectorClientError(`apiUrl must be http or https, got ${options.apiUrl}`);
    }
    this.apiUrl = options.apiUrl;
    this.base = base;
    this.local = LOOPBACK_HOSTS.has(base.hostname);
    const region = options.region ?? (this.local ? LOCAL_REGION : regionOfApiUrl(base));
    const sign = options.sign ?? !this.local;
    if (region === undefined && (sign || !this.local)) {
      throw new SelectorClientError(
        `cannot tell the AWS Region from ${options.apiUrl}: pass the region option (a custom domain hides it)`,
      );
    }
    this.signer = sign ? createSigV4Signer(region ?? LOCAL_REGION, options.credentials) : undefined;
    this.events = new EventBridgeClient(
      this.local
        ? { endpoint: base.origin, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }
        : {
            region,
            ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
            maxAttempts: options.retry?.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
          },
    );
    this.eventBusName = options.eventBusName ?? DEFAULT_EVENT_BUS_NAME;
    this.eventSource = options.eventSource ?? DEFAULT_EVENT_SOURCE;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.rng = options.rng ?? Math.random;
    this.sleep = options.sleep ?? defaultSleep;
    this.now = options.now ?? Date.now;
    this.newIdempotencyKey = options.newIdempotencyKey ?? randomUUID;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * `POST /v1/select`: the regime, the chosen exit plan and its decision id. Sends an
   * `idempotencyKey` (the request's own, or a new one) and keeps it across retries.
   * @throws SelectorValidationError (400, with the issues), SelectorConflictError (409: the
   *   request's own key was used before for another request), SelectorHttpError otherwise.
   */
  select(request: SelectRequestBody): Promise<SelectResponse> {
    const body = { ...request, idempotencyKey: request.idempotencyKey ?? this.newIdempotencyKey() };
    return this.call<SelectResponse>('POST', '/v1/select', body);
  }

  /** `GET /v1/decisions/{decisionId}`. @throws SelectorNotFoundError for an unknown id. */
  decision(decisionId: string): Promise<DecisionResponse> {
    return this.call<DecisionResponse>('GET', `/v1/decisions/${encodeURIComponent(decisionId)}`);
  }

  /** `GET /v1/stats?symbol=`: what was learned for the symbol, per regime and strategy. */
  stats(symbol: string): Promise<StatsResponse> {
    return this.call<StatsResponse>('GET', `/v1/stats?symbol=${encodeURIComponent(symbol)}`);
  }

  /** `GET /v1/strategies`: the seven exit-plan profiles. */
  async strategies(): Promise<StrategyProfile[]> {
    return (await this.call<{ strategies: StrategyProfile[] }>('GET', '/v1/strategies')).strategies;
  }

  /** `GET /v1/strategies`: the arms the running policy chooses between (profiles and their scaled variants). */
  async arms(): Promise<ArmSpec[]> {
    return (await this.call<{ arms: ArmSpec[] }>('GET', '/v1/strategies')).arms;
  }

  /**
   * Publishes a TradeClosed event with EventBridge PutEvents: to the local stack when the API URL
   * is local, otherwise to the bus. `closedAt` defaults to now. Resolves to the event id once
   * EventBridge accepted it; the reward is applied asynchronously (see `waitForReward`).
   * @throws TradeClosedPublishError when EventBridge refused the entry.
   */
  async tradeClosed(detail: TradeClosedInput): Promise<string> {
    const event = { ...detail, closedAt: detail.closedAt ?? new Date(this.now()).toISOString() };
    const answer = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: this.eventSource,
            DetailType: TRADE_CLOSED_DETAIL_TYPE,
            Detail: JSON.stringify(event),
            ...(this.local ? {} : { EventBusName: this.eventBusName }),
          },
        ],
      }),
    );
    const entry = answer.Entries?.[0];
    if ((answer.FailedEntryCount ?? 0) > 0 || entry?.EventId === undefined) {
      throw new TradeClosedPublishError(detail.decisionId, entry?.ErrorCode, entry?.ErrorMessage);
    }
    return entry.EventId;
  }

  /**
   * Resolves with the decision once its reward was applied (it is no longer OPEN), reading it
   * with growing pauses.
   * @throws RewardTimeoutError when it is still OPEN after `timeoutMs`.
   */
  async waitForReward(decisionId: string, options: WaitForRewardOptions = {}): Promise<DecisionResponse> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const maxPollMs = options.maxPollMs ?? 1_000;
    const deadline = this.now() + timeoutMs;
    for (let pollMs = 5; ; pollMs = Math.min(pollMs * 2, maxPollMs)) {
      const decision = await this.decision(decisionId);
      if (decision.status !== 'OPEN') return decision;
      if (this.now() >= deadline) throw new RewardTimeoutError(decisionId, timeoutMs);
      await this.sleep(Math.min(pollMs, Math.max(0, deadline - this.now())));
    }
  }

  /** Releases the EventBridge client's connections. */
  close(): void {
    this.events.destroy();
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${path}`, this.base);
    const request: OutgoingRequest = {
      method,
      url,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    };
    const name = `${method} ${path}`;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        const headers = this.signer === undefined ? request.headers : await this.signer(request);
        response = await this.fetch(url, {
          method,
          headers,
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        // No answer (refused, reset, timed out): the request may or may not have arrived.
        if (attempt >= this.retry.maxAttempts) {
          throw new SelectorClientError(
            `${name} failed after ${attempt} attempts: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          );
        }
        await this.sleep(backoffDelayMs(attempt, this.retry, this.rng));
        continue;
      }
      const text = await response.text();
      const parsed = parseBody(text);
      if (response.ok) return parsed as T;
      if (!isRetryableStatus(response.status) || attempt >= this.retry.maxAttempts) {
        throw httpErrorFor(response.status, parsed, name);
      }
      await this.sleep(backoffDelayMs(attempt, this.retry, this.rng));
    }
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
