/**
 * Entry point of `npm run example:bot`: wires the command to the process (files, stdout/stderr,
 * configuration from the environment).
 */
import { readFile } from 'node:fs/promises';
import { getConfig, loadLocalConfig } from '../../lib/config';
import { runExampleBotCommand } from './command';

const { exitCode } = await runExampleBotCommand(process.argv.slice(2), {
  readText: (path) => readFile(path, 'utf8'),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  config: getConfig,
  localPort: () => loadLocalConfig().port,
});
process.exitCode = exitCode;
