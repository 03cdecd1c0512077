import type { ValidationIssue } from '../lib/contract/validation-error';

/** Every error the client throws on purpose. */
export class SelectorClientError extends Error {
  override readonly name: string = 'SelectorClientError';
}

/** The service answered with an HTTP error; `body` is what it said (parsed JSON, or the text). */
export class SelectorHttpError extends SelectorClientError {
  override readonly name: string = 'SelectorHttpError';

  constructor(
    readonly status: number,
    readonly body: unknown,
    /** `POST /v1/select`, `GET /v1/stats?symbol=…`. */
    readonly request: string,
    message = `${request} answered HTTP ${status}: ${describeBody(body)}`,
  ) {
    super(message);
  }
}

/** HTTP 400: the request broke the contract. `issues` name each bad field by its dotted path. */
export class SelectorValidationError extends SelectorHttpError {
  override readonly name: string = 'SelectorValidationError';

  constructor(
    body: unknown,
    request: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(400, body, request, `${request} was refused: ${messageOf(body) ?? 'invalid request'}`);
  }
}

/** HTTP 404: no such decision (or route). */
export class SelectorNotFoundError extends SelectorHttpError {
  override readonly name: string = 'SelectorNotFoundError';

  constructor(body: unknown, request: string) {
    super(404, body, request, `${request}: ${messageOf(body) ?? 'not found'}`);
  }
}

/** HTTP 409: the select's idempotency key was already used for a different request. */
export class SelectorConflictError extends SelectorHttpError {
  override readonly name: string = 'SelectorConflictError';

  constructor(
    body: unknown,
    request: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(409, body, request, `${request} conflicts: ${messageOf(body) ?? 'conflict'}`);
  }
}

/** EventBridge refused the TradeClosed entry (PutEvents answered, but with a failed entry). */
export class TradeClosedPublishError extends SelectorClientError {
  override readonly name: string = 'TradeClosedPublishError';

  constructor(
    readonly decisionId: string,
    readonly errorCode: string | undefined,
    readonly errorMessage: string | undefined,
  ) {
    super(
      `PutEvents refused the TradeClosed event for decision ${decisionId}: ${errorCode ?? 'no error code'} ${errorMessage ?? ''}`.trim(),
    );
  }
}

/** `waitForReward` ran out of time with the decision still OPEN. */
export class RewardTimeoutError extends SelectorClientError {
  override readonly name: string = 'RewardTimeoutError';

  constructor(
    readonly decisionId: string,
    readonly timeoutMs: number,
  ) {
    super(
      `decision ${decisionId} was not closed within ${timeoutMs} ms: was its TradeClosed published ` +
        "with the stack's event source, to the stack's bus? The reward function's log tells what it received.",
    );
  }
}

/** The error an HTTP answer stands for. */
export function httpErrorFor(status: number, body: unknown, request: string): SelectorHttpError {
  if (status === 400) return new SelectorValidationError(body, request, issuesOf(body));
  if (status === 404) return new SelectorNotFoundError(body, request);
  if (status === 409) return new SelectorConflictError(body, request, issuesOf(body));
  return new SelectorHttpError(status, body, request);
}

function messageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { message } = body as { message?: unknown };
  return typeof message === 'string' ? message : undefined;
}

function issuesOf(body: unknown): ValidationIssue[] {
  const issues =
    typeof body === 'object' && body !== null ? (body as { issues?: unknown }).issues : undefined;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue) => {
    if (typeof issue !== 'object' || issue === null) return [];
    const { path, message } = issue as { path?: unknown; message?: unknown };
    return typeof path === 'string' && typeof message === 'string' ? [{ path, message }] : [];
  });
}

function describeBody(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
