import type * as z from 'zod/mini';

/** One rejected field: its dotted path (`candles.3.h`; empty for the whole input) and why. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Input that breaks the contract. Maps to HTTP 400, or to a failed (dead-lettered) event. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';

  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[],
  ) {
    super(message);
  }

  /** A ValidationError whose message summarises `issues` (the first one, and how many more). */
  static of(subject: string, issues: readonly ValidationIssue[]): ValidationError {
    const [first] = issues;
    const summary =
      first === undefined
        ? `${subject} is invalid`
        : `${subject} is invalid: ${first.path === '' ? '' : `${first.path}: `}${first.message}` +
          (issues.length > 1 ? ` (and ${issues.length - 1} more)` : '');
    return new ValidationError(summary, issues);
  }
}

/** Joins a zod path into the contract's dotted form. */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function describeValue(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'number' && !Number.isFinite(input)) return String(input);
  return typeof input;
}

function bound(kind: 'least' | 'most', value: unknown, inclusive: boolean | undefined): string {
  if (inclusive === false) return `${kind === 'least' ? 'greater' : 'less'} than ${value}`;
  return `at ${kind} ${value}`;
}

/**
 * Messages for zod's built-in issues, worded for an API caller. Passed as the per-parse error
 * map, so that the lean `zod/mini` build (which ships no messages) still explains itself;
 * schema-level messages take precedence over it.
 */
export function describeIssue(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'number' && typeof issue.input === 'number') return 'must be a finite number';
      return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}, received ${describeValue(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array')
        return `must have ${bound('least', issue.minimum, issue.inclusive)} items`;
      if (issue.origin === 'string') {
        return issue.minimum === 1
          ? 'must not be empty'
          : `must be at least ${issue.minimum} characters long`;
      }
      return `must be ${bound('least', issue.minimum, issue.inclusive)}`;
    case 'too_big':
      if (issue.origin === 'array') return `must have ${bound('most', issue.maximum, issue.inclusive)} items`;
      if (issue.origin === 'string') return `must be at most ${issue.maximum} characters long`;
      return `must be ${bound('most', issue.maximum, issue.inclusive)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return issue.message ?? 'is invalid';
  }
}

/** Turns zod's issues into the contract's `issues` array. */
export function toValidationIssues(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: dottedPath(issue.path), message: issue.message }));
}
