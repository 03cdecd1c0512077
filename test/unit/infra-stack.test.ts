import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_DEFAULTS } from '../../lib/config';
import { DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/observability';
import { keys, PARTITION_PATTERNS, TABLE_DEFINITION } from '../../lib/store/table';
import { tradeClosedPattern } from '../../lib/trade-closed-event';
import { REGIMES } from '../../lib/types';
import { propertiesOf, removeSynthesized, resourceNamed, resourcesOf, synthesize } from '../infra/synth';

afterAll(removeSynthesized);

// One synthesis for the whole file, bundling the real handlers with local esbuild (no Docker).
const { app, template } = synthesize({}, { bundle: true });
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }
>;

const FUNCTIONS = ['SelectFunction', 'RewardFunction', 'StatsFunction'] as const;
const [tableId] = resourceNamed(template, 'AWS::DynamoDB::Table', 'Table');
const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
const [deliveryDlqId] = resourceNamed(template, 'AWS::SQS::Queue', 'TradeClosedDeliveryDlq');
const [rewardFailuresId] = resourceNamed(template, 'AWS::SQS::Queue', 'RewardFailureQueue');

function fn(logicalId: (typeof FUNCTIONS)[number]) {
  const resource = resources[logicalId];
  if (resource === undefined) throw new Error(`no ${logicalId} in the template`);
  return resource;
}

/** The asset metadata `sam local invoke` uses to find a function's bundle. */
function assetMetadata(logicalId: (typeof FUNCTIONS)[number]): Record<string, string | undefined> {
  const resource = resources[logicalId] as unknown as { Metadata?: Record<string, string> } | undefined;
  return resource?.Metadata ?? {};
}

/** Every statement of the policies attached to the role whose logical id starts with `rolePrefix`. */
function statementsOf(
  rolePrefix: string,
): { Action: string | string[]; Resource: unknown; Effect: string }[] {
  const [roleId] = resourceNamed(template, 'AWS::IAM::Role', rolePrefix);
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
    .flatMap((policy) => (propertiesOf(policy).PolicyDocument as { Statement: [] }).Statement);
}

const actionsOf = (statement: { Action: string | string[] }) =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

function allActions(rolePrefix: string): string[] {
  return statementsOf(rolePrefix).flatMap(actionsOf).sort();
}

function dynamoActions(rolePrefix: string): string[] {
  return allActions(rolePrefix).filter((action) => action.startsWith('dynamodb:'));
}

/** The dashboard body with its CloudFormation tokens replaced by a placeholder, parsed. */
function dashboardBody(): { widgets: { properties: Record<string, unknown> }[] } {
  const [, dashboard] = resourceNamed(template, 'AWS::CloudWatch::Dashboard', 'Observability');
  const body = dashboard.Properties?.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
}

