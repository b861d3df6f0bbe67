/**
 * The failure poller in the stack: the retry-failures function on an EventBridge Scheduler schedule, its
 * bunq state secret, and least-privilege permissions. Bundling is skipped (the stack test bundles functions).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BunqWebhooks } from '../../infra/constructs/bunq-webhooks';
import { FailureRecovery, RECOVERY_TABLE_ACTIONS } from '../../infra/constructs/failure-recovery';
import { BUNQ_PRODUCTION_BASE_URL, BUNQ_SANDBOX_BASE_URL } from '../../shared/bunq/api/client';
import { API_KEY_PLACEHOLDER } from '../../shared/pipeline/recovery/state-guard';
import { NORMALIZE_ENV, ONBOARD_ENV, RETRY_FAILURES_ENV } from '../../shared/wiring/function-env';
import {
  actionsOf,
  allActions,
  functionWithVariable,
  onlyLogicalId,
  roleStatements,
  SYNTH_TIMEOUT_MS,
  synthStack,
} from './support/synth';

let enabled: Template;
let configured: Template;
let disabled: Template;
let withOnboarding: Template;

beforeAll(() => {
  enabled = synthStack({ recovery: { enabled: true } }, { bundle: false }).template;
  configured = synthStack(
    {
      environment: 'production',
      recovery: {
        enabled: true,
        scheduleMinutes: 15,
        maxAttempts: 8,
        attemptTtlDays: 60,
        timeoutSeconds: 300,
      },
    },
    { bundle: false },
  ).template;
  disabled = synthStack({}, { bundle: false }).template;
  withOnboarding = synthStack(
    { recovery: { enabled: true }, partnerOnboarding: { categories: ['MUTATION'] } },
    { bundle: false },
  ).template;
}, SYNTH_TIMEOUT_MS);

const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });

const pollerId = functionWithVariable(RETRY_FAILURES_ENV.bunqStateSecretArn);
const stateSecretId = (template: Template) =>
  onlyLogicalId(template, 'AWS::SecretsManager::Secret', { Properties: { SecretString: Match.anyValue() } });
const tableId = (template: Template) => onlyLogicalId(template, 'AWS::DynamoDB::Table');

describe('failure recovery: off by default', () => {
  test('creates no poller, schedule or state secret unless recovery.enabled', () => {
    disabled.resourceCountIs('AWS::Scheduler::Schedule', 0);
    disabled.resourceCountIs('AWS::SecretsManager::Secret', 1);
    expect(
      Object.keys(
        disabled.findResources('AWS::Lambda::Function', {
          Properties: {
            Environment: { Variables: { [RETRY_FAILURES_ENV.bunqStateSecretArn]: Match.anyValue() } },
          },
        }),
      ),
    ).toEqual([]);
  });
});

describe('failure recovery: the function', () => {
  test('is a Node.js 22 arm64 function with reserved concurrency 1, so polls never overlap', () => {
    enabled.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      ReservedConcurrentExecutions: 1,
      Timeout: 120,
      MemorySize: 256,
      Environment: { Variables: { [RETRY_FAILURES_ENV.bunqStateSecretArn]: ref(stateSecretId(enabled)) } },
    });
  });

  test('gets the state secret, the bunq API for the environment, the table and the give-up limit', () => {
    const variables = (template: Template) =>
      (template.toJSON().Resources[pollerId(template)].Properties.Environment.Variables ?? {}) as Record<
        string,
        unknown
      >;
    expect(variables(enabled)).toMatchObject({
      [RETRY_FAILURES_ENV.bunqBaseUrl]: BUNQ_SANDBOX_BASE_URL,
      [RETRY_FAILURES_ENV.tableName]: ref(tableId(enabled)),
      [RETRY_FAILURES_ENV.maxAttempts]: '5',
      [RETRY_FAILURES_ENV.attemptTtlSeconds]: String(30 * 86_400),
      POWERTOOLS_SERVICE_NAME: 'bunq-webhooks-retry-failures',
    });
    expect(variables(configured)).toMatchObject({
      [RETRY_FAILURES_ENV.bunqBaseUrl]: BUNQ_PRODUCTION_BASE_URL,
      [RETRY_FAILURES_ENV.maxAttempts]: '8',
      [RETRY_FAILURES_ENV.attemptTtlSeconds]: String(60 * 86_400),
    });
  });

  test('gets our callback base URL with partner onboarding only, the one the onboard function registers', () => {
    const variables = (template: Template, id: string) =>
      template.toJSON().Resources[id].Properties.Environment.Variables as Record<string, unknown>;
    const poller = variables(withOnboarding, pollerId(withOnboarding));
    const onboard = variables(
      withOnboarding,
      functionWithVariable(ONBOARD_ENV.fleetTableName)(withOnboarding),
    );
    expect(poller[RETRY_FAILURES_ENV.callbackBaseUrl]).toBeDefined();
    expect(poller[RETRY_FAILURES_ENV.callbackBaseUrl]).toEqual(onboard[ONBOARD_ENV.callbackBaseUrl]);
    expect(variables(enabled, pollerId(enabled))).not.toHaveProperty(RETRY_FAILURES_ENV.callbackBaseUrl);
  });

  test('is not retried by Lambda and drops an invocation older than one interval', () => {
    enabled.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(pollerId(enabled)),
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 300,
    });
  });
});

describe('failure recovery: the schedule', () => {
  test('invokes the function every 5 minutes by default, on time, without retries', () => {
    enabled.resourceCountIs('AWS::Scheduler::Schedule', 1);
    enabled.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: getAtt(pollerId(enabled)),
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
      },
    });
  });

  test('follows recovery.scheduleMinutes', () => {
    configured.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  test('runs as a role that may only invoke the poller', () => {
    const schedule = Object.values(enabled.findResources('AWS::Scheduler::Schedule'))[0];
    const roleArn = schedule?.Properties.Target.RoleArn as { 'Fn::GetAtt': [string, string] };
    const roleId = roleArn['Fn::GetAtt'][0];
    enabled.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' } })],
      },
    });
    const policies = enabled.findResources('AWS::IAM::Policy', {
      Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
    });
    const statements = Object.values(policies).flatMap(
      (policy) =>
        policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
    );
    expect(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))).toEqual(
      statements.map(() => 'lambda:InvokeFunction'),
    );
    expect(JSON.stringify(statements.map((s) => s.Resource))).toContain(pollerId(enabled));
  });
});

describe('failure recovery: the bunq state secret', () => {
  test('starts as {"apiKey": <placeholder>} for the operator to replace', () => {
    enabled.resourceCountIs('AWS::SecretsManager::Secret', 2);
    enabled.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: JSON.stringify({ apiKey: API_KEY_PLACEHOLDER }),
      Description: Match.stringLikeRegexp('apiKey'),
    });
  });

  test('has a logical id with FailureRecoveryBunqState, which docs/DELIVERY.md uses to find it', () => {
    expect(stateSecretId(enabled)).toMatch(/^BunqWebhooksFailureRecoveryBunqState[0-9A-F]{8}$/);
  });
});

describe('failure recovery: permissions', () => {
  test('the poller may get and put the state secret, and nothing else of Secrets Manager', () => {
    const statements = roleStatements(enabled, pollerId(enabled)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('secretsmanager:')),
    );
    expect(statements).toHaveLength(1);
    expect(actionsOf(statements[0] as (typeof statements)[number]).sort()).toEqual([
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    expect(statements[0]?.Resource).toEqual(ref(stateSecretId(enabled)));
  });

  test('the poller may batch-get and update items of the dedupe table, nothing more', () => {
    const statements = roleStatements(enabled, pollerId(enabled)).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(statements.flatMap(actionsOf).sort()).toEqual([...RECOVERY_TABLE_ACTIONS].sort());
    for (const statement of statements) {
      expect(JSON.stringify(statement.Resource)).toContain(tableId(enabled));
    }
  });

  test('the poller has no wildcard actions, no queue, bus or token access', () => {
    const actions = allActions(enabled, pollerId(enabled));
    expect(actions.filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
    expect(actions.filter((a) => /^(sqs|events|s3):/.test(a))).toEqual([]);
  });

  test('no other function can read the state secret', () => {
    const others = Object.keys(enabled.findResources('AWS::Lambda::Function')).filter(
      (id) => id !== pollerId(enabled),
    );
    expect(others.length).toBeGreaterThanOrEqual(2);
    for (const id of others) {
      expect(JSON.stringify(roleStatements(enabled, id))).not.toContain(stateSecretId(enabled));
    }
  });
});

describe('failure recovery: validation', () => {
  const construct = (overrides: Partial<ConstructorParameters<typeof FailureRecovery>[2]>) => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Validation');
    const table = new Table(stack, 'Table', { partitionKey: { name: 'id', type: AttributeType.STRING } });
    return () =>
      new FailureRecovery(stack, 'Recovery', {
        table,
        interval: Duration.minutes(5),
        maxAttempts: 5,
        bunqBaseUrl: BUNQ_SANDBOX_BASE_URL,
        attemptTtl: Duration.days(30),
        memorySize: 256,
        timeout: Duration.minutes(2),
        logRetention: RetentionDays.ONE_MONTH,
        ...overrides,
      });
  };

  test('rejects an interval that is not whole minutes', () => {
    expect(construct({ interval: Duration.seconds(30) })).toThrow(/whole minutes from 1 to 1440/);
  });

  test('rejects a timeout as long as the interval', () => {
    expect(construct({ timeout: Duration.minutes(5) })).toThrow(/timeout must be less than the interval/);
  });

  test('a bad recovery configuration fails synth naming the field', () => {
    const stack = new Stack(new App(), 'Invalid');
    expect(
      () => new BunqWebhooks(stack, 'Bunq', { config: { recovery: { enabled: true, scheduleMinutes: 1 } } }),
    ).toThrow(/recovery\.timeoutSeconds/);
  });
});

describe('failure recovery: outputs', () => {
  it('names the bunq state secret for the operator when recovery is enabled, and only then', () => {
    enabled.hasOutput('BunqStateSecretArn', { Value: ref(stateSecretId(enabled)) });
    expect(Object.keys(disabled.findOutputs('BunqStateSecretArn'))).toEqual([]);
  });
});

describe('failure recovery: arrivals', () => {
  const normalizeVariables = (template: Template) => {
    const fn = Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { [NORMALIZE_ENV.dedupeTableName]: Match.anyValue() } } },
      }),
    ).find((resource) => resource.Properties.Environment.Variables[NORMALIZE_ENV.eventBusName] !== undefined);
    return fn?.Properties.Environment.Variables as Record<string, unknown>;
  };

  it('has the normalizer record arrivals only when the poller runs (one DynamoDB write per callback)', () => {
    expect(normalizeVariables(enabled)[NORMALIZE_ENV.recordArrivals]).toBe('true');
    expect(normalizeVariables(disabled)[NORMALIZE_ENV.recordArrivals]).toBe('false');
  });
});
