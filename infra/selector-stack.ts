import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { HTTP_ROUTES, routeKey } from '../lib/contract/http-routes';
import { PARTITION_PATTERNS, TABLE_DEFINITION } from '../lib/store/table';
import { tradeClosedPattern } from '../lib/trade-closed-event';
import { SelectorFunction } from './selector-function';
import { SelectorObservability } from './selector-observability';
import { DEFAULT_EVENT_BUS, readSettings, type StackSettings } from './settings';

/** Actions on the table, limited to the partitions whose keys match `partitions`. */
export interface TableGrant {
  actions: readonly string[];
  /** `dynamodb:LeadingKeys` patterns (StringLike) from lib/store/table.ts. */
  partitions: readonly string[];
}

/**
 * What each function's code does on the table, action by action, and on which partitions. IAM
 * authorizes each item of a TransactWriteItems call by its own action (Put → PutItem, Update →
 * UpdateItem), so there is no "TransactWriteItems" action to grant, and it checks every key of a
 * BatchGetItem or transaction against the partition condition.
 */
export const TABLE_ACCESS = {
  select: [
    /** Reads the symbol's and the pool's cells. */
    {
      actions: ['dynamodb:BatchGetItem'],
      partitions: [...PARTITION_PATTERNS.symbol, ...PARTITION_PATTERNS.pool],
    },
    /** Writes the decision, and nothing else. */
    { actions: ['dynamodb:PutItem'], partitions: PARTITION_PATTERNS.decision },
  ],
  /**
   * Reads the decision (GetItem; the seed policy also its cell), then in one TransactWriteItems
   * closes the decision and adds to the cells (Update each); an implausible reward marks the
   * decision (UpdateItem). Nothing is ever put whole.
   */
  reward: [
    {
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      partitions: [...PARTITION_PATTERNS.decision, ...PARTITION_PATTERNS.symbol, ...PARTITION_PATTERNS.pool],
    },
  ],
  /** Reads a decision (GetItem, also the health check's probe) and queries a symbol's cells. */
  stats: [
    {
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      partitions: [...PARTITION_PATTERNS.decision, ...PARTITION_PATTERNS.symbol],
    },
  ],
} as const satisfies Record<string, readonly TableGrant[]>;

/** Async delivery of TradeClosed: how long EventBridge and then Lambda keep trying before the queues take over. */
const DELIVERY = {
  ruleRetryAttempts: 24,
  ruleMaxEventAge: Duration.hours(4),
  functionRetryAttempts: 2,
  functionMaxEventAge: Duration.hours(6),
  /** The longest SQS allows, so an operator has two weeks to inspect and redrive. */
  queueRetention: Duration.days(14),
} as const;

/**
 * The health check's own throttle: a few load balancers and monitors probing every few seconds
 * need far less, and an unsigned route must not be a way to spend the stage's capacity.
 */
export const OPEN_ROUTE_THROTTLE = { rateLimit: 10, burstLimit: 20 } as const;

const handlerPath = (name: string) =>
  fileURLToPath(new URL(`../functions/${name}/handler.ts`, import.meta.url));

export interface SelectorStackProps extends StackProps {
  /** Defaults to the settings read from this stack's CDK context. */
  settings?: StackSettings;
}

/**
 * The whole selector in one stack: the table, the three functions, the HTTP API bots call with
 * SigV4, the EventBridge rule that feeds TradeClosed events to the reward function (with its
 * dead-letter queues), and the alarms and dashboard. Environment-agnostic: it synthesizes offline
 * and deploys into whichever account and Region the CLI's credentials point at.
 */
export class SelectorStack extends Stack {
  readonly table: Table;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly eventBus: IEventBus;

