import { createHash } from 'node:crypto';
import type { SelectRequest } from './contract/select-request';
import type { Decision } from './decision';
import { DecisionExistsError, type SelectionStore } from './store/selector-store';

/**
 * Idempotent select. A bot that retries a select (its first call timed out, say) sends the same
 * `idempotencyKey` again. The decision id is derived from the key, so the retry's conditional
 * write meets the first decision and answers it instead of recording a second one, still in one
 * write. The request's hash is stored with the decision, so that a key reused for another request
 * is refused rather than answered with a decision made for something else.
 */

/** Keeps ids derived from keys apart from anything else that might hash the same text. */
const DECISION_ID_NAMESPACE = 'meta-strategy-selector/select/';

/**
 * The decision id of a select sent with `idempotencyKey`: the SHA-256 of the key laid out as a
 * UUID (version 8, RFC 9562's custom layout), so that it reads like the random ids.
 */
export function idempotentDecisionId(idempotencyKey: string): string {
  const hex = createHash('sha256')
    .update(DECISION_ID_NAMESPACE + idempotencyKey)
    .digest('hex');
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/**
 * The SHA-256 (base64url) of the request as parsed, without its key, with object keys sorted: the
 * same request hashes the same whatever the order of its fields or the unknown fields it carried.
 */
export function selectRequestHash(request: SelectRequest): string {
  const { idempotencyKey: _key, ...rest } = request;
  return createHash('sha256').update(canonicalJson(rest)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, field]) => `${JSON.stringify(name)}:${canonicalJson(field)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An idempotency key sent again with a different request (HTTP 409). */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';

  constructor(
    readonly idempotencyKey: string,
    readonly decisionId: string,
  ) {
    super(
      `idempotencyKey ${idempotencyKey} was already used for a different request (decision ${decisionId}); ` +
        'send a new key for a new request',
    );
  }
}

/** A recorded decision, and whether it was recorded by an earlier call with the same key. */
export interface RecordedDecision {
  decision: Decision;
  replayed: boolean;
}

/**
 * Records `decision`, or, when it carries an idempotency key that an earlier request with the same
 * hash already used, answers that request's decision (`replayed`). The store's one conditional
 * write reports the decision already there, so a replay costs no extra request.
 *
 * @throws IdempotencyConflictError when the key was used for a request with another hash.
 * @throws DecisionExistsError when a decision without a key meets an existing id.
 */
export async function recordDecisionOnce(
  store: Pick<SelectionStore, 'recordDecision'>,
  decision: Decision,
): Promise<RecordedDecision> {
  try {
    await store.recordDecision(decision);
    return { decision, replayed: false };
  } catch (error) {
    const key = decision.idempotencyKey;
    if (!(error instanceof DecisionExistsError) || key === undefined || error.existing === undefined) {
      throw error;
    }
    if (error.existing.requestHash !== decision.requestHash) {
      throw new IdempotencyConflictError(key, decision.decisionId);
    }
    return { decision: error.existing, replayed: true };
  }
}
