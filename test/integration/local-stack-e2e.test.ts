import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SelectorClient,
  SelectorConflictError,
  SelectorNotFoundError,
  SelectorValidationError,
  type SelectRequestBody,
  TradeClosedPublishError,
} from '../../client';
import { createConsoleLog, createConsoleTelemetry } from '../../infra/local/console-telemetry';
import { freePort } from '../../infra/local/dynamodb-local';
import { type LocalStack, LocalStackError, startLocalStack } from '../../infra/local/local-stack';
import { ENV_DEFAULTS, loadConfig } from '../../lib/config';

/**
 * The whole local stack end to end, as a bot and an operator use it: through the client library
 * (`meta-strategy-selector/client`), and, where the test is about the wire itself (status codes,
 * headers, malformed PutEvents entries), with fetch and the AWS SDK's EventBridgeClient.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELECT_FIXTURE = JSON.parse(
  readFileSync(new URL('../events/select-valid.json', import.meta.url), 'utf8'),
) as {
  body: string;
};

type Json = Record<string, unknown>;

function selectBody(overrides: Json = {}): Json {
  return { ...(JSON.parse(SELECT_FIXTURE.body) as Json), ...overrides };
}

/**
 * A TradeClosed entry. No `closedAt` unless `detail` names one: the event's time (now, as the
 * stack stamps it) stands for it, after the decision just made; a fixed past date would be a
 * close before the decision, which is refused as implausible.
 */
function tradeClosed(detail: Json, source = 'trading.bot'): PutEventsRequestEntry {
  return {
    Source: source,
    DetailType: 'TradeClosed',
    Detail: JSON.stringify(detail),
    EventBusName: 'any-bus-name',
  };
}

