import { Duration, Validations } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SearchExpression,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type ITable, Operation } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DIMENSION, METRIC, METRICS_NAMESPACE, SERVICE_NAME } from '../lib/observability';
import { REGIMES } from '../lib/types';

/** Every custom metric carries the service dimension Powertools adds; some add regime and strategy. */
const SERVICE_DIMENSION = 'service';
const PERIOD = Duration.minutes(5);

/** A `{namespace,dimensions…}` search schema: matches metrics with exactly these dimensions. */
function searchSchema(...dimensions: string[]): string {
  return `{${[METRICS_NAMESPACE, ...[SERVICE_DIMENSION, ...dimensions].sort()].join(',')}}`;
}

function search(metricName: string, statistic: string, dimensions: string[]): string {
  return `SEARCH('${searchSchema(...dimensions)} MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`;
}

/** One of the selector's own metrics (lib/observability.ts), for one combination of dimensions. */
function customMetric(
  metricName: string,
  statistic: string,
  dimensions: Record<string, string> = {},
  label?: string,
) {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME, ...dimensions },
    statistic,
    period: PERIOD,
    label,
  });
}

/**
 * `page`: notifies the alarm topic (with `alarmEmail`), because nothing will fix it by itself.
 * `warn`: on the dashboard and in the console only, because Lambda or the SDK retries what it
 * counts; the matching `page` alarm (a failure queue, a longer evaluation) fires if retrying fails.
 */
export type AlarmSeverity = 'page' | 'warn';

/** The table operations the functions perform: those whose throttling is counted. */
const TABLE_OPERATIONS = [
  Operation.GET_ITEM,
  Operation.BATCH_GET_ITEM,
  Operation.PUT_ITEM,
  Operation.UPDATE_ITEM,
  Operation.QUERY,
  Operation.TRANSACT_WRITE_ITEMS,
];

export interface SelectorObservabilityProps {
  /** The functions API Gateway invokes synchronously, by display name (Select, Stats). */
  functions: Record<string, IFunction>;
  /** The function EventBridge invokes asynchronously (Reward): Lambda queues and retries its events. */
  asyncFunction: { name: string; fn: IFunction };
  table: ITable;
  /** The dead-letter queues by display name. */
  deadLetterQueues: Record<string, IQueue>;
  stage: HttpStage;
  /** Alarm notifications are emailed here through an SNS topic; no topic without it. */
  alarmEmail?: string;
}

/** An hour of waiting leaves five of the six hours Lambda keeps a reward event (maxEventAge). */
export const REWARD_EVENT_AGE_ALARM_MS = 60 * 60 * 1000;

/**
 * The selector's alarms and its dashboard (what it chose, how often it explored, what it earned,
 * how late rewards arrive, how fast it answers). Alarms that page: a bot got an error (select or
 * stats errors or throttles, API 5xx), an event is lost or about to be (a failure queue holds a
 * message, reward events dropped or an hour old), DynamoDB throttles for 15 minutes, rewards are
 * rejected or implausible for 15 minutes. Alarms that only warn: what Lambda or the SDK retries
 * (reward errors and throttles, reward conflicts, any DynamoDB throttling). The custom metrics are
 * the ones named in lib/observability.ts, which the functions emit.
 */
export class SelectorObservability extends Construct {
  readonly alarms: Alarm[] = [];
  /** The alarms that notify the topic; the others only show on the dashboard. */
  readonly paging: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly topic: Topic | undefined;

