import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FUNCTION_RUNTIME, SELECTOR_BUNDLING } from '../../infra/selector-function';
import { ENV_DEFAULTS } from '../../lib/config';
import { bundleLikeCdk } from './cdk-esbuild';
import { type ColdStartMeasurement, FUNCTION_NAMES, type FunctionName } from './results';
import { rotation } from './stats';

export interface ColdStartOptions {
  runs: number;
  warmupRuns: number;
}

type BundleName = FunctionName | 'bare';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRIES: Record<BundleName, string> = {
  bare: 'test/bench/bare-handler.ts',
  select: 'functions/select/handler.ts',
  reward: 'functions/reward/handler.ts',
  stats: 'functions/stats/handler.ts',
};

/**
 * The environment of a function in Lambda, as far as its cold start reads it: the stack's
 * defaults, a table name and a Region. Nothing of this process's environment leaks in.
 */
const CHILD_ENV: Record<string, string> = {
  ...ENV_DEFAULTS,
  TABLE_NAME: 'meta-strategy-selector',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Node's clock starts with the process, so `performance.now()` after the import is start → loaded. */
function initScript(bundle: string): string {
  return [
    'const before = performance.now();',
    `const module = await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    'const after = performance.now();',
    "if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');",
    'const cpu = process.cpuUsage();',
    'process.stdout.write(JSON.stringify({ sinceStartMs: after, importMs: after - before, cpuMs: (cpu.user + cpu.system) / 1000 }));',
  ].join('\n');
}

interface InitTiming {
  sinceStartMs: number;
  importMs: number;
  cpuMs: number;
}

/** One fresh Node process loading `bundle` as Lambda's runtime would (with the stack's source maps flag). */
function measureInit(bundle: string): InitTiming {
  const output = execFileSync(
    process.execPath,
    ['--enable-source-maps', '--input-type=module', '-e', initScript(bundle)],
    { env: CHILD_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(output) as InitTiming;
}

/**
 * Bundles the three functions as the stack does (the construct's own `SELECTOR_BUNDLING`, see
 * cdk-esbuild.ts), and a bare handler that only creates the DynamoDB document client with the
 * same options; then loads each bundle in a fresh Node process, `runs` times in rotating order,
 * timing process start → handler module loaded (wall clock), and the CPU time the process had
 * used by then, which other work on the machine disturbs far less than the wall clock.
 */
export function measureColdStart(options: ColdStartOptions): ColdStartMeasurement {
  const outRoot = mkdtempSync(join(tmpdir(), 'selector-bench-bundles-'));
  try {
    const names: BundleName[] = ['bare', ...FUNCTION_NAMES];
    const bundles = Object.fromEntries(
      names.map((name) => [
        name,
        bundleLikeCdk(SELECTOR_BUNDLING, FUNCTION_RUNTIME, PROJECT_ROOT, ENTRIES[name], join(outRoot, name)),
      ]),
    ) as Record<BundleName, { file: string; bytes: number }>;

    const sinceStartMs: Record<BundleName, number[]> = { bare: [], select: [], reward: [], stats: [] };
    const importMs: Record<BundleName, number[]> = { bare: [], select: [], reward: [], stats: [] };
    const cpuMs: Record<BundleName, number[]> = { bare: [], select: [], reward: [], stats: [] };
    for (let run = 0; run < options.warmupRuns + options.runs; run++) {
      for (const index of rotation(names.length, run)) {
        const name = names[index];
        if (name === undefined) continue;
        const timing = measureInit(bundles[name].file);
        if (run < options.warmupRuns) continue;
        sinceStartMs[name].push(timing.sinceStartMs);
        importMs[name].push(timing.importMs);
        cpuMs[name].push(timing.cpuMs);
      }
    }
    return {
      runs: options.runs,
      bundleBytes: {
        bare: bundles.bare.bytes,
        select: bundles.select.bytes,
        reward: bundles.reward.bytes,
        stats: bundles.stats.bytes,
      },
      sinceStartMs,
      importMs,
      cpuMs,
    };
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
  }
}
