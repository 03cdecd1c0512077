import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ValidationError } from '../../lib/contract/validation-error';
import { IdempotencyConflictError } from '../../lib/select-idempotency';
import type { Log } from './telemetry';

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

/** A resource that does not exist (HTTP 404). */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export function jsonResponse(statusCode: number, body: unknown): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * The one error→HTTP mapping: validation → 400 with its issues, not found → 404, an idempotency
 * key reused for another request → 409 naming the field, anything else → a 500 that says nothing
 * about the cause (which is logged, with the request id).
 */
export function errorResponse(error: unknown, log: Log, context: Record<string, unknown> = {}): HttpResponse {
  if (error instanceof ValidationError) {
    return jsonResponse(400, { error: 'ValidationError', message: error.message, issues: error.issues });
  }
  if (error instanceof NotFoundError) {
    return jsonResponse(404, { error: 'NotFound', message: error.message });
  }
  if (error instanceof IdempotencyConflictError) {
    return jsonResponse(409, {
      error: 'IdempotencyConflict',
      message: error.message,
      issues: [{ path: 'idempotencyKey', message: 'was already used for a different request' }],
    });
  }
  log.error('request failed', { ...context, error: describeError(error) });
  return jsonResponse(500, { error: 'InternalError', message: 'Internal error' });
}

/**
 * The request body as JSON. A missing or malformed body is a validation error on the whole
 * input (path ""), so that it gets the same 400 as any other bad input.
 */
export function parseJsonBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === '') {
    throw ValidationError.of('Request', [{ path: '', message: 'a JSON body is required' }]);
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text);
  } catch {
    throw ValidationError.of('Request', [{ path: '', message: 'the body is not valid JSON' }]);
  }
}

/** An error as log attributes: name, message and stack, for any thrown value. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
