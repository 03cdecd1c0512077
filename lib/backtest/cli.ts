/**
 * Entry point of `npm run backtest`: wires the command to the process (files, stdout/stderr,
 * configuration from the environment, a progress bar on stderr when it is a terminal).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { getConfig } from '../config';
import { type ProgressSink, runBacktestCommand } from './command';

/** A progress bar only on an interactive terminal: CI logs and redirected output stay clean. */
function terminalProgress(): ProgressSink | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'backtest [{bar}] {percentage}% | {value}/{total} bars | {duration_formatted}',
    hideCursor: true,
    clearOnComplete: true,
  });
  return {
    start: (total) => bar.start(total, 0),
    update: (value) => bar.update(value),
    stop: () => bar.stop(),
  };
}

const progress = terminalProgress();
process.exitCode = await runBacktestCommand(process.argv.slice(2), {
  readText: (path) => readFile(path, 'utf8'),
  listDirectory: (path) => readdir(path),
  writeText: (path, text) => writeFile(path, text, 'utf8'),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  config: getConfig,
  now: () => performance.now(),
  ...(progress === undefined ? {} : { progress }),
});
