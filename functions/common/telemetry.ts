import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/observability';

/** Structured log lines; Powertools' Logger fits it, and tests pass a recorder. */
export interface Log {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export type MetricUnitName = 'Count' | 'Seconds' | 'None';

/** Metrics by the names in `lib/observability.ts`; Powertools' EMF in Lambda, a recorder in tests. */
export interface MetricsSink {
  add(name: string, unit: MetricUnitName, value: number, dimensions?: Record<string, string>): void;
  /** Emits what was added during this invocation. */
  flush(): void;
}

export interface Telemetry {
  log: Log;
  metrics: MetricsSink;
}

const UNITS = { Count: MetricUnit.Count, Seconds: MetricUnit.Seconds, None: MetricUnit.NoUnit } as const;

/**
 * A Lambda function's Powertools utilities, created once per execution environment and shared by
 * its telemetry, its traced DynamoDB client and its handler's instrumentation
 * (`functions/common/lambda-handler.ts`). The tracer is off outside Lambda and when the stack
 * turns tracing off (POWERTOOLS_TRACE_ENABLED=false).
 */
export interface Powertools {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

export function createPowertools(): Powertools {
  return {
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    tracer: new Tracer({ serviceName: SERVICE_NAME }),
  };
}

/**
 * Powertools Logger and Metrics under the service's name and namespace. A metric with
 * dimensions is emitted on its own (a single-metric EMF blob), so its dimensions do not leak onto
 * the invocation's other metrics.
 */
export function createPowertoolsTelemetry(powertools: Powertools = createPowertools()): Telemetry {
  const { logger, metrics } = powertools;
  return {
    log: {
      info: (message, attributes = {}) => logger.info(message, attributes),
      warn: (message, attributes = {}) => logger.warn(message, attributes),
      error: (message, attributes = {}) => logger.error(message, attributes),
    },
    metrics: {
      add(name, unit, value, dimensions) {
        if (dimensions === undefined) {
          metrics.addMetric(name, UNITS[unit], value);
          return;
        }
        const single = metrics.singleMetric();
        single.addDimensions(dimensions);
        single.addMetric(name, UNITS[unit], value);
      },
      flush() {
        if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      },
    },
  };
}
