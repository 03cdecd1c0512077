import { describe, expect, it } from 'vitest';
import {
  AwsJsonError,
  acceptPutEvents,
  entrySizeBytes,
  LOCAL_ACCOUNT_ID,
  MAX_ENTRIES_SIZE_BYTES,
  signedRegion,
} from '../../infra/local/put-events';

const NOW = Date.UTC(2024, 2, 12, 14, 30, 2, 345);

function options() {
  let next = 0;
  return { region: 'eu-west-1', now: NOW, newEventId: () => `ev-${++next}` };
}

const entry = (overrides: Record<string, unknown> = {}) => ({
  Source: 'trading.bot',
  DetailType: 'TradeClosed',
  Detail: JSON.stringify({ decisionId: 'd-1', realizedR: 2.4, closedAt: '2024-03-12T14:30:00Z' }),
  ...overrides,
});

describe('acceptPutEvents', () => {
  it('answers like EventBridge and builds the envelope a rule target receives', () => {
    const { response, events } = acceptPutEvents(
      JSON.stringify({
        Entries: [entry({ EventBusName: 'any-bus', Resources: ['arn:x'], Time: 1710253800 })],
      }),
      options(),
    );
    expect(response).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    expect(events).toEqual([
      {
        version: '0',
        id: 'ev-1',
        'detail-type': 'TradeClosed',
        source: 'trading.bot',
        account: LOCAL_ACCOUNT_ID,
        time: '2024-03-12T14:30:00Z',
        region: 'eu-west-1',
        resources: ['arn:x'],
        detail: { decisionId: 'd-1', realizedR: 2.4, closedAt: '2024-03-12T14:30:00Z' },
      },
    ]);
  });

  it('stamps the time of the call, to the second, when the entry has no Time', () => {
    const { events } = acceptPutEvents(JSON.stringify({ Entries: [entry()] }), options());
    expect(events[0]?.time).toBe('2024-03-12T14:30:02Z');
    expect(events[0]?.resources).toEqual([]);
  });

  it('fails a bad entry alone, with EventBridge error codes, and accepts the rest', () => {
    const { response, events } = acceptPutEvents(
      JSON.stringify({
        Entries: [
          entry({ Source: undefined }),
          entry({ Detail: '{not json' }),
          entry({ Detail: '[1,2]' }),
          entry({ DetailType: '' }),
          entry(),
        ],
      }),
      options(),
    );
    expect(response.FailedEntryCount).toBe(4);
    expect(response.Entries).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      { EventId: 'ev-1' },
    ]);
    expect(events.map((e) => e.id)).toEqual(['ev-1']);
  });

  it('rejects a request that is not JSON, or has no entries or more than ten', () => {
    const attempt = (body: string) => {
      try {
        acceptPutEvents(body, options());
      } catch (error) {
        return error instanceof AwsJsonError ? error.type : 'other';
      }
      return 'accepted';
    };
    expect(attempt('nope')).toBe('SerializationException');
    expect(attempt('{}')).toBe('ValidationException');
    expect(attempt(JSON.stringify({ Entries: [] }))).toBe('ValidationException');
    expect(attempt(JSON.stringify({ Entries: Array.from({ length: 11 }, () => entry()) }))).toBe(
      'ValidationException',
    );
    expect(attempt(JSON.stringify({ Entries: Array.from({ length: 10 }, () => entry()) }))).toBe('accepted');
  });
});

describe('signedRegion', () => {
  it('counts an entry as EventBridge does: Time 14 bytes, then the UTF-8 bytes of Source, DetailType, Detail and Resources', () => {
    expect(
      entrySizeBytes({ Source: 'ab', DetailType: 'cd', Detail: '{"é":1}', Resources: ['x', 'yz'] }),
    ).toBe(2 + 2 + 8 + 3);
    expect(entrySizeBytes({ Source: 'ab', DetailType: 'cd', Time: 1 })).toBe(18);
  });

  it('refuses, as EventBridge does, entries over 256 KB together, and accepts them at the limit', () => {
    const base = entrySizeBytes(entry({ Detail: '{"p":""}' }));
    const padded = (bytes: number) => entry({ Detail: `{"p":"${'x'.repeat(bytes - base)}"}` });
    expect(entrySizeBytes(padded(MAX_ENTRIES_SIZE_BYTES))).toBe(MAX_ENTRIES_SIZE_BYTES);

    expect(
      acceptPutEvents(JSON.stringify({ Entries: [padded(MAX_ENTRIES_SIZE_BYTES)] }), options()).events,
    ).toHaveLength(1);
    const over = () =>
      acceptPutEvents(JSON.stringify({ Entries: [padded(MAX_ENTRIES_SIZE_BYTES + 1)] }), options());
    expect(over).toThrow(AwsJsonError);
    expect(over).toThrow(/Total size of the entries in the request is over the limit/);
    const twoHalves = [padded(MAX_ENTRIES_SIZE_BYTES / 2 + 1), padded(MAX_ENTRIES_SIZE_BYTES / 2)];
    expect(() => acceptPutEvents(JSON.stringify({ Entries: twoHalves }), options())).toThrow(AwsJsonError);
  });

  it('reads the Region from the SigV4 credential scope', () => {
    expect(
      signedRegion(
        'AWS4-HMAC-SHA256 Credential=local/20240312/ap-southeast-2/events/aws4_request, SignedHeaders=host, Signature=abc',
        'us-east-1',
      ),
    ).toBe('ap-southeast-2');
    expect(signedRegion(undefined, 'us-east-1')).toBe('us-east-1');
    expect(signedRegion('Bearer x', 'us-east-1')).toBe('us-east-1');
  });
});
