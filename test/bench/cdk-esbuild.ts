import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';

/*
 * The esbuild command line that CDK's NodejsFunction runs for local bundling (aws-cdk-lib's
 * `Bundling.createBundlingSteps` / `buildEsbuildArgs`), derived from the very options object the
 * construct passes, so that a benchmarked bundle is byte for byte the deployed one. Only the
 * options that change the output are translated; an option this file does not know about makes
 * it throw rather than quietly build something else.
 */

/** Options that only choose how CDK runs the build (Docker, hashing), not what it produces. */
const NO_OUTPUT_EFFECT = new Set([
  'forceDockerBundling',
  'esbuildVersion',
  'buildArgs',
  'dockerImage',
  'assetHash',
  'bundlingFileAccess',
]);
const TRANSLATED = new Set([
  'target',
  'format',
  'minify',
  'sourceMap',
  'sourceMapMode',
  'sourcesContent',
  'externalModules',
  'bundleAwsSDK',
  'loader',
  'define',
  'logLevel',
  'keepNames',
  'metafile',
  'banner',
  'footer',
  'mainFields',
  'inject',
]);

/** The output file name CDK gives the bundle: `index.mjs` for ES modules, else `index.js`. */
export function bundleFileName(bundling: Readonly<BundlingOptions>): string {
  return bundling.format === 'esm' ? 'index.mjs' : 'index.js';
}

/**
 * `esbuild` arguments for bundling `entry` (absolute) into `outdir` as CDK would with `bundling`
 * on `runtime`, in CDK's order.
 * @throws Error for an option that is not translated here (tsconfig, nodeModules, hooks, …), and
 *   for the SDK-externals case, whose list depends on a feature flag.
 */
export function cdkEsbuildArgs(
  bundling: Readonly<BundlingOptions>,
  runtime: Runtime,
  entry: string,
  outdir: string,
): string[] {
  for (const [option, value] of Object.entries(bundling)) {
    if (value === undefined || NO_OUTPUT_EFFECT.has(option) || TRANSLATED.has(option)) continue;
    throw new Error(
      `the benchmark does not translate the bundling option '${option}'; extend test/bench/cdk-esbuild.ts`,
    );
  }
  if (bundling.externalModules === undefined && !bundling.bundleAwsSDK && !runtime.isVariable) {
    throw new Error('the benchmark only translates bundleAwsSDK: true or explicit externalModules');
  }
  const externals = bundling.externalModules ?? [];
  const sourceMap = bundling.sourceMapMode !== undefined || bundling.sourceMap === true;
  const sourceMapMode = bundling.sourceMapMode ?? SourceMapMode.DEFAULT;
  const target = bundling.target ?? `node${/nodejs(\d+)/.exec(runtime.name)?.[1] ?? ''}`;
  return [
    '--bundle',
    entry,
    `--target=${target}`,
    '--platform=node',
    ...(bundling.format ? [`--format=${bundling.format}`] : []),
    `--outfile=${join(outdir, bundleFileName(bundling))}`,
    ...(bundling.minify ? ['--minify'] : []),
    ...(sourceMap
      ? [`--sourcemap${sourceMapMode === SourceMapMode.DEFAULT ? '' : `=${sourceMapMode}`}`]
      : []),
    ...(bundling.sourcesContent === false ? ['--sources-content=false'] : []),
    ...externals.map((external) => `--external:${external}`),
    ...Object.entries(bundling.loader ?? {}).map(([extension, loader]) => `--loader:${extension}=${loader}`),
    ...Object.entries(bundling.define ?? {}).map(([key, value]) => `--define:${key}=${value}`),
    ...(bundling.logLevel ? [`--log-level=${bundling.logLevel}`] : []),
    ...(bundling.keepNames ? ['--keep-names'] : []),
    ...(bundling.metafile ? [`--metafile=${join(outdir, 'index.meta.json')}`] : []),
    ...(bundling.banner ? [`--banner:js=${bundling.banner}`] : []),
    ...(bundling.footer ? [`--footer:js=${bundling.footer}`] : []),
    ...(bundling.mainFields ? [`--main-fields=${bundling.mainFields.join(',')}`] : []),
    ...(bundling.inject ?? []).map((file) => `--inject:${file}`),
  ];
}

export interface BuiltBundle {
  /** Absolute path of the bundle file. */
  file: string;
  bytes: number;
}

/**
 * Bundles `entry` (relative to `projectRoot`) into `outdir` with the project's own esbuild, from
 * the project root, as CDK's local bundling does.
 */
export function bundleLikeCdk(
  bundling: Readonly<BundlingOptions>,
  runtime: Runtime,
  projectRoot: string,
  entry: string,
  outdir: string,
): BuiltBundle {
  mkdirSync(outdir, { recursive: true });
  const esbuild = join(projectRoot, 'node_modules', '.bin', 'esbuild');
  try {
    execFileSync(esbuild, cdkEsbuildArgs(bundling, runtime, resolve(projectRoot, entry), outdir), {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8') ?? '';
    throw new Error(`esbuild failed on ${entry}:\n${stderr.trim()}`);
  }
  const file = join(outdir, bundleFileName(bundling));
  return { file, bytes: statSync(file).size };
}