describe('table', () => {
  const table = resources[tableId];

  it('uses the shared key schema and TTL attribute', () => {
    expect(table?.Properties.KeySchema).toEqual([
      { AttributeName: TABLE_DEFINITION.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DEFINITION.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table?.Properties.AttributeDefinitions).toEqual([
      { AttributeName: TABLE_DEFINITION.partitionKey, AttributeType: 'S' },
      { AttributeName: TABLE_DEFINITION.sortKey, AttributeType: 'S' },
    ]);
    expect(table?.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: TABLE_DEFINITION.ttlAttribute,
      Enabled: true,
    });
  });

  it('is on-demand with point-in-time recovery', () => {
    expect(table?.Properties.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('is encrypted with the AWS managed key', () => {
    // SSEEnabled without a key id is KMS encryption under aws/dynamodb.
    expect(table?.Properties.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it('is retained when the stack is deleted or the table replaced, and protected from deletion', () => {
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
    expect(table?.Properties.DeletionProtectionEnabled).toBe(true);
  });
});

describe('functions', () => {
  it('runs nodejs22.x on arm64 with active tracing, JSON logs and explicit memory and timeout', () => {
    for (const id of FUNCTIONS) {
      expect(fn(id).Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON' },
        MemorySize: expect.any(Number),
        Timeout: expect.any(Number),
      });
      expect(fn(id).Properties.Layers).toBeUndefined();
    }
    expect(fn('SelectFunction').Properties).toMatchObject({ MemorySize: 1024, Timeout: 10 });
    expect(fn('RewardFunction').Properties).toMatchObject({ MemorySize: 512, Timeout: 30 });
    expect(fn('StatsFunction').Properties).toMatchObject({ MemorySize: 512, Timeout: 10 });
  });

  it('gives every function the table name and the whole configuration with its defaults', () => {
    for (const id of FUNCTIONS) {
      expect((fn(id).Properties.Environment as { Variables: unknown }).Variables).toEqual({
        ...ENV_DEFAULTS,
        TABLE_NAME: { Ref: tableId },
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('writes to its own log group, kept 30 days and retained with the stack', () => {
    const logGroupIds = FUNCTIONS.map((id) => {
      const logGroup = (fn(id).Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[logGroup]?.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroup]?.Properties.RetentionInDays).toBe(30);
      expect(resources[logGroup]?.DeletionPolicy).toBe('Retain');
      return logGroup;
    });
    expect(new Set(logGroupIds).size).toBe(FUNCTIONS.length);
  });

  it('ships each handler as a minified ES module bundle with a source map, the core and the SDK inside', () => {
    for (const id of FUNCTIONS) {
      expect(assetMetadata(id)['aws:asset:property']).toBe('Code');
      const dir = join(app.outdir, assetMetadata(id)['aws:asset:path'] ?? 'missing');
      const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      expect(bundle.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(true);
      expect(bundle.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      expect(bundle.split('\n').length).toBeLessThan(bundle.length / 1000); // minified: long lines
      expect(bundle).toContain('DECISION#'); // lib/store/table.ts is bundled in, not a layer
      expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//); // the SDK is bundled, not imported at runtime
    }
  });

  it('loads each bundle as an ES module that exports handler', () => {
    for (const id of FUNCTIONS) {
      const url = pathToFileURL(
        join(app.outdir, assetMetadata(id)['aws:asset:path'] ?? 'missing', 'index.mjs'),
      ).href;
      const exported = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(url)}); process.stdout.write(typeof m.handler);`,
        ],
        {
          env: {
            PATH: process.env.PATH,
            TABLE_NAME: 'table',
            AWS_REGION: 'us-east-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          encoding: 'utf8',
        },
      );
      expect(exported).toBe('function');
    }
    // Three node processes, each loading a bundle: seconds on a loaded machine, not a timing test.
  }, 60_000);
});

describe('permissions', () => {
  it('lets select read cells in a batch and write decisions, nothing else on the table', () => {
    expect(dynamoActions('SelectRole')).toEqual(['dynamodb:BatchGetItem', 'dynamodb:PutItem']);
  });

  it("lets reward read the decision (and the seed's cell) and update items, in and out of its transaction", () => {
    expect(dynamoActions('RewardRole')).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
  });

  it('lets stats read a decision and query cells', () => {
    expect(dynamoActions('StatsRole')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
  });

  it('grants each role exactly its log, trace, table and (for reward) failure-queue actions', () => {
    const base = [
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ];
    expect(allActions('SelectRole')).toEqual([...base, 'dynamodb:BatchGetItem', 'dynamodb:PutItem'].sort());
    expect(allActions('RewardRole')).toEqual(
      [
        ...base,
        'dynamodb:GetItem',
        'dynamodb:UpdateItem',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ].sort(),
    );
    expect(allActions('StatsRole')).toEqual([...base, 'dynamodb:GetItem', 'dynamodb:Query'].sort());
  });

  /** Each DynamoDB statement of the role: its actions and the partitions it is limited to. */
  const tableGrants = (role: string) =>
    statementsOf(role)
      .filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')))
      .map((statement) => ({
        actions: actionsOf(statement).sort(),
        partitions: (
          (statement as { Condition?: Record<string, Record<string, string[]>> }).Condition?.[
            'ForAllValues:StringLike'
          ]?.['dynamodb:LeadingKeys'] ?? []
        ).sort(),
      }));

  it('limits every table statement to partitions by dynamodb:LeadingKeys (ForAllValues:StringLike)', () => {
    for (const role of ['SelectRole', 'RewardRole', 'StatsRole']) {
      const grants = tableGrants(role);
      expect(grants.length, role).toBeGreaterThan(0);
      for (const grant of grants) expect(grant.partitions.length, role).toBeGreaterThan(0);
    }
  });

  it('lets select read only symbol and pool cells, and write only decisions', () => {
    expect(tableGrants('SelectRole')).toEqual(
      expect.arrayContaining([
        { actions: ['dynamodb:BatchGetItem'], partitions: ['POOL#*', 'SYMBOL#*'] },
        { actions: ['dynamodb:PutItem'], partitions: ['DECISION#*'] },
      ]),
    );
    expect(tableGrants('SelectRole')).toHaveLength(2);
  });

  it('lets reward touch decisions, symbol cells and pooled shards (POOL#<shard>)', () => {
    expect(tableGrants('RewardRole')).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        partitions: ['DECISION#*', 'POOL#*', 'SYMBOL#*'],
      },
    ]);
  });

  it('lets stats read decisions and symbol cells only', () => {
    expect(tableGrants('StatsRole')).toEqual([
      { actions: ['dynamodb:GetItem', 'dynamodb:Query'], partitions: ['DECISION#*', 'SYMBOL#*'] },
    ]);
  });

  it('uses patterns that match the keys the store writes', () => {
    const like = (pattern: string, value: string) =>
      new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(value);
    const matches = (patterns: readonly string[], value: string) => patterns.some((p) => like(p, value));
    expect(matches(PARTITION_PATTERNS.symbol, keys.cell('BTCUSDT', 'TREND_UP').pk)).toBe(true);
    expect(matches(PARTITION_PATTERNS.symbol, keys.symbolPartition('BTC/USDT'))).toBe(true);
    expect(matches(PARTITION_PATTERNS.pool, keys.pooledCell('TREND_UP', 3).pk)).toBe(true);
    expect(matches(PARTITION_PATTERNS.pool, 'POOL#15')).toBe(true);
    expect(matches(PARTITION_PATTERNS.decision, keys.decision('564f79a9').pk)).toBe(true);
    expect(matches(PARTITION_PATTERNS.decision, keys.cell('X', 'TREND_UP').pk)).toBe(false);
    expect(matches(PARTITION_PATTERNS.pool, 'POOLSIDE')).toBe(false);
  });

  it('uses no wildcard action and scopes every resource except X-Ray', () => {
    for (const role of ['SelectRole', 'RewardRole', 'StatsRole']) {
      for (const statement of statementsOf(role)) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
        if (statement.Resource === '*') {
          expect(actionsOf(statement).every((action) => action.startsWith('xray:'))).toBe(true);
        }
        if (actionsOf(statement).some((action) => action.startsWith('dynamodb:'))) {
          expect(statement.Resource).toEqual(tableArn);
        }
      }
      const [, roleResource] = resourceNamed(template, 'AWS::IAM::Role', role);
      expect(roleResource.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('HTTP API', () => {
  const routes = Object.values(resourcesOf(template, 'AWS::ApiGatewayV2::Route'));
  const integrationTarget = (routeKey: string) => {
    const route = routes.find((r) => r.Properties?.RouteKey === routeKey);
    const target = route?.Properties?.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
    const integration = resources[target['Fn::Join'][1][1].Ref];
    return (propertiesOf(integration, routeKey).IntegrationUri as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
  };

  it("serves the design's routes with AWS_IAM authorization, and an open health check", () => {
    expect(routes.map((route) => route.Properties?.RouteKey).sort()).toEqual([
      'GET /v1/decisions/{decisionId}',
      'GET /v1/health',
      'GET /v1/stats',
      'GET /v1/strategies',
      'POST /v1/select',
    ]);
    for (const route of routes) {
      const open = route.Properties?.RouteKey === 'GET /v1/health';
      expect(route.Properties?.AuthorizationType, String(route.Properties?.RouteKey)).toBe(
        open ? 'NONE' : 'AWS_IAM',
      );
    }
  });

  it('gives the open health check a small bucket of its own, created before the stage that names it', () => {
    const [stageId, stage] = resourceNamed(template, 'AWS::ApiGatewayV2::Stage', 'DefaultStage');
    expect(stage.Properties?.RouteSettings).toEqual({
      'GET /v1/health': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    const healthRouteId = Object.entries(resourcesOf(template, 'AWS::ApiGatewayV2::Route')).find(
      ([, route]) => route.Properties?.RouteKey === 'GET /v1/health',
    )?.[0];
    const dependsOn = (template.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[stageId]
      ?.DependsOn;
    expect(dependsOn).toContain(healthRouteId);
  });

  it('sends select to the select function and the reads to the stats function', () => {
    expect(integrationTarget('POST /v1/select')).toBe('SelectFunction');
    for (const key of [
      'GET /v1/strategies',
      'GET /v1/stats',
      'GET /v1/decisions/{decisionId}',
      'GET /v1/health',
    ]) {
      expect(integrationTarget(key)).toBe('StatsFunction');
    }
    template.resourcePropertiesCountIs(
      'AWS::ApiGatewayV2::Integration',
      { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' },
      2,
    );
  });

  it('throttles the default stage and writes JSON access logs to a retained log group', () => {
    const [, stage] = resourceNamed(template, 'AWS::ApiGatewayV2::Stage', 'DefaultStage');
    expect(stage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      // A 500-symbol candle close arrives within a second or two: the burst absorbs it twice over.
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
    const logs = stage.Properties?.AccessLogSettings as {
      DestinationArn: { 'Fn::GetAtt': [string] };
      Format: string;
    };
    const [logGroupId] = logs.DestinationArn['Fn::GetAtt'];
    expect(resources[logGroupId]?.Properties.RetentionInDays).toBe(30);
    expect(resources[logGroupId]?.DeletionPolicy).toBe('Retain');
    expect(JSON.parse(logs.Format)).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      caller: '$context.identity.caller',
    });
  });
});

describe('TradeClosed delivery', () => {
  const [, rule] = resourceNamed(template, 'AWS::Events::Rule', 'TradeClosedRule');

  it('creates a bus and matches exactly the shared TradeClosed pattern on it', () => {
    const [busId] = resourceNamed(template, 'AWS::Events::EventBus', 'EventBus');
    expect(rule.Properties?.EventBusName).toEqual({ Ref: busId });
    expect(rule.Properties?.EventPattern).toEqual(tradeClosedPattern(ENV_DEFAULTS.EVENT_SOURCE));
  });

  it('targets the reward function with a retry policy and an encrypted dead-letter queue', () => {
    expect(rule.Properties?.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': ['RewardFunction', 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 24, MaximumEventAgeInSeconds: 4 * 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [deliveryDlqId, 'Arn'] } },
      },
    ]);
  });

  it("sends the reward function's failed asynchronous invocations to a second queue after two retries", () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: 'RewardFunction' },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [rewardFailuresId, 'Arn'] } } },
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
  });

  it('encrypts both queues, keeps messages 14 days, refuses non-TLS requests and retains them', () => {
    for (const queueId of [deliveryDlqId, rewardFailuresId]) {
      expect(resources[queueId]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      expect(resources[queueId]?.DeletionPolicy).toBe('Retain');
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('lets only EventBridge, for this rule, send to the delivery dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: deliveryDlqId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('alarms', () => {
  const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties ?? {},
  );

  it('alarms on any error of each function', () => {
    for (const id of FUNCTIONS) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }
  });

  it('alarms as soon as either dead-letter queue holds a message', () => {
    for (const queueId of [deliveryDlqId, rewardFailuresId]) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
        }),
      );
    }
  });

  it('alarms on exhausted and on sustained reward conflicts from the custom metrics', () => {
    const custom = (metricName: string) =>
      expect.objectContaining({
        Namespace: METRICS_NAMESPACE,
        MetricName: metricName,
        Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
        Statistic: 'Sum',
      });
    expect(alarms).toContainEqual(custom(METRIC.rewardConflictsExhausted));
    expect(alarms).toContainEqual(custom(METRIC.rewardConflicts));
  });

  const alarmNamed = (prefix: string) => {
    const found = Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(([id]) =>
      new RegExp(`^Observability${prefix}[0-9A-F]{8}$`).test(id),
    );
    if (found.length !== 1) throw new Error(`${found.length} alarms named ${prefix}`);
    return found[0]?.[1].Properties ?? {};
  };
  const severity = (properties: Record<string, unknown>) =>
    String(properties.AlarmDescription).slice(0, '[page]'.length);

  it('pages on throttles of the functions bots call, and only warns on the reward function’s', () => {
    for (const [name, id, expected] of [
      ['SelectThrottles', 'SelectFunction', '[page]'],
      ['StatsThrottles', 'StatsFunction', '[page]'],
      ['RewardThrottles', 'RewardFunction', '[warn]'],
    ] as const) {
      const alarm = alarmNamed(name);
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: id } }],
        Statistic: 'Sum',
        Threshold: 0,
      });
      expect(severity(alarm), name).toBe(expected);
    }
  });

  it('only warns on reward errors (Lambda retries them) and pages on select and stats errors', () => {
    expect(severity(alarmNamed('RewardErrors'))).toBe('[warn]');
    expect(severity(alarmNamed('SelectErrors'))).toBe('[page]');
    expect(severity(alarmNamed('StatsErrors'))).toBe('[page]');
  });

  it('pages when a reward event has waited an hour or was dropped', () => {
    expect(alarmNamed('RewardEventAge')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventAge',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'RewardFunction' } }],
      Statistic: 'Maximum',
      Threshold: 3_600_000,
      AlarmDescription: expect.stringMatching(/^\[page\] /),
    });
    expect(alarmNamed('RewardEventsDropped')).toMatchObject({
      MetricName: 'AsyncEventsDropped',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'RewardFunction' } }],
      Statistic: 'Sum',
      Threshold: 0,
      AlarmDescription: expect.stringMatching(/^\[page\] /),
    });
  });

  it('warns on any DynamoDB throttling and pages when it lasts 15 minutes', () => {
    const warn = alarmNamed('TableThrottles');
    const page = alarmNamed('TableThrottlesSustained');
    expect(severity(warn)).toBe('[warn]');
    expect(warn.EvaluationPeriods).toBe(1);
    expect(severity(page)).toBe('[page]');
    expect(page.EvaluationPeriods).toBe(3);
    const metrics = page.Metrics as {
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } };
    }[];
    const throttled = metrics.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : []));
    expect(throttled.length).toBeGreaterThan(0);
    for (const metric of throttled) {
      expect(metric.MetricName).toBe('ThrottledRequests');
      expect(metric.Dimensions).toContainEqual({ Name: 'TableName', Value: { Ref: tableId } });
    }
  });

  it('pages on rejected and on implausible rewards that persist for 15 minutes', () => {
    expect(alarmNamed('RewardsRejected')).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.rewardRejected,
      Statistic: 'Sum',
      EvaluationPeriods: 3,
      AlarmDescription: expect.stringMatching(/^\[page\] /),
    });
    const implausible = alarmNamed('RewardsImplausible');
    expect(implausible).toMatchObject({ EvaluationPeriods: 3, Threshold: 0 });
    expect(implausible.Metrics).toEqual([
      expect.objectContaining({
        Expression: `SELECT SUM(${METRIC.rewardImplausible}) FROM SCHEMA("${METRICS_NAMESPACE}", ${DIMENSION.reason}, service)`,
        Period: 300,
      }),
    ]);
  });

  it('only warns on reward conflicts, which are retried', () => {
    expect(severity(alarmNamed('RewardConflictsExhausted'))).toBe('[warn]');
    expect(severity(alarmNamed('RewardConflictsSustained'))).toBe('[warn]');
  });

  it('sends no notifications when no alarm email is configured', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of alarms) expect(alarm.AlarmActions).toBeUndefined();
  });
});

describe('dashboard', () => {
  const widgets = dashboardBody().widgets.map((widget) => widget.properties);
  const widget = (title: string) => {
    const found = widgets.find((properties) => properties.title === title);
    if (found === undefined) throw new Error(`no widget titled ${title}`);
    return JSON.stringify(found.metrics);
  };

  it('graphs selections by strategy and regime with a search over both dimensions', () => {
    expect(widget('Selections by strategy and regime')).toContain(
      `SEARCH('{${METRICS_NAMESPACE},${DIMENSION.regime},service,${DIMENSION.strategy}} MetricName=\\"${METRIC.selections}\\"', 'Sum', 300)`,
    );
  });

  it('graphs the exploration rate as explorations over selections', () => {
    const metrics = widget('Exploration rate (explorations / selections)');
    expect(metrics).toContain('100 * explorations / selections');
    expect(metrics).toContain(`MetricName=\\"${METRIC.explorations}\\"`);
    expect(metrics).toContain(`MetricName=\\"${METRIC.selections}\\"`);
  });

  it('graphs mean realized R for every regime', () => {
    const metrics = widget('Mean realized R by regime');
    for (const regime of REGIMES) {
      expect(metrics).toContain(`"${METRIC.realizedR}","${DIMENSION.regime}","${regime}"`);
    }
    expect(metrics).not.toContain('"stat"'); // Average, the dashboard default
  });

  it('graphs the reward lag and the p99 latency of every function and the API', () => {
    expect(widget('Reward lag (decision to credited reward)')).toContain(METRIC.rewardLagSeconds);
    const latency = widget('p99 latency');
    expect(latency.match(/"Duration"/g)).toHaveLength(FUNCTIONS.length);
    expect(latency).toContain('"stat":"p99"');
    expect(latency).toContain('AWS/ApiGateway');
  });
});

describe('outputs', () => {
  it('gives bots the API URL, the bus, the event source, the table, the queues, the Region and the dashboard', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'ApiInvokeArn',
        'ApiUrl',
        'DashboardUrl',
        'EventBusArn',
        'EventBusName',
        'EventSource',
        'Region',
        'RewardFailureQueueUrl',
        'TableName',
        'TradeClosedDeliveryDlqUrl',
      ].sort(),
    );
    expect(outputs.TableName?.Value).toEqual({ Ref: tableId });
    expect(outputs.EventSource?.Value).toBe(ENV_DEFAULTS.EVENT_SOURCE);
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain('.execute-api.');
  });
});