  constructor(scope: Construct, id: string, props: SelectorObservabilityProps) {
    super(scope, id);
    const reward = props.asyncFunction;

    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}Errors`, 'page', {
        metric: fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
        threshold: 0,
        description: `The ${name} function threw or timed out: a bot got a 5xx.`,
      });
      this.alarm(`${name}Throttles`, 'page', {
        metric: fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
        threshold: 0,
        description: `Lambda throttled the ${name} function: bots got errors. Raise the account's concurrency quota.`,
      });
    }
    // Lambda retries a failed or throttled asynchronous invocation by itself; what it cannot
    // deliver reaches the failure queue, whose alarm pages.
    this.alarm(`${reward.name}Errors`, 'warn', {
      metric: reward.fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
      threshold: 0,
      description: `The ${reward.name} function threw or timed out; Lambda retries the event, then queues it in RewardFailure.`,
    });
    this.alarm(`${reward.name}Throttles`, 'warn', {
      metric: reward.fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
      threshold: 0,
      description: `Lambda throttled the ${reward.name} function; throttled events wait in Lambda's queue and are retried for up to 6 hours.`,
    });
    this.alarm(`${reward.name}EventAge`, 'page', {
      metric: reward.fn.metric('AsyncEventAge', { period: PERIOD, statistic: Stats.MAXIMUM }),
      threshold: REWARD_EVENT_AGE_ALARM_MS,
      description:
        'A TradeClosed event has waited an hour in Lambda’s queue (throttling or failing retries); after 6 hours it goes to the RewardFailure queue uncredited.',
    });
    this.alarm(`${reward.name}EventsDropped`, 'page', {
      metric: reward.fn.metric('AsyncEventsDropped', { period: PERIOD, statistic: Stats.SUM }),
      threshold: 0,
      description:
        'Lambda gave up on TradeClosed events (retries spent or too old): they are in the RewardFailure queue, uncredited.',
    });
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${name}QueueNotEmpty`, 'page', {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM }),
        threshold: 0,
        description: `TradeClosed events are waiting in the ${name} queue: their rewards were not credited. Inspect and redrive.`,
      });
    }

    // The SDK retries a throttled request, so one throttle is a warning; fifteen minutes of them is
    // a table that cannot keep up.
    const throttled = props.table.metricThrottledRequestsForOperations({
      operations: TABLE_OPERATIONS,
      period: PERIOD,
    });
    this.alarm('TableThrottles', 'warn', {
      metric: throttled,
      threshold: 0,
      description: 'DynamoDB throttled requests to the table; the SDK retried them.',
    });
    this.alarm('TableThrottlesSustained', 'page', {
      metric: throttled,
      threshold: 0,
      evaluationPeriods: 3,
      description: 'DynamoDB has throttled requests to the table in every 5 minutes for 15 minutes.',
    });

    this.alarm('RewardConflictsExhausted', 'warn', {
      metric: customMetric(METRIC.rewardConflictsExhausted, Stats.SUM),
      threshold: 0,
      description:
        'A reward gave up after its optimistic-concurrency retries; Lambda retries the event, then queues it.',
    });
    // Conflicts are retried and normal in bursts; an hour of them means rewards contend for the same cells.
    this.alarm('RewardConflictsSustained', 'warn', {
      metric: customMetric(METRIC.rewardConflicts, Stats.SUM),
      threshold: 10,
      evaluationPeriods: 12,
      description: 'Rewards have met optimistic-concurrency conflicts in every 5 minutes for an hour.',
    });
    // A rejected or implausible reward is final (nothing retries it). One is a bot's slip and shows
    // on the dashboard; fifteen minutes of them is a bot or a stack misconfigured.
    this.alarm('RewardsRejected', 'page', {
      metric: customMetric(METRIC.rewardRejected, Stats.SUM),
      threshold: 0,
      evaluationPeriods: 3,
      description:
        'TradeClosed events name unknown or already-closed decisions in every 5 minutes for 15 minutes: check the bots (decision ids, bus, stack).',
    });
    this.alarm('RewardsImplausible', 'page', {
      // Summed over every reason: one query instead of one alarm per reason.
      metric: new MathExpression({
        expression: `SELECT SUM(${METRIC.rewardImplausible}) FROM SCHEMA("${METRICS_NAMESPACE}", ${DIMENSION.reason}, ${SERVICE_DIMENSION})`,
        period: PERIOD,
        usingMetrics: {},
        label: METRIC.rewardImplausible,
      }),
      threshold: 0,
      evaluationPeriods: 3,
      description:
        'Rewards were refused as implausible for their decisions in every 5 minutes for 15 minutes: check what the bots report.',
    });
    this.alarm('ApiServerErrors', 'page', {
      metric: props.stage.metricServerError({ period: PERIOD, statistic: Stats.SUM }),
      threshold: 5,
      description: 'The HTTP API answered more than five 5xx responses to bots in 5 minutes.',
    });

    if (props.alarmEmail !== undefined) {
      this.topic = new Topic(this, 'AlarmTopic', {
        displayName: 'Meta-strategy selector alarms',
        enforceSSL: true,
      });
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      for (const alarm of this.paging) {
        alarm.addAlarmAction(new SnsAction(this.topic));
        alarm.addOkAction(new SnsAction(this.topic));
      }
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'The only subscription is an email address: an undeliverable alarm email has no consumer to redrive to, and the alarm state stays visible in CloudWatch.',
      });
    }

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '# Meta-strategy selector\nChoices, exploration, realized R and reward lag come from the functions; latency and errors from Lambda and API Gateway.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Selections by strategy and regime',
        left: [
          new SearchExpression({
            expression: search(METRIC.selections, 'Sum', [DIMENSION.regime, DIMENSION.strategy]),
            label: '',
            period: PERIOD,
          }),
        ],
        stacked: true,
        width: 12,
      }),
      new GraphWidget({
        title: 'Exploration rate (explorations / selections)',
        left: [
          new MathExpression({
            expression: '100 * explorations / selections',
            label: 'exploration %',
            period: PERIOD,
            usingMetrics: {
              explorations: new MathExpression({
                expression: `SUM(${search(METRIC.explorations, 'Sum', [DIMENSION.regime])})`,
                usingMetrics: {},
                period: PERIOD,
              }),
              selections: new MathExpression({
                expression: `SUM(${search(METRIC.selections, 'Sum', [DIMENSION.regime, DIMENSION.strategy])})`,
                usingMetrics: {},
                period: PERIOD,
              }),
            },
          }),
        ],
        leftYAxis: { min: 0, max: 100, label: '%', showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Mean realized R by regime',
        left: REGIMES.map((regime) =>
          customMetric(METRIC.realizedR, Stats.AVERAGE, { [DIMENSION.regime]: regime }, regime).with({
            period: Duration.hours(1),
          }),
        ),
        width: 12,
      }),
      new GraphWidget({
        title: 'Reward lag (decision to credited reward)',
        left: [Stats.p(50), Stats.p(90), Stats.MAXIMUM].map((statistic) =>
          customMetric(METRIC.rewardLagSeconds, statistic, {}, `${statistic} seconds`),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'p99 latency',
        left: [
          ...[...Object.entries(props.functions), [reward.name, reward.fn] as const].map(([name, fn]) =>
            fn.metricDuration({ statistic: Stats.p(99), period: PERIOD, label: `${name} function` }),
          ),
          props.stage.metricLatency({ statistic: Stats.p(99), period: PERIOD, label: 'HTTP API' }),
        ],
        leftYAxis: { min: 0, label: 'ms', showUnits: false },
        width: 12,
      }),
      new GraphWidget({
        title: 'Rewards',
        left: [
          ...[
            METRIC.rewardsApplied,
            METRIC.rewardDuplicates,
            METRIC.rewardRejected,
            METRIC.rewardConflicts,
            METRIC.rewardConflictsExhausted,
          ].map((name) => customMetric(name, Stats.SUM, {}, name)),
          new MathExpression({
            expression: `SUM(${search(METRIC.rewardImplausible, 'Sum', [DIMENSION.reason])})`,
            usingMetrics: {},
            period: PERIOD,
            label: METRIC.rewardImplausible,
          }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queues (messages waiting)',
        left: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({
            period: PERIOD,
            statistic: Stats.MAXIMUM,
            label: name,
          }),
        ),
        width: 12,
      }),
      new AlarmStatusWidget({ title: 'Alarms that page', alarms: this.paging, width: 12 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Throttling and reward event age',
        left: [
          ...[...Object.entries(props.functions), [reward.name, reward.fn] as const].map(([name, fn]) =>
            fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM, label: `${name} throttles` }),
          ),
          throttled,
        ],
        right: [
          reward.fn.metric('AsyncEventAge', {
            period: PERIOD,
            statistic: Stats.MAXIMUM,
            label: `${reward.name} oldest event (ms)`,
          }),
        ],
        width: 12,
      }),
      new AlarmStatusWidget({
        title: 'Warnings (retried; they do not page)',
        alarms: this.alarms.filter((alarm) => !this.paging.includes(alarm)),
        width: 12,
      }),
    );
  }

  private alarm(
    id: string,
    severity: AlarmSeverity,
    props: {
      metric: IMetric;
      threshold: number;
      description: string;
      evaluationPeriods?: number;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: `[${severity}] ${props.description}`,
    });
    this.alarms.push(alarm);
    if (severity === 'page') this.paging.push(alarm);
    return alarm;
  }
}