  constructor(scope: Construct, id: string, props: SelectorStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this.node);
    const removalPolicy = settings.dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_DEFINITION.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_DEFINITION.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_DEFINITION.ttlAttribute,
      // The AWS managed key (aws/dynamodb): key use is logged in CloudTrail and there is no key
      // policy to keep right or monthly key fee; the table holds learner statistics and trade
      // decisions, nothing that calls for our own key policy or cross-account key sharing.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy,
      deletionProtection: !settings.dev,
    });

    const queue = (queueId: string) =>
      new Queue(this, queueId, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: DELIVERY.queueRetention,
        removalPolicy,
      });
    // Two queues because they hold different messages: EventBridge dead-letters the original event
    // when it cannot hand it to Lambda; Lambda's on-failure destination receives an invocation
    // record (request, error, attempts) after the handler itself failed.
    const deliveryDlq = queue('TradeClosedDeliveryDlq');
    const rewardFailures = queue('RewardFailureQueue');
    for (const deadLetters of [deliveryDlq, rewardFailures]) {
      Validations.of(deadLetters).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter destination (EventBridge target DLQ / Lambda on-failure destination); nothing consumes it automatically, an operator inspects and redrives it.',
      });
      Validations.of(deadLetters).acknowledge({
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'This queue is the last stop for failed TradeClosed events; a dead-letter queue of the dead-letter queue would only move the same messages.',
      });
    }

    const common = {
      environment: { ...settings.functionEnvironment, TABLE_NAME: this.table.tableName },
      tracing: settings.tracing,
      logRetention: settings.logRetention,
      removalPolicy,
    };
    const select = new SelectorFunction(this, 'Select', {
      ...common,
      entry: handlerPath('select'),
      logicalId: 'SelectFunction',
      description: 'POST /v1/select: detects the regime, picks an exit plan, records the decision',
      // Indicators over up to a thousand candles are CPU-bound; Lambda's CPU share grows with memory.
      memorySizeMb: 1024,
      timeout: Duration.seconds(10),
    });
    const reward = new SelectorFunction(this, 'Reward', {
      ...common,
      entry: handlerPath('reward'),
      logicalId: 'RewardFunction',
      description: 'TradeClosed events: credits the realized R to the decision, exactly once',
      memorySizeMb: 512,
      timeout: Duration.seconds(30),
      onFailure: new SqsDestination(rewardFailures),
      retryAttempts: DELIVERY.functionRetryAttempts,
      maxEventAge: DELIVERY.functionMaxEventAge,
      // Throttled asynchronous invocations wait in Lambda's queue (up to maxEventAge): not failures.
      reservedConcurrency: settings.rewardConcurrency,
    });
    const stats = new SelectorFunction(this, 'Stats', {
      ...common,
      entry: handlerPath('stats'),
      logicalId: 'StatsFunction',
      description: 'GET /v1/strategies, /v1/stats, /v1/decisions/{decisionId}',
      memorySizeMb: 512,
      timeout: Duration.seconds(10),
    });
    const grants = [
      [select, TABLE_ACCESS.select, false],
      [reward, TABLE_ACCESS.reward, true],
      [stats, TABLE_ACCESS.stats, false],
    ] as const;
    for (const [fn, access, asyncInvoked] of grants) {
      for (const grant of access as readonly TableGrant[]) {
        fn.role.addToPrincipalPolicy(
          new PolicyStatement({
            actions: [...grant.actions],
            resources: [this.table.tableArn],
            // ForAllValues: every key the request touches must match one of the patterns.
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...grant.partitions] } },
          }),
        );
      }
      acknowledgeFunctionFindings(fn, asyncInvoked, settings.tracing);
    }

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: settings.logRetention,
      removalPolicy,
    });
    this.api = new HttpApi(this, 'HttpApi', {
      description: 'Meta-strategy selector: bots sign every request with SigV4 (IAM authorization)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    // The default stage is declared here rather than by HttpApi because only HttpStage takes the
    // access-log settings.
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const integrations = {
      select: new HttpLambdaIntegration('SelectIntegration', select.function),
      stats: new HttpLambdaIntegration('StatsIntegration', stats.function),
    };
    for (const route of Object.values(HTTP_ROUTES)) {
      const added = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.function],
        ...(route.authorization === 'none' ? { authorizer: new HttpNoneAuthorizer() } : {}),
      });
      const [open] = route.authorization === 'none' ? added : [];
      if (open !== undefined) {
        // The open route gets its own small bucket, so probes cannot spend the bots' requests; the
        // stage must be created after the route its settings name.
        (this.stage.node.defaultChild as CfnStage).routeSettings = {
          [routeKey(route)]: {
            ThrottlingRateLimit: OPEN_ROUTE_THROTTLE.rateLimit,
            ThrottlingBurstLimit: OPEN_ROUTE_THROTTLE.burstLimit,
          },
        };
        this.stage.node.addDependency(open);
        Validations.of(open).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'The health check is open on purpose: load balancers and uptime monitors cannot sign SigV4. It answers only whether the table answers, reads one key that never exists, and the stage throttle bounds it.',
        });
      }
    }

    const eventSource = settings.functionEnvironment.EVENT_SOURCE;
    if (eventSource === undefined) throw new Error('EVENT_SOURCE has no default in lib/config.ts');
    this.eventBus =
      settings.eventBusName === DEFAULT_EVENT_BUS
        ? EventBus.fromEventBusName(this, 'EventBus', DEFAULT_EVENT_BUS)
        : new EventBus(this, 'EventBus', {
            eventBusName: settings.eventBusName,
            description: 'TradeClosed events from trading bots',
          });
    new Rule(this, 'TradeClosedRule', {
      description: 'Routes TradeClosed events to the reward function',
      eventBus: this.eventBus,
      eventPattern: tradeClosedPattern(eventSource),
      targets: [
        new LambdaFunction(reward.function, {
          deadLetterQueue: deliveryDlq,
          retryAttempts: DELIVERY.ruleRetryAttempts,
          maxEventAge: DELIVERY.ruleMaxEventAge,
        }),
      ],
    });

    const observability = new SelectorObservability(this, 'Observability', {
      functions: { Select: select.function, Stats: stats.function },
      asyncFunction: { name: 'Reward', fn: reward.function },
      table: this.table,
      deadLetterQueues: { TradeClosedDelivery: deliveryDlq, RewardFailure: rewardFailures },
      stage: this.stage,
      alarmEmail: settings.alarmEmail,
    });

    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    output(
      'ApiUrl',
      this.stage.url,
      'Base URL of the HTTP API (requests are signed with SigV4, service execute-api)',
    );
    output(
      'ApiInvokeArn',
      this.api.arnForExecuteApi('*', '/v1/*', this.stage.stageName),
      "Resource for a bot role's execute-api:Invoke permission",
    );
    output('EventBusName', this.eventBus.eventBusName, 'Bus the bots publish TradeClosed events to');
    output('EventBusArn', this.eventBus.eventBusArn, "Resource for a bot role's events:PutEvents permission");
    output(
      'EventSource',
      eventSource,
      'The `source` a TradeClosed event must carry (detail-type TradeClosed)',
    );
    output('TableName', this.table.tableName, 'DynamoDB table of decisions and learner cells');
    output(
      'TradeClosedDeliveryDlqUrl',
      deliveryDlq.queueUrl,
      'TradeClosed events EventBridge could not deliver',
    );
    output(
      'RewardFailureQueueUrl',
      rewardFailures.queueUrl,
      'TradeClosed events the reward function failed on, with the error',
    );
    output(
      'DashboardUrl',
      `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${observability.dashboard.dashboardName}`,
      'CloudWatch dashboard: selections, exploration, realized R, reward lag, latency',
    );
    output('Region', Aws.REGION, 'Region of the API and the bus (bots sign for this Region)');
  }
}

