import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { type IRole, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  type CfnFunction,
  type IDestination,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/**
 * Lets bundled CommonJS dependencies (parts of the AWS SDK and Powertools) call `require` for
 * Node built-ins from inside an ES module bundle, where `require` does not exist.
 */
const ESM_REQUIRE_SHIM =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Pinned rather than "latest" so that a CDK upgrade never changes the runtime under the functions. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;

/**
 * How every function is bundled: one place, so that the cold-start benchmark builds byte for byte
 * the bundles the stack deploys.
 */
export const SELECTOR_BUNDLING: Readonly<BundlingOptions> = Object.freeze({
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  // The maps carry positions only; the sources would double the bundle for no runtime use.
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_SHIM,
  // Bundle the SDK too: the functions run the exact, tested client versions from the lock
  // file (tree-shaken), not whichever version the managed runtime ships that month.
  bundleAwsSDK: true,
  forceDockerBundling: false,
});

export interface SelectorFunctionProps {
  /** Path of the handler module, which exports `handler`. */
  entry: string;
  description: string;
  /** The logical id in the template, kept stable so that `sam local invoke` and runbooks can name it. */
  logicalId: string;
  memorySizeMb: number;
  timeout: Duration;
  environment: Record<string, string>;
  tracing: boolean;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  /** Asynchronous invocations only: where an event goes once the retries are spent. */
  onFailure?: IDestination;
  retryAttempts?: number;
  /** Reserved concurrency; none (the account's unreserved pool) when undefined. */
  reservedConcurrency?: number;
  maxEventAge?: Duration;
}

/**
 * One of the selector's Lambda functions with the defaults every function shares: Node.js 22 on
 * arm64, a minified ES module bundle with source maps built by local esbuild (the core in lib/ is
 * bundled in and tree-shaken, not shipped as a layer), its own log group with a retention, JSON
 * logs, optional X-Ray tracing, and a role that starts with no permissions beyond writing to that
 * log group — callers add exactly the actions the function uses.
 */
export class SelectorFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: IRole;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SelectorFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    // A role of our own rather than the AWSLambdaBasicExecutionRole managed policy, whose log
    // permissions apply to every log group in the account.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySizeMb,
      timeout: props.timeout,
      role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.INFO,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      environment: {
        ...props.environment,
        // Stack traces in the logs point at the TypeScript sources, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        // Without active tracing there is no segment to add to: Powertools Tracer stays off.
        ...(props.tracing ? {} : { POWERTOOLS_TRACE_ENABLED: 'false' }),
      },
      onFailure: props.onFailure,
      retryAttempts: props.retryAttempts,
      reservedConcurrentExecutions: props.reservedConcurrency,
      maxEventAge: props.maxEventAge,
      bundling: SELECTOR_BUNDLING,
    });
    (this.function.node.defaultChild as CfnFunction).overrideLogicalId(props.logicalId);
  }
}
