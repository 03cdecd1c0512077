/**
 * The HTTP load generator of the local-stack benchmark, run as its own process so that the
 * clients' work does not share the server's event loop: it reads a LoadSpec as JSON on stdin and
 * writes a LoadResult as JSON on stdout. `clients` loops each send one request, wait for the
 * whole answer, and send the next, until the deadline. Selects go through the client library, as
 * a bot's do. Loopback only.
 */
import { pathToFileURL } from 'node:url';
import { SelectorClient, type SelectRequestBody } from '../../client';

/** What each load client sends, again and again. */
export type LoadCall =
  /** `POST /v1/select` through the client library, as a bot sends it (one attempt, no retry). */
  | { kind: 'select'; body: SelectRequestBody }
  /** A bare GET of a path the API does not route, which must answer 404 (the baseline). */
  | { kind: 'unrouted'; path: string };

export interface LoadSpec {
  /** The local stack's URL. */
  apiUrl: string;
  call: LoadCall;
  clients: number;
  durationMs: number;
}

export interface LoadResult {
  elapsedMs: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

/** One request of `call`; throws when it did not succeed. */
function sender(spec: LoadSpec): () => Promise<void> {
  const { call } = spec;
  if (call.kind === 'select') {
    const client = new SelectorClient({ apiUrl: spec.apiUrl, retry: { maxAttempts: 1 } });
    return async () => {
      await client.select(call.body);
    };
  }
  const url = new URL(call.path, spec.apiUrl);
  return async () => {
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status !== 404) throw new Error(`HTTP ${response.status}`);
  };
}

/** Every request's latency, until `spec.durationMs` has passed. */
export async function generateLoad(spec: LoadSpec): Promise<LoadResult> {
  if (!/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])[:/]/.test(spec.apiUrl)) {
    throw new Error(`the load generator only targets this machine, not ${spec.apiUrl}`);
  }
  const send = sender(spec);
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const client = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        await send();
        latenciesMs.push(performance.now() - sent);
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
