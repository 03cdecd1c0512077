import { parseArgs } from 'node:util';
import { seededRng } from '../random';
import { STRATEGY_IDS } from '../types';
import { LoggedDecisionFormatError, readLoggedDecisions } from './logged-decision';
import { estimatePolicyValue, type IntervalEstimate, type OffPolicyEstimate } from './off-policy';
import { parseTargetPolicy, type TargetPolicy, UnknownTargetPolicyError } from './target-policy';

/**
 * `npm run evaluate -- --file decisions.json [...]`: estimates what other policies would have
 * earned on logged, closed decisions. All I/O goes through `io`, so the command runs the same
 * under test.
 */

export const EVALUATE_USAGE = `Usage: npm run evaluate -- --file decisions.json [options]

Estimates, from closed decisions and the propensities they recorded, the mean R per trade other
policies would have earned (IPS and self-normalised IPS, each with a confidence interval). The
file holds an array of decisions (as GET /v1/decisions/{id} returns them), or { "decisions": [...] }.

Options:
  --file FILE         logged decisions (required)
  --policy SPEC       a policy to evaluate, repeatable: static:<strategy>, greedy, egreedy:<epsilon>,
                      uniform, logged (default: logged, greedy and every static:<strategy>)
  --confidence C      two-sided confidence level of the intervals (default 0.95)
  --bootstrap N       percentile bootstrap with N resamples instead of the normal approximation
  --seed N            seed of the bootstrap resampling (default 1)
  --json FILE         also write the estimates as JSON
  --help              show this text`;

export interface EvaluateCommandIo {
  readText(path: string): Promise<string>;
  writeText(path: string, text: string): Promise<void>;
  stdout(text: string): void;
  stderr(text: string): void;
}

const DEFAULT_POLICIES = ['logged', 'greedy', ...STRATEGY_IDS.map((strategy) => `static:${strategy}`)];

/** Runs the command; resolves to the process exit code (0 ok, 1 bad data, 2 bad usage). */
export async function runEvaluateCommand(argv: readonly string[], io: EvaluateCommandIo): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${EVALUATE_USAGE}\n`);
    return 2;
  }
  if (options.help) {
    io.stdout(`${EVALUATE_USAGE}\n`);
    return 0;
  }

  let json: unknown;
  try {
    json = JSON.parse(await io.readText(options.file));
  } catch (error) {
    io.stderr(`cannot read ${options.file}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  let read: ReturnType<typeof readLoggedDecisions>;
  try {
    read = readLoggedDecisions(json);
  } catch (error) {
    if (!(error instanceof LoggedDecisionFormatError)) throw error;
    io.stderr(`${options.file}: ${error.message}\n`);
    return 1;
  }
  const { decisions, skipped } = read;
  if (decisions.length === 0) {
    io.stderr(`${options.file}: no closed decision with a usable propensity to evaluate\n`);
    return 1;
  }

  const rng = seededRng(options.seed);
  const estimates = options.policies.map((policy) =>
    estimatePolicyValue(decisions, policy, {
      confidence: options.confidence,
      bootstrap: options.bootstrap,
      rng,
    }),
  );
  const interval =
    options.bootstrap > 0 ? `bootstrap, ${options.bootstrap} resamples` : 'normal approximation';
  io.stdout(
    `${options.file}: ${decisions.length} closed decisions (skipped ${skipped.open} open, ` +
      `${skipped.badPropensity} without a usable propensity); ${Math.round(options.confidence * 100)}% intervals, ${interval}\n\n` +
      `${formatEstimates(estimates)}\n`,
  );
  if (options.json !== undefined) {
    await io.writeText(
      options.json,
      `${JSON.stringify({ decisions: decisions.length, skipped, confidence: options.confidence, estimates }, null, 2)}\n`,
    );
    io.stdout(`wrote ${options.json}\n`);
  }
  return 0;
}

function parseOptions(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      file: { type: 'string' },
      policy: { type: 'string', multiple: true },
      confidence: { type: 'string' },
      bootstrap: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help)
    return { help: true as const, file: '', policies: [], confidence: 0, bootstrap: 0, seed: 0 };
  if (values.file === undefined) throw new Error('--file is required');
  const confidence = values.confidence === undefined ? 0.95 : Number(values.confidence);
  if (!(confidence > 0 && confidence < 1))
    throw new Error(`--confidence must be in (0, 1), got ${values.confidence}`);
  const bootstrap = values.bootstrap === undefined ? 0 : Number(values.bootstrap);
  if (!(Number.isInteger(bootstrap) && bootstrap >= 0))
    throw new Error(`--bootstrap must be a non-negative integer, got ${values.bootstrap}`);
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);
  let policies: TargetPolicy[];
  try {
    policies = (values.policy ?? DEFAULT_POLICIES).map(parseTargetPolicy);
  } catch (error) {
    if (error instanceof UnknownTargetPolicyError) throw new Error(error.message);
    throw error;
  }
  return {
    help: false as const,
    file: values.file,
    policies,
    confidence,
    bootstrap,
    seed,
    json: values.json,
  };
}

/** The estimates as an aligned text table. */
export function formatEstimates(estimates: readonly OffPolicyEstimate[]): string {
  const cell = (estimate: IntervalEstimate | undefined) =>
    estimate === undefined
      ? 'n/a'
      : `${signed(estimate.value)} [${signed(estimate.low)}, ${signed(estimate.high)}]`;
  const rows = [
    ['policy', 'matched', 'ESS', 'IPS mean R [interval]', 'SNIPS mean R [interval]'],
    ...estimates.map((estimate) => [
      estimate.policy,
      `${estimate.matched}/${estimate.decisions}`,
      estimate.effectiveSampleSize.toFixed(1),
      cell(estimate.ips),
      cell(estimate.snips),
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((text, column) =>
          column === 0 ? text.padEnd(widths[column] ?? 0) : text.padStart(widths[column] ?? 0),
        )
        .join('  '),
    )
    .join('\n');
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
}
