/**
 * Partner onboarding in the stack: nothing of it without `partnerOnboarding`; with it, the fleet registry
 * table, the onboarding queue and its dead-letter queue, the onboard function on the queue, the ingest's
 * access to the queue, the OnboardingFailures alarm, least privilege, and a clean cdk-nag report.
 */
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from '../../infra/app-settings';
import type { BunqWebhooksStack } from '../../infra/bunq-webhooks-stack';
import type { PipelineConfigInput } from '../../shared/config/pipeline-config';
import { FLEET_TABLE_KEY, INGEST_ENV, ONBOARD_ENV } from '../../shared/wiring/function-env';
import { ONBOARD_METRICS, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { STACK_OUTPUTS } from '../../shared/wiring/stack-outputs';
import {
  actionsOf,
  callbackQueueId,
  deadLetterQueueId,
  ingestFunctionId,
  onlyLogicalId,
  PROJECT_ROOT,
  roleStatements,
  SYNTH_TIMEOUT_MS,
  synthStack,
  tokenSecretId,
} from './support/synth';

const CONFIG = {
  environment: 'production',
  partnerOnboarding: { categories: ['MUTATION', 'PAYMENT'], maxReceiveCount: 4 },
} satisfies PipelineConfigInput;

let withOnboarding: { stack: BunqWebhooksStack; template: Template };
let without: Template;
beforeAll(() => {
  withOnboarding = synthStack(CONFIG, { bundle: false });
  without = synthStack({ environment: 'production' }, { bundle: false }).template;
}, SYNTH_TIMEOUT_MS);

const onboardFunctionId = (template: Template): string =>
  onlyLogicalId(template, 'AWS::Lambda::Function', {
    Properties: {
      Environment: { Variables: Match.objectLike({ [ONBOARD_ENV.fleetTableName]: Match.anyValue() }) },
    },
  });

describe('partner onboarding in the stack', () => {
  test('is absent without partnerOnboarding: no fleet table, no onboarding queue, no onboarding output', () => {
    without.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(Object.keys(without.findOutputs(STACK_OUTPUTS.fleetTableName))).toEqual([]);
    const ingest = without.findResources('AWS::Lambda::Function')[ingestFunctionId(without)];
    expect(JSON.stringify(ingest)).not.toContain(INGEST_ENV.onboardingQueueUrl);
  });

  test('has a fleet registry table keyed by the user id, on demand, encrypted, recoverable and retained', () => {
    const { template } = withOnboarding;
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: FLEET_TABLE_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: FLEET_TABLE_KEY, AttributeType: 'N' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('feeds the onboard function from an encrypted queue with a dead-letter queue after maxReceiveCount', () => {
    const { template } = withOnboarding;
    const fn = onboardFunctionId(template);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: 4, deadLetterTargetArn: Match.anyValue() },
      MessageRetentionPeriod: 86_400,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fn },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ONBOARD_ENV.categories]: 'MUTATION,PAYMENT',
          [ONBOARD_ENV.oauthTokenUrl]: 'https://api.oauth.bunq.com/v1/token',
          [ONBOARD_ENV.credentialSecretPrefix]: 'TestStack/fleet/',
        }),
      },
    });
  });

  test('lets the ingest send to the onboarding queue, named in its environment', () => {
    const { template } = withOnboarding;
    const ingest = ingestFunctionId(template);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [INGEST_ENV.onboardingQueueUrl]: Match.anyValue() }) },
    });
    expect(roleStatements(template, ingest).flatMap(actionsOf)).toContain('sqs:SendMessage');
  });

  test('keeps the callbacks queue and its dead-letter queue apart from the onboarding queues', () => {
    const { template } = withOnboarding;
    // Two queues with a redrive policy now: the callbacks queue must still be the one the ingest sends to.
    expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toHaveLength(4);
    const ingest = template.findResources('AWS::Lambda::Function')[ingestFunctionId(template)];
    expect(ingest?.Properties.Environment.Variables[INGEST_ENV.queueUrl]).toEqual({
      Ref: callbackQueueId(template),
    });
    const queue = template.findResources('AWS::SQS::Queue')[callbackQueueId(template)];
    expect(queue?.Properties.RedrivePolicy.deadLetterTargetArn).toEqual({
      'Fn::GetAtt': [deadLetterQueueId(template), 'Arn'],
    });
  });

  test('the onboard role acts on credential secrets under its name prefix only, with no wildcard action', () => {
    const { template } = withOnboarding;
    const statements = roleStatements(template, onboardFunctionId(template));
    const actions = statements.flatMap(actionsOf);
    expect(actions.some((action) => action.includes('*'))).toBe(false);
    const create = statements.filter((statement) =>
      actionsOf(statement).includes('secretsmanager:CreateSecret'),
    );
    expect(create).toHaveLength(1);
    expect(JSON.stringify(create[0]?.Resource)).toContain(':secret:TestStack/fleet/*');
    expect(actions).not.toContain('dynamodb:Scan');
  });

  test('the onboard role may read the callback token (for our exact URL) but not write it', () => {
    const { template } = withOnboarding;
    const token = tokenSecretId(template);
    const onToken = roleStatements(template, onboardFunctionId(template)).filter((statement) =>
      JSON.stringify(statement.Resource).includes(token),
    );
    expect(onToken.flatMap(actionsOf).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
  });

  test('alarms on OnboardingFailures, the onboarding dead-letter queue and the onboard function', () => {
    const { template } = withOnboarding;
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: ONBOARD_METRICS.onboardingFailures,
      Dimensions: [{ Name: 'service', Value: SERVICE_NAMES.onboard }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmDescription: Match.stringLikeRegexp('docs/OPERATIONS.md'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('Onboarding-DeadLetterQueue'),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('Onboard-Errors'),
    });
  });

  test('outputs the fleet table, the OAuth client secret and the onboarding dead-letter queue', () => {
    const { template } = withOnboarding;
    for (const name of [
      STACK_OUTPUTS.fleetTableName,
      STACK_OUTPUTS.oauthClientSecretArn,
      STACK_OUTPUTS.onboardingDeadLetterQueueUrl,
    ]) {
      expect(Object.keys(template.findOutputs(name))).toEqual([name]);
    }
  });

  test('the partner-fleet example routes one user by detail.userId', () => {
    const { template } = synthStack(
      loadConfig(path.join(PROJECT_ROOT, 'config', 'examples', 'partner-fleet.json')),
      { bundle: false },
    );
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['MUTATION'], detail: { userId: [4711] } },
    });
  });

  test('leaves no AWS Solutions finding unacknowledged', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(withOnboarding.stack);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });
});
