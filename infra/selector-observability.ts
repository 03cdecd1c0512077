import { Duration, Validations } from 'aws-cdk-lib';
import type { HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SearchExpression,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
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

export interface SelectorObservabilityProps {
  /** The functions by display name (Select, Reward, Stats). */
  functions: Record<string, IFunction>;
  /** The dead-letter queues by display name. */
  deadLetterQueues: Record<string, IQueue>;
  stage: HttpStage;
  /** Alarm notifications are emailed here through an SNS topic; no topic without it. */
  alarmEmail?: string;
}

/**
 * The selector's alarms (function errors, anything in a dead-letter queue, reward conflicts, API
 * server errors) and its dashboard (what it chose, how often it explored, what it earned, how late
 * rewards arrive, how fast it answers). The custom metrics are the ones named in
 * lib/observability.ts, which the functions emit.
 */
export class SelectorObservability extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly topic: Topic | undefined;

  constructor(scope: Construct, id: string, props: SelectorObservabilityProps) {
    super(scope, id);

    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarm(`${name}Errors`, {
        metric: fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
        threshold: 0,
        description: `The ${name} function threw or timed out.`,
      });
    }
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${name}QueueNotEmpty`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: Stats.MAXIMUM }),
        threshold: 0,
        description: `TradeClosed events are waiting in the ${name} queue: their rewards were not credited. Inspect and redrive.`,
      });
    }
    this.alarm('RewardConflictsExhausted', {
      metric: customMetric(METRIC.rewardConflictsExhausted, Stats.SUM),
      threshold: 0,
      description:
        'A reward gave up after its optimistic-concurrency retries; the event was retried or dead-lettered.',
    });
    // Conflicts are retried and normal in bursts; an hour of them means rewards contend for the same cells.
    this.alarm('RewardConflictsSustained', {
      metric: customMetric(METRIC.rewardConflicts, Stats.SUM),
      threshold: 10,
      evaluationPeriods: 12,
      description: 'Rewards have met optimistic-concurrency conflicts in every 5 minutes for an hour.',
    });
    this.alarm('ApiServerErrors', {
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
      for (const alarm of this.alarms) {
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
          ...Object.entries(props.functions).map(([name, fn]) =>
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
          METRIC.rewardsApplied,
          METRIC.rewardDuplicates,
          METRIC.rewardRejected,
          METRIC.rewardConflicts,
          METRIC.rewardConflictsExhausted,
        ].map((name) => customMetric(name, Stats.SUM, {}, name)),
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
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
    );
  }

  private alarm(
    id: string,
    props: { metric: Metric; threshold: number; description: string; evaluationPeriods?: number },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric: props.metric,
      threshold: props.threshold,
      evaluationPeriods: props.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: props.description,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}
