import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLog, createConsoleTelemetry } from '../../infra/local/console-telemetry';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';

/**
 * The package as a bot's project gets it: `npm pack` (which builds the client), the tarball
 * installed into a fresh project outside this repository (so nothing resolves from our own
 * node_modules), then imported from ESM TypeScript (type-checked strictly against the packed
 * declarations, compiled, run) and from plain Node, both against the local stack.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const SETUP_TIMEOUT_MS = 300_000;

const candlesSource = `Array.from({ length: 60 }, (_, i) => ({ t: 1_700_000_000_000 + i * 60_000, o: 100 + i, h: 102 + i, l: 99 + i, c: 101 + i }))`;

/** ESM TypeScript: strict, NodeNext resolution, the package's declarations checked too. */
const typescriptBot = (url: string) => `
import {
  SelectorClient,
  SelectorValidationError,
  type SelectResponse,
  type StrategyProfile,
} from 'meta-strategy-selector/client';

const client = new SelectorClient({ apiUrl: ${JSON.stringify(url)} });
const profiles: StrategyProfile[] = await client.strategies();
const selected: SelectResponse = await client.select({ symbol: 'PACKED', side: 'LONG', candles: ${candlesSource} });
let issues: string[] = [];
try {
  await client.select({ symbol: 'PACKED', side: 'LONG', candles: [] });
} catch (error) {
  if (error instanceof SelectorValidationError) issues = error.issues.map((issue) => issue.path);
}
console.log(JSON.stringify({ profiles: profiles.length, decisionId: selected.decisionId, issues }));
client.close();
`;

/** Plain Node, no TypeScript anywhere: the whole loop of a bot, select to credited reward. */
const javascriptBot = (url: string) => `
import { SelectorClient } from 'meta-strategy-selector/client';

const client = new SelectorClient({ apiUrl: ${JSON.stringify(url)} });
const selected = await client.select({ symbol: 'PACKEDJS', side: 'SHORT', candles: ${candlesSource} });
await client.tradeClosed({ decisionId: selected.decisionId, realizedR: -1, exitPrice: selected.plan.stopLoss });
const closed = await client.waitForReward(selected.decisionId, { timeoutMs: 10000 });
console.log(JSON.stringify({ status: closed.status, realizedR: closed.reward?.realizedR }));
client.close();
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    types: [],
    strict: true,
    skipLibCheck: false,
    outDir: 'out',
  },
  include: ['bot.mts'],
};

describe('the packed package, installed into another project', () => {
  let stack: LocalStack;
  let project: string;
  let packDir: string;
  let tarball: string;

  beforeAll(async () => {
    const quiet = (_level: string, _line: string) => {};
    stack = await startLocalStack({
      port: 0,
      config: loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'packed-client' }),
      log: createConsoleLog({ name: 'local', write: quiet }),
      telemetry: (name) => createConsoleTelemetry({ name, write: quiet }),
    });
    packDir = mkdtempSync(join(tmpdir(), 'mss-pack-'));
    project = mkdtempSync(join(tmpdir(), 'mss-bot-'));
    const packed = await run('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: ROOT });
    tarball = join(packDir, packed.stdout.trim().split('\n').at(-1) ?? '');
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'a-bot', private: true, type: 'module' }),
    );
    // The cache `npm ci` filled serves the dependencies; the registry only for what it lacks.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project });
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    writeFileSync(join(project, 'bot.mts'), typescriptBot(stack.url));
    writeFileSync(join(project, 'bot.mjs'), javascriptBot(stack.url));
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await stack?.stop();
    for (const dir of [project, packDir])
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('packs only the built client and the manifest', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    expect(stdout.trim().split('\n').sort()).toEqual([
      'package/README.md',
      'package/dist/client/index.d.ts',
      'package/dist/client/index.js',
      'package/package.json',
    ]);
  });

  it('type-checks and runs an ESM TypeScript bot against the local stack', async () => {
    await run(process.execPath, [TSC, '-p', '.'], { cwd: project });
    expect(readdirSync(join(project, 'out'))).toContain('bot.mjs');

    const { stdout } = await run(process.execPath, ['out/bot.mjs'], { cwd: project });
    const result = JSON.parse(stdout) as { profiles: number; decisionId: string; issues: string[] };
    expect(result.profiles).toBe(7);
    expect(result.issues).toEqual(['candles']);
    const recorded = await fetch(`${stack.url}/v1/decisions/${result.decisionId}`);
    expect(recorded.status).toBe(200);
  });

  it('runs a plain Node bot: select, TradeClosed, and the reward credited', async () => {
    const { stdout } = await run(process.execPath, ['bot.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({ status: 'CLOSED', realizedR: -1 });
  });

  it('refuses a type error in the bot at compile time', async () => {
    writeFileSync(
      join(project, 'bot.mts'),
      `import { SelectorClient } from 'meta-strategy-selector/client';\n` +
        `await new SelectorClient({ apiUrl: 'http://127.0.0.1:1' }).select({ symbol: 'X', side: 'BUY', candles: [] });\n`,
    );
    const failed = await run(process.execPath, [TSC, '-p', '.', '--noEmit'], { cwd: project }).then(
      () => undefined,
      (error: { stdout: string }) => error.stdout,
    );
    expect(failed).toContain('\'"BUY"\' is not assignable');
  });
});
