/**
 * `npm start`: the whole service on this machine (docs/operations.md, "Local stack").
 *
 *   npm start [-- --data-dir DIR] [--seed N] [--port N]
 *
 * Prints one ready line with the URL, then the functions' logs. Every way of stopping it stops
 * DynamoDB Local too: Ctrl-C, SIGTERM or SIGHUP to this process or to the `npm` that started it,
 * the end of that `npm` process however it ends, an uncaught error, and (through the engine's
 * watchdog) even SIGKILL. If DynamoDB Local dies on its own, it exits 1 saying so.
 */
import { parseArgs } from 'node:util';
import { ConfigError, getConfig, loadLocalConfig } from '../../lib/config';
import { DynamoDbLocalError } from './dynamodb-local';
import { type LocalStack, LocalStackError, startLocalStack } from './local-stack';

const USAGE = `Usage: npm start [-- --data-dir DIR] [--seed N] [--port N]

  --data-dir DIR  keep the database in DIR across restarts (default: in memory)
  --seed N        seed the learner's exploration draws, so that runs repeat exactly
  --port N        serve on port N (default: $PORT, else 3000; 0 picks a free port)`;

function fail(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parseCommandLine>;
  try {
    args = parseCommandLine();
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const seed = args.seed === undefined ? undefined : Number(args.seed);
  if (seed !== undefined && !Number.isInteger(seed)) fail(`--seed must be an integer, got '${args.seed}'`);
  const port = args.port === undefined ? undefined : Number(args.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    fail(`--port must be an integer between 0 and 65535, got '${args.port}'`);
  }

  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: port ?? loadLocalConfig().port,
      config: getConfig(),
      ...(args['data-dir'] === undefined ? {} : { dataDir: args['data-dir'] }),
      ...(seed === undefined ? {} : { seed }),
    });
  } catch (error) {
    if (
      error instanceof LocalStackError ||
      error instanceof DynamoDbLocalError ||
      error instanceof ConfigError
    ) {
      fail(error.message);
    }
    throw error;
  }
  process.stdout.write(`${stack.readyLine}\n`);

  let stopping = false;
  const shutdown = (reason: string, exitCode: number) => {
    if (stopping) {
      // A second Ctrl-C does not wait; the exit hook still kills DynamoDB Local.
      process.exit(exitCode);
    }
    stopping = true;
    process.stderr.write(`\n${reason}: stopping the local stack…\n`);
    stack.stop().then(
      () => process.exit(exitCode),
      (error: unknown) => {
        process.stderr.write(
          `error while stopping: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  stack.dynamo.unexpectedExit.then((exit) => {
    if (stopping) return;
    process.stderr.write(`npm start: ${exit.message}\nStart it again with \`npm start\`.\n`);
    shutdown('DynamoDB Local is gone', 1);
  });
  watchParent(() => shutdown('the process that started npm start has exited', 0));
  process.on('SIGINT', () => shutdown('SIGINT', 0));
  process.on('SIGTERM', () => shutdown('SIGTERM', 0));
  process.on('SIGHUP', () => shutdown('SIGHUP', 0));
  process.on('uncaughtException', (error) => {
    process.stderr.write(`uncaught error: ${error.stack ?? error.message}\n`);
    shutdown('uncaught error', 1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(
      `unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
    );
    shutdown('unhandled rejection', 1);
  });
}

/**
 * Calls `onGone` once this process's parent exits. `npm start` runs this file under `sh -c`, and
 * on SIGTERM npm signals only that shell, which dies without passing the signal on: this process
 * is then re-parented, which is how it learns that it should stop.
 */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_POLL_MS);
  timer.unref();
}

const PARENT_POLL_MS = 250;

function parseCommandLine() {
  return parseArgs({
    options: {
      'data-dir': { type: 'string' },
      seed: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  }).values;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
