import type { Log, Telemetry } from '../../functions/common/telemetry';

export type LogLevel = 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2 };

export interface ConsoleLogOptions {
  /** Shown in brackets on every line: the function or component that logged it. */
  name: string;
  /** Lines below this level are dropped. Default `info`. */
  minLevel?: LogLevel;
  /** Where a finished line goes. Default: info to stdout, warn and error to stderr. */
  write?: (level: LogLevel, line: string) => void;
  clock?: () => number;
}

function defaultWrite(level: LogLevel, line: string): void {
  if (level === 'info') process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
}

/**
 * One readable line per log call (`time LEVEL [name] message {attributes}`): what a developer
 * watching `npm start` wants, where Lambda would print Powertools' JSON.
 */
export function createConsoleLog(options: ConsoleLogOptions): Log {
  const minRank = RANK[options.minLevel ?? 'info'];
  const write = options.write ?? defaultWrite;
  const clock = options.clock ?? Date.now;
  const emit = (level: LogLevel, message: string, attributes: Record<string, unknown> = {}) => {
    if (RANK[level] < minRank) return;
    const details = Object.keys(attributes).length === 0 ? '' : ` ${JSON.stringify(attributes)}`;
    const time = new Date(clock()).toISOString();
    write(level, `${time} ${level.toUpperCase().padEnd(5)} [${options.name}] ${message}${details}`);
  };
  return {
    info: (message, attributes) => emit('info', message, attributes),
    warn: (message, attributes) => emit('warn', message, attributes),
    error: (message, attributes) => emit('error', message, attributes),
  };
}

/**
 * Telemetry for a function run by the local stack: its logs on the console, its metrics
 * dropped (there is no CloudWatch locally, and EMF blobs would bury the log lines).
 */
export function createConsoleTelemetry(options: ConsoleLogOptions): Telemetry {
  return { log: createConsoleLog(options), metrics: { add: () => {}, flush: () => {} } };
}