/**
 * The access-log line, one JSON object per request. The caller fields identify which bot's IAM
 * principal signed the request.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLatencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  responseLength: '$context.responseLength',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  callerAccountId: '$context.identity.accountId',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
  error: '$context.error.message',
} as const;

/** cdk-nag findings on a function that are deliberate, each with the reason. */
function acknowledgeFunctionFindings(fn: SelectorFunction, asyncInvoked: boolean, tracing: boolean): void {
  const onFunction = Validations.of(fn.function);
  onFunction.acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'The runtime is pinned to nodejs22.x on purpose (the Node line the project is built and tested on); moving to a newer one is a tested change, not a synth-time default.',
  });
  onFunction.acknowledge({
    id: 'Serverless-LambdaLatestVersion',
    reason: 'Same as AwsSolutions-L1: nodejs22.x is pinned on purpose and upgraded deliberately.',
  });
  onFunction.acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: asyncInvoked
      ? 'Failed asynchronous invocations go to an SQS on-failure destination (EventInvokeConfig), which records the request and the error; the older DeadLetterConfig would duplicate it with less context.'
      : 'Invoked only synchronously, by API Gateway, which returns the error to the caller; a dead-letter queue applies only to asynchronous invocations.',
  });
  if (tracing) {
    Validations.of(fn.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by active tracing) have resource "*": X-Ray does not support resource-level permissions for them. Every other action is scoped to one resource.',
    });
  } else {
    onFunction.acknowledge({
      id: 'Serverless-LambdaTracing',
      reason: 'Tracing was turned off for this deployment with -c tracing=false.',
    });
  }
}
