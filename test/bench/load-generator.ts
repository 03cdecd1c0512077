/**
 * The HTTP load generator of the local-stack benchmark, run as its own process so that the
 * clients' work does not share the server's event loop: it reads a LoadSpec as JSON on stdin and
 * writes a LoadResult as JSON on stdout. `clients` loops each send one request, wait for the
 * whole answer, and send the next, until the deadline. Loopback only.
 */
import { pathToFileURL } from 'node:url';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  clients: number;
  durationMs: number;
  /** Answers counted as successes. */
  expectStatus: number;
}

export interface LoadResult {
  elapsedMs: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

/** Every request's latency, until `spec.durationMs` has passed. */
export async function generateLoad(spec: LoadSpec): Promise<LoadResult> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])[:/]/.test(spec.url)) {
    throw new Error(`the load generator only targets this machine, not ${spec.url}`);
  }
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const response = await fetch(spec.url, {
          method: spec.method,
          headers: { 'content-type': 'application/json' },
          ...(spec.body === undefined ? {} : { body: spec.body }),
        });
        await response.arrayBuffer();
        if (response.status === spec.expectStatus) latenciesMs.push(performance.now() - sent);
        else {
          errors++;
          firstError ??= `HTTP ${response.status}`;
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.clients }, client));
  return {
    elapsedMs: performance.now() - started,
    latenciesMs,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  readStdin()
    .then((input) => generateLoad(JSON.parse(input) as LoadSpec))
    .then((result) => process.stdout.write(JSON.stringify(result)))
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
