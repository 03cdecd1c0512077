/** Entry point of `npm run evaluate`: wires the command to the process's files and streams. */
import { readFile, writeFile } from 'node:fs/promises';
import { runEvaluateCommand } from './command';

process.exitCode = await runEvaluateCommand(process.argv.slice(2), {
  readText: (path) => readFile(path, 'utf8'),
  writeText: (path, text) => writeFile(path, text, 'utf8'),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
