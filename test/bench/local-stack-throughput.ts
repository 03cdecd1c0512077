import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Log } from '../../functions/common/telemetry';
import { startLocalStack } from '../../infra/local/local-stack';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';
import { loadEvent } from '../helpers/selector-harness';
import type { LoadResult, LoadSpec } from './load-generator';
import type { LocalStackMeasurement } from './results';
import { summarize } from './stats';

export interface LocalStackOptions {
  clients: number;
  durationMs: number;
  baselineDurationMs: number;
  warmupMs: number;
}

const silentLog: Log = { info: () => {}, warn: () => {}, error: () => {} };

/** Runs the load generator in a process of its own, with the same TypeScript loader. */
function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const generator = fileURLToPath(new URL('./load-generator.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', generator], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let errorOutput = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errorOutput += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(output) as LoadResult);
      else reject(new Error(`the load generator exited with ${code}: ${errorOutput.trim()}`));
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

/**
 * The local stack (`npm start`'s `startLocalStack`, in process, on free ports, in memory, logs
 * off) serving `POST /v1/select` with the realistic request body of test/events/select-valid.json
 * to `clients` concurrent bots, each a `SelectorClient`, for `durationMs`. The baseline is the same server's
 * unrouted path (404: HTTP parsing and routing, no handler, no DynamoDB) under the same clients.
 */
export async function measureLocalStack(options: LocalStackOptions): Promise<LocalStackMeasurement> {
  const stack = await startLocalStack({
    port: 0,
    config: loadConfig({ ...ENV_DEFAULTS }),
    seed: 6,
    telemetry: () => ({ log: silentLog, metrics: { add: () => {}, flush: () => {} } }),
    log: silentLog,
  });
  try {
    const body = JSON.parse(loadEvent<APIGatewayProxyEventV2>('select-valid.json').body ?? '{}');
    const select = { apiUrl: stack.url, call: { kind: 'select', body }, clients: options.clients } as const;
    await runLoad({ ...select, durationMs: options.warmupMs });
    const measured = await runLoad({ ...select, durationMs: options.durationMs });
    const baseline = await runLoad({
      apiUrl: stack.url,
      call: { kind: 'unrouted', path: '/bench/not-a-route' },
      clients: options.clients,
      durationMs: options.baselineDurationMs,
    });
    if (measured.latenciesMs.length === 0) {
      throw new Error(`no select succeeded over HTTP: ${measured.firstError ?? 'no answer'}`);
    }
    return {
      clients: options.clients,
      durationS: measured.elapsedMs / 1000,
      requests: measured.latenciesMs.length,
      errors: measured.errors,
      latencyMs: summarize(measured.latenciesMs),
      baselineName: 'the same server’s 404 route (no handler, no DynamoDB)',
      baselineRps: baseline.latenciesMs.length / (baseline.elapsedMs / 1000),
    };
  } finally {
    await stack.stop();
  }
}
