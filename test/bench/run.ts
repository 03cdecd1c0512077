/**
 * `npm run bench`: measures the selector on this machine, prints a table on stdout and writes
 * the results as JSON (docs/design.md, "Benchmarks").
 *
 *   npm run bench [-- --out FILE] [--only compute,backtest,latency,cold,contention,stack] [--quick]
 *
 * Every figure is set against a baseline measured in the same run, interleaved with it, so that
 * a busy machine moves both together. Progress goes to stderr.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';
import { measureColdStart } from './cold-start';
import { measureContention } from './contention';
import { measureHandlerLatency } from './handler-latency';
import { measureLocalStack } from './local-stack-throughput';
import { measurePortfolioBacktest } from './portfolio-backtest';
import { formatTable, type Measurements, tableRows, toBenchResults } from './results';
import { measureSelectCompute } from './select-compute';

const SECTIONS = ['compute', 'backtest', 'latency', 'cold', 'contention', 'stack'] as const;
type Section = (typeof SECTIONS)[number];

const USAGE = `Usage: npm run bench [-- --out FILE] [--only SECTIONS] [--quick]

  --out FILE      write the results here (default: bench-results.json)
  --only LIST     run only these, comma-separated: ${SECTIONS.join(', ')}
  --quick         far fewer iterations: a smoke run, not a measurement`;

/** Iterations of a full run, sized to finish in under two minutes on 2 cores. */
const FULL = {
  compute: { candles: 250, iterations: 10_000, warmupIterations: 2_000 },
  backtest: { symbols: 10, barsPerSymbol: 6_000, rounds: 3 },
  latency: { iterations: 200, warmupIterations: 20 },
  cold: { runs: 20, warmupRuns: 1 },
  contention: { rewards: 64, crossSymbolRewards: 256, rounds: 3 },
  stack: { clients: 8, durationMs: 10_000, baselineDurationMs: 3_000, warmupMs: 1_000 },
};
const QUICK: typeof FULL = {
  compute: { candles: 250, iterations: 500, warmupIterations: 100 },
  backtest: { symbols: 3, barsPerSymbol: 1_500, rounds: 1 },
  latency: { iterations: 10, warmupIterations: 2 },
  cold: { runs: 2, warmupRuns: 0 },
  contention: { rewards: 16, crossSymbolRewards: 32, rounds: 1 },
  stack: { clients: 8, durationMs: 1_000, baselineDurationMs: 500, warmupMs: 200 },
};

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

async function timed<T>(label: string, run: () => Promise<T> | T): Promise<T> {
  progress(`${label}…`);
  const started = Date.now();
  const result = await run();
  progress(`${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

function parseCommandLine(): { out: string; sections: Set<Section>; quick: boolean } {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      only: { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = values.only?.split(',').map((name) => name.trim()) ?? [...SECTIONS];
  const unknown = only.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown section(s) for --only: ${unknown.join(', ')}`);
  return {
    out: resolve(values.out ?? 'bench-results.json'),
    sections: new Set(only as Section[]),
    quick: values.quick ?? false,
  };
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine();
  } catch (error) {
    process.stderr.write(
      `npm run bench: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`,
    );
    process.exit(1);
  }
  const plan = args.quick ? QUICK : FULL;
  const wants = (section: Section) => args.sections.has(section);
  const startedAt = new Date();
  const loadBefore = loadavg();
  const measurements: Measurements = {};

  // CPU-only first, while nothing else of ours runs; then the child processes; then DynamoDB Local.
  if (wants('compute')) {
    measurements.selectCompute = await timed('select compute', () => measureSelectCompute(plan.compute));
  }
  if (wants('backtest')) {
    measurements.portfolioBacktest = await timed('portfolio backtest', () =>
      measurePortfolioBacktest(plan.backtest),
    );
  }
  if (wants('cold')) {
    measurements.coldStart = await timed('cold start (bundling and fresh processes)', () =>
      measureColdStart(plan.cold),
    );
  }
  if (wants('latency') || wants('contention')) {
    const dynamo = await timed('starting DynamoDB Local', () => startDynamoDbLocal());
    try {
      if (wants('latency')) {
        measurements.handlerLatency = await timed('handler latency and DynamoDB requests', () =>
          measureHandlerLatency(dynamo.endpoint, plan.latency),
        );
      }
      if (wants('contention')) {
        measurements.contention = await timed('contention', () =>
          measureContention(dynamo.endpoint, plan.contention),
        );
      }
    } finally {
      await dynamo.stop();
    }
  }
  if (wants('stack')) {
    measurements.localStack = await timed('local stack throughput over HTTP', () =>
      measureLocalStack(plan.stack),
    );
  }

  const results = toBenchResults(measurements, {
    startedAt: startedAt.toISOString(),
    durationS: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
    quick: args.quick,
    sections: [...args.sections],
    node: process.version,
    cpus: cpus().length,
    loadAverageBefore: loadBefore.map((load) => Math.round(load * 100) / 100),
    loadAverageAfter: loadavg().map((load) => Math.round(load * 100) / 100),
  });
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${formatTable(tableRows(measurements))}\n\nresults written to ${args.out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `npm run bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
