import type { EventBridgeEvent } from 'aws-lambda';

/**
 * EventBridge's `PutEvents` as the local stack answers it: the AWS JSON 1.1 protocol the AWS SDK
 * speaks (`POST /`, `x-amz-target: AWSEvents.PutEvents`), per-entry validation with
 * EventBridge's error codes, and the event envelope a rule target receives.
 */

export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
export const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** The account id local events carry (there is no account locally). */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** EventBridge's limit of entries per PutEvents request. */
export const MAX_ENTRIES_PER_REQUEST = 10;
/** EventBridge's limit on the entries of one PutEvents request, together, as it counts them (`entrySizeBytes`). */
export const MAX_ENTRIES_SIZE_BYTES = 256 * 1024;

export type LocalEvent = EventBridgeEvent<string, unknown>;

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutEventsResponse {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** A request EventBridge rejects as a whole (HTTP 400 with this `__type`). */
export class AwsJsonError extends Error {
  constructor(
    readonly type: 'ValidationException' | 'SerializationException' | 'UnknownOperationException',
    message: string,
  ) {
    super(message);
  }

  /** The body the AWS SDK parses into a typed exception. */
  toBody(): { __type: string; message: string } {
    return { __type: this.type, message: this.message };
  }
}

export interface PutEventsOptions {
  /** Region the caller signed for (from its `Authorization` header); events carry it. */
  region: string;
  now: number;
  newEventId: () => string;
}

export interface AcceptedEvents {
  response: PutEventsResponse;
  /** The accepted entries as the envelopes a rule would match and deliver, in request order. */
  events: LocalEvent[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Accepts a PutEvents request body. Each entry needs `Source`, `DetailType` and a `Detail` that
 * is a JSON object; a bad entry fails alone (ErrorCode `InvalidArgument` or `MalformedDetail`)
 * while the others are accepted, as EventBridge does. `EventBusName` may name any bus.
 * @throws AwsJsonError when the body is not JSON, `Entries` is missing, empty or over 10, or the
 *   entries together exceed EventBridge's 256 KB (a bot's oversized `path` fails here as in AWS).
 */
export function acceptPutEvents(body: string, options: PutEventsOptions): AcceptedEvents {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    throw new AwsJsonError('SerializationException', 'The request body is not valid JSON');
  }
  const entries = isRecord(request) ? request.Entries : undefined;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES_PER_REQUEST) {
    throw new AwsJsonError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES_PER_REQUEST}`,
    );
  }

  const totalBytes = entries.reduce<number>((sum, entry) => sum + entrySizeBytes(entry), 0);
  if (totalBytes > MAX_ENTRIES_SIZE_BYTES) {
    throw new AwsJsonError(
      'ValidationException',
      `Total size of the entries in the request is over the limit (${totalBytes} bytes; at most ${MAX_ENTRIES_SIZE_BYTES}).`,
    );
  }

  const results: PutEventsResultEntry[] = [];
  const events: LocalEvent[] = [];
  for (const entry of entries) {
    const accepted = toEvent(entry, options);
    if ('ErrorCode' in accepted) {
      results.push(accepted);
    } else {
      results.push({ EventId: accepted.id });
      events.push(accepted);
    }
  }
  return {
    response: { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results },
    events,
  };
}

function toEvent(
  entry: unknown,
  options: PutEventsOptions,
): LocalEvent | Required<Omit<PutEventsResultEntry, 'EventId'>> {
  if (!isRecord(entry)) return invalid('Entry', 'Entry must be an object.');
  const { Source: source, DetailType: detailType, Detail: detailText, Resources: resources } = entry;
  if (typeof source !== 'string' || source === '') return invalid('Source', 'Source is a required argument.');
  if (typeof detailType !== 'string' || detailType === '')
    return invalid('DetailType', 'DetailType is a required argument.');
  if (typeof detailText !== 'string' || detailText === '')
    return invalid('Detail', 'Detail is a required argument.');
  let detail: unknown;
  try {
    detail = JSON.parse(detailText);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (!isRecord(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (
    resources !== undefined &&
    !(Array.isArray(resources) && resources.every((r) => typeof r === 'string'))
  ) {
    return invalid('Resources', 'Resources must be a list of strings.');
  }
  return {
    version: '0',
    id: options.newEventId(),
    'detail-type': detailType,
    source,
    account: LOCAL_ACCOUNT_ID,
    time: eventTime(entry.Time, options.now),
    region: options.region,
    resources: (resources as string[] | undefined) ?? [],
    detail,
  };
}

/**
 * An entry's size as EventBridge counts it: 14 bytes for `Time` when given, and the UTF-8 bytes
 * of `Source`, `DetailType`, `Detail` and each of `Resources`.
 */
export function entrySizeBytes(entry: unknown): number {
  if (!isRecord(entry)) return 0;
  const bytes = (value: unknown) => (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources : [];
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    resources.reduce<number>((sum, resource) => sum + bytes(resource), 0)
  );
}

function invalid(parameter: string, reason: string) {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
  };
}

/**
 * The envelope's `time`: the entry's `Time` (the SDK sends epoch seconds; text is accepted too)
 * or the time of the call, in EventBridge's second-precision ISO form.
 */
function eventTime(time: unknown, now: number): string {
  let epochMs = now;
  if (typeof time === 'number' && Number.isFinite(time)) epochMs = time * 1000;
  else if (typeof time === 'string' && !Number.isNaN(Date.parse(time))) epochMs = Date.parse(time);
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The Region from a SigV4 `Authorization` header's credential scope
 * (`Credential=AKID/20240312/eu-west-1/events/aws4_request`), or `fallback`.
 */
export function signedRegion(authorization: string | undefined, fallback: string): string {
  const match = authorization === undefined ? null : /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization);
  return match?.[1] ?? fallback;
}