/** Running: the process exists and is not a zombie (an exited child nobody has reaped yet). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return !existsSync('/proc');
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('local stack, in process', () => {
  let stack: LocalStack;
  let client: SelectorClient;
  let events: EventBridgeClient;
  const lines: string[] = [];

  const http = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${stack.url}${path}`, init);
    return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
  };
  const select = (body: Json) =>
    http('/v1/select', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const publish = (...entries: PutEventsRequestEntry[]) =>
    events.send(new PutEventsCommand({ Entries: entries }));
  const decision = async (decisionId: string) => (await http(`/v1/decisions/${decisionId}`)).body;

  beforeAll(async () => {
    const write = (_level: string, line: string) => lines.push(line);
    stack = await startLocalStack({
      port: 0,
      config: loadConfig({ ...ENV_DEFAULTS, TABLE_NAME: 'e2e-selector' }),
      seed: 7,
      log: createConsoleLog({ name: 'local', write }),
      telemetry: (name) => createConsoleTelemetry({ name, write }),
    });
    client = new SelectorClient({ apiUrl: stack.url });
    events = new EventBridgeClient({
      endpoint: stack.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client?.close();
    events?.destroy();
    await stack?.stop();
  });

  it('announces itself with one ready line naming the URL and the engine', () => {
    expect(stack.readyLine).toBe(
      `meta-strategy-selector ready on ${stack.url} (DynamoDB Local on :${stack.dynamo.port}, in memory)`,
    );
    expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('selects, credits a TradeClosed and shows it in stats, all through the client library', async () => {
    const selected = await client.select(selectBody() as unknown as SelectRequestBody);
    const { decisionId, strategy, regime } = selected;
    expect((await client.decision(decisionId)).status).toBe('OPEN');

    const eventId = await client.tradeClosed({ decisionId, realizedR: 1.75, tradeId: 'bot-1' });
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    // Delivery is asynchronous, as in AWS: the bot sees the decision close a moment later.
    const closed = await client.waitForReward(decisionId, { timeoutMs: 5_000 });
    expect(closed.status).toBe('CLOSED');
    expect(closed.reward).toMatchObject({ realizedR: 1.75, eventId, tradeId: 'bot-1' });

    const stats = await client.stats('BTCUSDT');
    expect(stats.regimes[regime.name]?.rewards).toBe(1);
    expect(stats.regimes[regime.name]?.strategies[strategy]).toMatchObject({
      realCount: 1,
      totalR: 1.75,
      wins: 1,
    });
  });

  it('answers a select over plain HTTP as JSON, as API Gateway does', async () => {
    const selected = await select(selectBody());
    expect(selected.status).toBe(200);
    expect(selected.headers.get('content-type')).toBe('application/json');
    expect(selected.body.decisionId).toEqual(expect.any(String));
  });

  it('answers a select retried with its idempotency key with the first decision', async () => {
    const body = { ...(selectBody() as unknown as SelectRequestBody), idempotencyKey: 'e2e-retry-1' };
    const first = await client.select(body);
    const retried = await client.select(body);
    expect(retried).toEqual(first);
    const conflict = await client.select({ ...body, side: 'SHORT' }).catch((error: unknown) => error);
    expect(conflict).toBeInstanceOf(SelectorConflictError);
  });

  it('computes R from exitPrice and credits a TradeClosed sent twice once', async () => {
    const selected = await client.select({
      ...(selectBody() as unknown as SelectRequestBody),
      side: 'SHORT',
      symbol: 'ETHUSDT',
    });
    const risk = selected.plan.stopLoss - selected.plan.entry;
    const exitPrice = selected.plan.entry - 2 * risk;
    const detail = { decisionId: selected.decisionId, exitPrice };
    await client.tradeClosed(detail);
    await stack.drain();
    await client.tradeClosed(detail); // at-least-once delivery: the bot retried
    await stack.drain();

    const closed = await client.decision(selected.decisionId);
    expect(closed.status).toBe('CLOSED');
    expect(closed.reward?.realizedR).toBeCloseTo(2, 9);
    const stats = await client.stats('ETHUSDT');
    const regimes = Object.values(stats.regimes);
    expect(regimes.reduce((sum, regime) => sum + (regime?.rewards ?? 0), 0)).toBe(1);
  });

  it('throws typed errors: the 400 issues, an unknown decision, a refused event entry', async () => {
    const invalid = await client
      .select({ ...(selectBody() as unknown as SelectRequestBody), side: 'UP' as 'LONG' })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(SelectorValidationError);
    expect((invalid as SelectorValidationError).issues).toEqual([
      { path: 'side', message: 'must be one of LONG, SHORT' },
    ]);
    await expect(client.decision('does-not-exist')).rejects.toThrow(SelectorNotFoundError);

    const noSource = new SelectorClient({ apiUrl: stack.url, eventSource: '' });
    try {
      await expect(noSource.tradeClosed({ decisionId: 'd-1', realizedR: 1 })).rejects.toThrow(
        TradeClosedPublishError,
      );
    } finally {
      noSource.close();
    }
  });

  it('accepts an event that matches no rule and does not deliver it', async () => {
    const selected = await select(selectBody({ symbol: 'SOLUSDT' }));
    const { decisionId } = selected.body as { decisionId: string };
    const answer = await publish(tradeClosed({ decisionId, realizedR: 3 }, 'another.source'), {
      ...tradeClosed({ decisionId, realizedR: 3 }),
      DetailType: 'TradeOpened',
    });
    expect(answer.FailedEntryCount).toBe(0);
    expect(answer.Entries).toHaveLength(2);
    await stack.drain();
    expect((await decision(decisionId)).status).toBe('OPEN');
    expect(lines.filter((line) => line.includes('matches no rule'))).toHaveLength(2);
  });

  it('logs a malformed TradeClosed as bound for the dead-letter queue, with the event', async () => {
    const answer = await publish(
      tradeClosed({ decisionId: 'no-such-decision', closedAt: 'yesterday', realizedR: 1 }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    await stack.drain();
    const failure = lines.find((line) => line.includes('dead-letter queue'));
    expect(failure).toContain('ERROR');
    expect(failure).toContain(answer.Entries?.[0]?.EventId);
    expect(failure).toContain('closedAt');
  });

  it('fails a PutEvents entry whose Detail is not JSON, as EventBridge does', async () => {
    const answer = await publish({ Source: 'trading.bot', DetailType: 'TradeClosed', Detail: '{oops' });
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]).toMatchObject({ ErrorCode: 'MalformedDetail' });
  });

  it('answers 400 with the issues for an invalid select', async () => {
    const response = await select(selectBody({ side: 'UP' }));
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      error: 'ValidationError',
      issues: [{ path: 'side', message: 'must be one of LONG, SHORT' }],
    });
  });

  it('answers 404 like API Gateway for a route the API does not have', async () => {
    for (const [method, path] of [
      ['GET', '/v1/nope'],
      ['GET', '/v1/select'],
      ['DELETE', '/v1/stats'],
      ['GET', '/'],
    ] as const) {
      const response = await http(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body).toEqual({ message: 'Not Found' });
    }
  });

  it('answers GET /v1/health with 200 {"status":"ok"} while the table answers', async () => {
    const response = await http('/v1/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('answers GET /v1/health with 503 once DynamoDB Local is gone, and reports how it ended', async () => {
    const errors: string[] = [];
    const write = (_level: string, line: string) => errors.push(line);
    const other = await startLocalStack({
      port: 0,
      config: stack.config,
      log: createConsoleLog({ name: 'local', minLevel: 'error', write }),
      telemetry: (name) => createConsoleTelemetry({ name, minLevel: 'error', write }),
    });
    try {
      expect((await fetch(`${other.url}/v1/health`)).status).toBe(200);
      process.kill(other.dynamo.pid as number, 'SIGKILL');
      const exit = await other.dynamo.unexpectedExit;
      expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
      expect(exit.message).toContain(
        `DynamoDB Local (pid ${other.dynamo.pid}, port ${other.dynamo.port}) was killed by SIGKILL`,
      );
      const response = await fetch(`${other.url}/v1/health`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable' });
      expect(errors.find((line) => line.includes('health check failed'))).toContain('ECONNREFUSED');
    } finally {
      await other.stop();
    }
  });

  it('answers 404 from the stats function for an unknown decision', async () => {
    const response = await http('/v1/decisions/does-not-exist');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'NotFound' });
  });

  it('refuses a port that is taken, saying which and how to pick another, without starting Java', async () => {
    await expect(startLocalStack({ port: stack.port, config: stack.config })).rejects.toThrow(
      LocalStackError,
    );
    await expect(startLocalStack({ port: stack.port, config: stack.config })).rejects.toThrow(
      new RegExp(`Port ${stack.port} on 127\\.0\\.0\\.1 is already in use.*PORT=\\d+ npm start`),
    );
  });

  it('keeps decisions across a restart with a data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'selector-data-'));
    const quiet = {
      port: 0,
      dataDir,
      config: stack.config,
      log: createConsoleLog({ name: 'local', minLevel: 'error' }),
    };
    try {
      const first = await startLocalStack(quiet);
      expect(first.readyLine).toContain(`data in ${dataDir}`);
      const firstClient = new SelectorClient({ apiUrl: first.url });
      const { decisionId } = await firstClient.select(selectBody() as unknown as SelectRequestBody);
      firstClient.close();
      await first.stop();

      const second = await startLocalStack(quiet);
      try {
        const secondClient = new SelectorClient({ apiUrl: second.url });
        expect((await secondClient.decision(decisionId)).status).toBe('OPEN');
        secondClient.close();
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('leaves no Java process behind when stopped', async () => {
    const other = await startLocalStack({
      port: 0,
      config: stack.config,
      log: createConsoleLog({ name: 'local', minLevel: 'error' }),
    });
    const pid = other.dynamo.pid;
    expect(pid).toBeTypeOf('number');
    expect(isAlive(pid as number)).toBe(true);
    await other.stop();
    expect(isAlive(pid as number)).toBe(false);
    await expect(fetch(`${other.url}/v1/strategies`)).rejects.toThrow();
  });
});

/** The Java processes running DynamoDB Local on `port` (from /proc; Linux only). */
function dynamoDbLocalPids(port: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.some((arg) => arg.includes('DynamoDBLocal.jar')) && args.includes(String(port));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The processes started under `pid`, however deep (from /proc; Linux only). */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift();
    for (const [child, parent] of parents) {
      if (parent === current) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

const readyPattern =
  /meta-strategy-selector ready on (http:\/\/127\.0\.0\.1:(\d+)) \(DynamoDB Local on :(\d+), in memory\)/;

function startCli(
  args: string[],
  env?: Record<string, string>,
): { child: ChildProcess; output: () => { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/start.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env === undefined ? {} : { env }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, output: () => ({ stdout, stderr }) };
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe.runIf(existsSync('/proc'))('npm start, as a child process', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints the ready line, serves, and on %s stops DynamoDB Local with it',
    async (signal) => {
      const { child, output } = startCli(['--port', '0', '--seed', '1']);
      try {
        await waitFor(() => output().stdout.includes(' ready on '), 45_000);
        const ready =
          /meta-strategy-selector ready on (http:\/\/127\.0\.0\.1:(\d+)) \(DynamoDB Local on :(\d+), in memory\)/.exec(
            output().stdout,
          );
        expect(ready, output().stdout + output().stderr).not.toBeNull();
        const [, url = '', , dynamoPort = ''] = ready ?? [];
        const response = await fetch(`${url}/v1/strategies`);
        expect(response.status).toBe(200);
        expect(((await response.json()) as { strategies: unknown[] }).strategies).toHaveLength(7);

        const javaPids = dynamoDbLocalPids(Number(dynamoPort));
        expect(javaPids).toHaveLength(1);
        child.kill(signal);
        expect(await exitOf(child)).toBe(0);
        expect(javaPids.filter(isAlive)).toEqual([]);
        expect(dynamoDbLocalPids(Number(dynamoPort))).toEqual([]);
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  );

  it('stops node and DynamoDB Local when the npm process gets SIGTERM, as a process manager sends it', async () => {
    const npm = spawn('npm', ['start', '--', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    npm.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    npm.stderr?.resume();
    try {
      await waitFor(() => readyPattern.test(stdout), 45_000);
      const [, url = '', , dynamoPort = ''] = readyPattern.exec(stdout) ?? [];
      expect((await fetch(`${url}/v1/health`)).status).toBe(200);
      const started = descendantsOf(npm.pid as number);
      const javaPids = dynamoDbLocalPids(Number(dynamoPort));
      expect(javaPids).toHaveLength(1);
      expect(started).toEqual(expect.arrayContaining(javaPids));

      npm.kill('SIGTERM');
      await exitOf(npm);
      await waitFor(() => started.every((pid) => !isAlive(pid)), 15_000);
      expect(dynamoDbLocalPids(Number(dynamoPort))).toEqual([]);
      await expect(fetch(`${url}/v1/strategies`)).rejects.toThrow();
    } finally {
      for (const pid of descendantsOf(npm.pid as number)) process.kill(pid, 'SIGKILL');
      if (npm.exitCode === null) npm.kill('SIGKILL');
    }
  });

  it('exits 1 saying so when DynamoDB Local dies under it', async () => {
    const { child, output } = startCli(['--port', '0']);
    try {
      await waitFor(() => readyPattern.test(output().stdout), 45_000);
      const [, , , dynamoPort = ''] = readyPattern.exec(output().stdout) ?? [];
      const [javaPid] = dynamoDbLocalPids(Number(dynamoPort));
      process.kill(javaPid as number, 'SIGKILL');
      expect(await exitOf(child)).toBe(1);
      expect(output().stderr).toContain(
        `npm start: DynamoDB Local (pid ${javaPid}, port ${dynamoPort}) was killed by SIGKILL while the stack was running; without it every request fails`,
      );
      expect(output().stderr).toContain('Start it again with `npm start`.');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops DynamoDB Local even when node itself is killed with SIGKILL', async () => {
    const { child, output } = startCli(['--port', '0']);
    try {
      await waitFor(() => readyPattern.test(output().stdout), 45_000);
      const [, , , dynamoPort = ''] = readyPattern.exec(output().stdout) ?? [];
      const javaPids = dynamoDbLocalPids(Number(dynamoPort));
      expect(javaPids).toHaveLength(1);
      child.kill('SIGKILL');
      await exitOf(child);
      // Nothing in the killed process can act: the engine's watchdog stops it within seconds.
      await waitFor(() => javaPids.every((pid) => !isAlive(pid)), 15_000);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 saying how to install Java when java is not on the PATH', async () => {
    const { child, output } = startCli(['--port', '0'], { PATH: '/nonexistent' });
    expect(await exitOf(child)).toBe(1);
    expect(output().stderr).toContain('Java 17 or newer is required to run DynamoDB Local');
    expect(output().stderr).toContain('apt-get install -y openjdk-17-jre-headless');
    expect(output().stdout).not.toContain('ready on');
  });

  it('exits 1 naming the data directory when it cannot be used', async () => {
    const notADirectory = fileURLToPath(new URL('../fixtures/ttrc-daily.csv', import.meta.url));
    const { child, output } = startCli(['--port', '0', '--data-dir', join(notADirectory, 'db')]);
    expect(await exitOf(child)).toBe(1);
    expect(output().stderr).toContain(`Cannot keep the database in ${join(notADirectory, 'db')}`);
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const { child, output } = startCli(['--port', String(port)]);
      expect(await exitOf(child)).toBe(1);
      expect(output().stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(output().stderr).toContain('npm start');
      expect(output().stdout).not.toContain('ready on');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
