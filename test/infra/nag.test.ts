/**
 * cdk-nag AWS Solutions checks over the stack: no finding left unacknowledged, and every acknowledgment
 * with a written reason, on the one resource it concerns.
 */
import * as path from 'node:path';
import { App, CfnResource, type Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { loadConfig } from '../../infra/app-settings';
import { BunqWebhooksStack } from '../../infra/bunq-webhooks-stack';
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { cdkJsonContext, PROJECT_ROOT, SKIP_BUNDLING_CONTEXT, SYNTH_TIMEOUT_MS } from './support/synth';

let stacks: Record<'allTargets' | 'defaults', Stack>;

beforeAll(() => {
  const app = new App({ context: { ...cdkJsonContext(), ...SKIP_BUNDLING_CONTEXT } });
  stacks = {
    // Every kind of resource the pipeline can make: recovery on, one route of each target type, alarms.
    allTargets: new BunqWebhooksStack(app, 'AllTargets', {
      config: loadConfig(path.join(PROJECT_ROOT, 'config', 'examples', 'all-targets.json')),
    }),
    defaults: new BunqWebhooksStack(app, 'Defaults', { config: parsePipelineConfig({}) }),
  };
}, SYNTH_TIMEOUT_MS);

/** Unacknowledged findings as `rule at path` lines, for a readable failure. */
function findings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

/** Every acknowledgment in the stack, with the construct it is recorded on. */
function acknowledgments(stack: Stack): { node: IConstruct; id: string; reason: string }[] {
  return stack.node
    .findAll()
    .flatMap((node) =>
      node.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ node, id, reason })),
        ),
    );
}

test.each(['allTargets', 'defaults'] as const)(
  '%s: no AWS Solutions finding is left unacknowledged',
  (name) => {
    expect(findings(stacks[name])).toEqual([]);
  },
);

test('every acknowledgment has a written reason', () => {
  const all = acknowledgments(stacks.allTargets);
  expect(all.length).toBeGreaterThan(0);
  for (const { id, reason } of all) {
    expect({ id, reason: reason.length >= 60 }).toEqual({ id, reason: true });
  }
});

test('every acknowledgment is on one resource, not on a scope above it', () => {
  for (const { node, id } of acknowledgments(stacks.allTargets)) {
    expect({ id, path: node.node.path, isResource: CfnResource.isCfnResource(node) }).toEqual({
      id,
      path: node.node.path,
      isResource: true,
    });
  }
});

test('IAM wildcards are acknowledged one wildcard at a time', () => {
  const iam = acknowledgments(stacks.allTargets).filter(({ id }) => id.includes('AwsSolutions-IAM5'));
  expect(iam.map(({ id }) => id.replace(/^.*?AwsSolutions-/, 'AwsSolutions-'))).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/objects\/\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<\w+\.Arn>:\*\]$/),
    ]),
  );
  for (const { id } of iam) expect(id).toMatch(/IAM5\[(Resource|Action)::/);
  // The normalizer is granted s3:PutObject alone, so no action wildcard needs acknowledging.
  expect(iam.map(({ id }) => id).filter((id) => id.includes('Action::s3:'))).toEqual([]);
});

test('only the findings known to be kept on purpose are acknowledged', () => {
  const rules = new Set(
    acknowledgments(stacks.allTargets).map(({ id }) => id.replace(/^.*?(AwsSolutions-[A-Z]+\d+).*$/, '$1')),
  );
  expect([...rules].sort()).toEqual(
    [
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ].sort(),
  );
});
