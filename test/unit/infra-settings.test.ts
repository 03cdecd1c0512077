import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ENV_DEFAULTS } from '../../lib/config';
import { tradeClosedPattern } from '../../lib/trade-closed-event';
import { propertiesOf, removeSynthesized, resourceNamed, resourcesOf, synthesize } from '../infra/synth';

afterAll(removeSynthesized);

// Context flags change infrastructure only, so these synthesize without bundling the handlers.

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }
>;

const FUNCTION_IDS = ['SelectFunction', 'RewardFunction', 'StatsFunction'];

function functionEnvironments(resources: Resources): Record<string, unknown>[] {
  return FUNCTION_IDS.map(
    (id) => (propertiesOf(resources[id], id).Environment as { Variables: Record<string, unknown> }).Variables,
  );
}

describe('dev=true', () => {
  const { template } = synthesize({ dev: 'true' });
  const resources = template.toJSON().Resources as Resources;

  it('destroys the table, queues and log groups with the stack and lifts deletion protection', () => {
    for (const type of ['AWS::DynamoDB::Table', 'AWS::SQS::Queue', 'AWS::Logs::LogGroup']) {
      const ids = Object.keys(resourcesOf(template, type));
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(resources[id]?.DeletionPolicy).toBe('Delete');
    }
    const [, table] = resourceNamed(template, 'AWS::DynamoDB::Table', 'Table');
    expect(table.Properties?.DeletionProtectionEnabled).toBe(false);
  });
});

describe('eventBusName', () => {
  it("=default attaches the rule to the account's default bus and creates none", () => {
    const { template } = synthesize({ eventBusName: 'default' });
    template.resourceCountIs('AWS::Events::EventBus', 0);
    const [, rule] = resourceNamed(template, 'AWS::Events::Rule', 'TradeClosedRule');
    expect(rule.Properties?.EventBusName).toBe('default');
    template.hasOutput('EventBusName', { Value: 'default' });
  });

  it('=<name> creates the bus with that name', () => {
    const { template } = synthesize({ eventBusName: 'trading-bots' });
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'trading-bots' });
  });
});

describe('configuration variables', () => {
  it('override a default in every function', () => {
    const { template } = synthesize({ META_STRATEGY_EPSILON: '0.05' });
    for (const environment of functionEnvironments(template.toJSON().Resources as Resources)) {
      expect(environment).toMatchObject({ ...ENV_DEFAULTS, META_STRATEGY_EPSILON: '0.05' });
    }
  });

  it('EVENT_SOURCE changes the rule pattern and the functions together', () => {
    const { template } = synthesize({ EVENT_SOURCE: 'desk.alpha' });
    const [, rule] = resourceNamed(template, 'AWS::Events::Rule', 'TradeClosedRule');
    expect(rule.Properties?.EventPattern).toEqual(tradeClosedPattern('desk.alpha'));
    for (const environment of functionEnvironments(template.toJSON().Resources as Resources)) {
      expect(environment.EVENT_SOURCE).toBe('desk.alpha');
    }
    template.hasOutput('EventSource', { Value: 'desk.alpha' });
  });

  it('fail the synth when invalid, naming the variable', () => {
    expect(() => synthesize({ META_STRATEGY_EPSILON: '1.5' })).toThrow(ConfigError);
    expect(() => synthesize({ META_STRATEGY_EPSILON: '1.5' })).toThrow(/META_STRATEGY_EPSILON/);
  });
});

describe('tracing=false', () => {
  const { template } = synthesize({ tracing: 'false' });

  it('turns tracing off and drops the X-Ray permissions', () => {
    const resources = template.toJSON().Resources as Resources;
    for (const id of FUNCTION_IDS) expect(resources[id]?.Properties?.TracingConfig).toBeUndefined();
    expect(JSON.stringify(resourcesOf(template, 'AWS::IAM::Policy'))).not.toContain('xray:');
  });
});

describe('logRetentionDays and throttling', () => {
  it('apply to every log group and the default stage', () => {
    const { template } = synthesize({
      logRetentionDays: '90',
      throttleRateLimit: '5',
      throttleBurstLimit: '10',
    });
    for (const logGroup of Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties?.RetentionInDays).toBe(90);
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
  });

  it('reject values CloudWatch or API Gateway would not take', () => {
    expect(() => synthesize({ logRetentionDays: '31' })).toThrow(/logRetentionDays must be one of/);
    expect(() => synthesize({ throttleRateLimit: 'fast' })).toThrow(
      /throttleRateLimit must be a positive number/,
    );
    expect(() => synthesize({ dev: 'yes' })).toThrow(/dev must be one of true, false/);
  });
});

describe('rewardConcurrency', () => {
  it('is unset by default: no function reserves concurrency', () => {
    const resources = synthesize({}).template.toJSON().Resources as Resources;
    for (const id of FUNCTION_IDS) {
      expect(propertiesOf(resources[id], id).ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  it('=<n> reserves that many for the reward function alone', () => {
    const resources = synthesize({ rewardConcurrency: '4' }).template.toJSON().Resources as Resources;
    expect(propertiesOf(resources.RewardFunction, 'RewardFunction').ReservedConcurrentExecutions).toBe(4);
    expect(
      propertiesOf(resources.SelectFunction, 'SelectFunction').ReservedConcurrentExecutions,
    ).toBeUndefined();
    expect(
      propertiesOf(resources.StatsFunction, 'StatsFunction').ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it('rejects anything but a whole number above 0', () => {
    for (const value of ['0', '2.5', 'many']) {
      expect(() => synthesize({ rewardConcurrency: value })).toThrow(
        /rewardConcurrency must be a whole number above 0/,
      );
    }
  });
});

describe('alarmEmail', () => {
  const { template } = synthesize({ alarmEmail: 'ops@example.com' });

  it('creates a TLS-only topic with the email subscription', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Principal: '*',
            Resource: { Ref: resourceNamed(template, 'AWS::SNS::Topic', 'Observability')[0] },
            Sid: 'AllowPublishThroughSSLOnly',
          },
        ],
        Version: '2012-10-17',
      },
    });
  });

  it('notifies the topic when a paging alarm fires and when it recovers, and never for a warning', () => {
    const [topicId] = resourceNamed(template, 'AWS::SNS::Topic', 'Observability');
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm'));
    const pages = (alarm: (typeof alarms)[number]) =>
      String(alarm.Properties?.AlarmDescription).startsWith('[page] ');
    expect(alarms.filter(pages).length).toBeGreaterThan(0);
    expect(alarms.filter((alarm) => !pages(alarm)).length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      if (pages(alarm)) {
        expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.Properties?.OKActions).toEqual([{ Ref: topicId }]);
      } else {
        expect(String(alarm.Properties?.AlarmDescription)).toMatch(/^\[warn\] /);
        expect(alarm.Properties?.AlarmActions).toBeUndefined();
        expect(alarm.Properties?.OKActions).toBeUndefined();
      }
    }
  });

  it('rejects something that is not an email address', () => {
    expect(() => synthesize({ alarmEmail: 'ops' })).toThrow(/alarmEmail must be an email address/);
  });
});
