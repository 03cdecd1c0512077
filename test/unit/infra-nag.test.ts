import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { removeSynthesized, synthesize } from '../infra/synth';

afterAll(removeSynthesized);

// cdk-nag v3 packs run directly on the construct tree (validateScope), the entry point its
// authors give for tests; infra/app.ts registers the same packs so `cdk synth` enforces them too.

interface Finding {
  rule: string;
  path: string;
  severity: string;
}

function findings(scope: IConstruct): Finding[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()]
    .flatMap((pack) => pack.validateScope(scope).violations)
    .flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        rule: violation.ruleName,
        // Findings are reported on the CloudFormation resource, acknowledgements on a construct above it.
        path: (resource.constructPath ?? resource.resourceLogicalId ?? 'unknown').replace(
          /\/(Resource|DefaultPolicy\/Resource)$/,
          '',
        ),
        severity: violation.severity ?? 'unknown',
      })),
    );
}

function acknowledgements(scope: IConstruct): { rule: string; path: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          rule: id.replace(/^annotation::/i, ''),
          path: construct.node.path,
          reason,
        })),
      ),
  );
}

const key = ({ rule, path }: { rule: string; path: string }) => `${rule} @ ${path}`;

const CONFIGURATIONS: Record<string, Record<string, string>> = {
  default: {},
  'dev stack': { dev: 'true' },
  'tracing off': { tracing: 'false' },
  'alarm email': { alarmEmail: 'ops@example.com' },
  'default event bus': { eventBusName: 'default' },
};

/** The stack as configured, and the same stack built with every acknowledgement ignored. */
function withAndWithoutAcknowledgements(context: Record<string, string>) {
  const { stack } = synthesize(context);
  const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
  try {
    return { stack, unacknowledged: synthesize(context).stack };
  } finally {
    spy.mockRestore();
  }
}

describe.each(Object.entries(CONFIGURATIONS))(
  'cdk-nag AwsSolutions and Serverless packs, %s',
  (_name, context) => {
    // Built while collecting, so the first synthesis's module loading does not count against a test's timeout.
    const { stack, unacknowledged } = withAndWithoutAcknowledgements(context);

    it('report no unacknowledged error or warning', () => {
      expect(findings(stack)).toEqual([]);
    });

    it('acknowledge exactly the findings that exist, each with a written reason', () => {
      const acknowledged = acknowledgements(stack);
      for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(40);
      // What the acknowledgements hide must be exactly what they name: none is stale, and none
      // covers more constructs than the finding it answers.
      expect(findings(unacknowledged).map(key).sort()).toEqual(acknowledged.map(key).sort());
    });
  },
);

describe('acknowledged findings of the default stack', () => {
  it('are the open health check, the pinned runtime, the X-Ray wildcard resource, the DLQ rules on queues that are DLQs, and sync-only functions', () => {
    const { stack } = synthesize();
    const rules = [...new Set(acknowledgements(stack).map(({ rule }) => rule))].sort();
    expect(rules).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      'AwsSolutions-SQS3',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
      'Serverless-SQSRedrivePolicy',
    ]);
  });
});
