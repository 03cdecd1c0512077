/**
 * EventBridge rule matching for the local stack's PutEvents endpoint.
 *
 * No maintained npm library implements EventBridge's event-pattern language (the reference is
 * AWS's Java `event-ruler`; `eb-patterns` and similar names are not on the registry), so this is
 * the subset the project's one rule (`tradeClosedPattern`) uses: a field maps to an array of
 * allowed literal values, and a nested object matches a nested field. Anything richer (content
 * filters such as `prefix`, `numeric`, `exists`, `anything-but`) is refused with an error rather
 * than guessed at, so a future pattern cannot silently match differently here than in AWS.
 */

export type EventPattern = { readonly [field: string]: readonly unknown[] | EventPattern };

/** The pattern uses a part of the pattern language this matcher does not implement. */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

type Literal = string | number | boolean | null;

const isLiteral = (value: unknown): value is Literal =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * True when `event` matches `pattern` as EventBridge would decide it for exact-value patterns:
 * every field named by the pattern must be present, and its value (or, for an array in the
 * event, one of its elements) must equal one of the listed values. Matching is case-sensitive
 * and type-strict (`"1"` does not match `1`). Fields the pattern does not name are ignored.
 * @throws UnsupportedPatternError for content filters or malformed patterns.
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isPlainObject(event)) return false;
  for (const [field, expected] of Object.entries(pattern)) {
    const actual = event[field];
    if (Array.isArray(expected)) {
      if (!matchesValues(field, expected, actual)) return false;
    } else if (isPlainObject(expected)) {
      if (!matchesEventPattern(expected as EventPattern, actual)) return false;
    } else {
      throw new UnsupportedPatternError(`pattern field "${field}" must be an array or an object`);
    }
  }
  return true;
}

function matchesValues(field: string, allowed: readonly unknown[], actual: unknown): boolean {
  for (const value of allowed) {
    if (!isLiteral(value)) {
      throw new UnsupportedPatternError(
        `pattern field "${field}" uses a content filter (${JSON.stringify(value)}); only exact values are supported locally`,
      );
    }
  }
  if (actual === undefined) return false;
  const candidates = Array.isArray(actual) ? actual : [actual];
  return candidates.some((candidate) => allowed.some((value) => value === candidate));
}
