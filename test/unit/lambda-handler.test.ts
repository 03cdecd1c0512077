import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaHandler } from '../../functions/common/lambda-handler';
import { buildSelectorRuntime } from '../../functions/common/runtime';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';

/**
 * The Lambda entry points: the Lambda context on every log line, and DynamoDB requests traced.
 * Powertools is real here; only the execution environment is staged with the variables Lambda sets.
 */

function lambdaContext(awsRequestId: string): Context {
  return {
    awsRequestId,
    functionName: 'MetaStrategySelector-StatsFunction',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:MetaStrategySelector-StatsFunction',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/stats',
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** What Powertools writes to stdout while `action` runs, one JSON object per line. */
async function stdoutLines(action: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await action();
  } finally {
    spy.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('lambdaHandler', () => {
  it('puts the request id and the cold start on every log line of an invocation', async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const runtime = buildSelectorRuntime(loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'table' }));
    const telemetry = runtime.telemetry('stats');
    const handler = lambdaHandler(runtime, 'stats', async (event: { n: number }) => {
      telemetry.log.info('handled', { n: event.n });
      return event.n;
    });

    const lines = await stdoutLines(async () => {
      expect(await handler({ n: 1 }, lambdaContext('req-1'))).toBe(1);
      expect(await handler({ n: 2 }, lambdaContext('req-2'))).toBe(2);
    });

    const handled = lines.filter((line) => line.message === 'handled');
    expect(handled).toHaveLength(2);
    expect(handled[0]).toMatchObject({
      function_request_id: 'req-1',
      cold_start: true,
      function_name: 'MetaStrategySelector-StatsFunction',
      function_memory_size: '512',
      n: 1,
    });
    expect(handled[1]).toMatchObject({ function_request_id: 'req-2', cold_start: false, n: 2 });
    // The ColdStart metric of the first invocation, in embedded metric format.
    expect(lines.filter((line) => 'ColdStart' in line)).toHaveLength(1);
  });

  it('rethrows what the handler throws', async () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const runtime = buildSelectorRuntime(loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'table' }));
    const handler = lambdaHandler(runtime, 'reward', async () => {
      throw new Error('malformed');
    });
    await stdoutLines(async () => {
      await expect(handler({}, lambdaContext('req-3'))).rejects.toThrow('malformed');
    });
  });

  it('runs the handler as it is when the host brought its own telemetry and store', async () => {
    const handler = lambdaHandler({ powertools: undefined }, 'stats', async (event: number) => event + 1);
    expect(await handler(1, lambdaContext('req-4'))).toBe(2);
  });
});

describe('the DynamoDB client of the functions', () => {
  it('is captured by Powertools Tracer in Lambda, so that each request is a subsegment', () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'true');
    const runtime = buildSelectorRuntime(loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'table' }));
    expect(runtime.powertools?.tracer.isTracingEnabled()).toBe(true);
    // The store keeps its client private; the middleware stack is what the capture changes.
    const { client } = runtime.store as unknown as { client: { middlewareStack: { identify(): string[] } } };
    expect(client.middlewareStack.identify().join(' ')).toMatch(/XRay/i);
  });

  it('is left as it is where tracing is off', () => {
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs22.x');
    vi.stubEnv('POWERTOOLS_TRACE_ENABLED', 'false');
    const runtime = buildSelectorRuntime(loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'table' }));
    const { client } = runtime.store as unknown as { client: { middlewareStack: { identify(): string[] } } };
    expect(client.middlewareStack.identify().join(' ')).not.toMatch(/XRay/i);
  });
});
