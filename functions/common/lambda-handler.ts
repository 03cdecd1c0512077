import type { Context } from 'aws-lambda';
import type { SelectorRuntime } from './runtime';

/**
 * The Lambda entry point around one of the handlers, instrumented the way Powertools' manual
 * examples do: the Lambda context on every log line (request id, cold start, function name,
 * ARN and memory), a `## <name>` subsegment for the invocation annotated with cold start and
 * service, errors recorded on it, and the `ColdStart` metric. Without Powertools (a host that
 * replaced the telemetry and the store) the handler runs as it is.
 */
export function lambdaHandler<E, R>(
  runtime: Pick<SelectorRuntime, 'powertools'>,
  name: string,
  handler: (event: E) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  const { powertools } = runtime;
  if (powertools === undefined) return (event) => handler(event);
  const { logger, metrics, tracer } = powertools;
  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment !== undefined) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await handler(event);
    } catch (error) {
      if (error instanceof Error) tracer.addErrorAsMetadata(error);
      throw error;
    } finally {
      if (segment !== undefined && subsegment !== undefined) {
        subsegment.close();
        tracer.setSegment(segment);
      }
    }
  };
}
