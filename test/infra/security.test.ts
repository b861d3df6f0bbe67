/**
 * The security review's infra proofs (docs/SECURITY.md), over every kind of stack the pipeline makes: the
 * defaults, the example with recovery, alarms and one route of each target type, and a bus encrypted with a
 * customer managed key. Least privilege (no wildcard actions, scoped resources, each role only its own
 * services), encryption at rest, TLS-only resource policies, throttling from configuration, the callback
 * token read at run time from Secrets Manager, and a pipeline bus no team target can write to.
 */
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../infra/app-settings';
import { CALLBACK_TOKEN_LENGTH } from '../../infra/constructs/callback-token';
import { type PipelineConfigInput, parsePipelineConfig } from '../../shared/config/pipeline-config';
import { INGEST_ENV, NORMALIZE_ENV, TOKEN_SECRET_KEY } from '../../shared/wiring/function-env';
import {
  actionsOf,
  ingestFunctionId,
  normalizeFunctionId,
  onlyLogicalId,
  type PolicyStatement,
  PROJECT_ROOT,
  reconcileFunctionId,
  retryFailuresFunctionId,
  roleStatements,
  SYNTH_TIMEOUT_MS,
  synthStack,
} from './support/synth';

const EVENT_BUS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const ALL_TARGETS = loadConfig(path.join(PROJECT_ROOT, 'config', 'examples', 'all-targets.json'));
const STACKS = {
  defaults: {},
  allTargets: ALL_TARGETS,
  customerKey: {
    environment: 'production',
    eventBus: { kmsKeyArn: EVENT_BUS_KEY_ARN },
    ingest: { throttleRateLimit: 7, throttleBurstLimit: 11, reservedConcurrency: 13 },
    queue: { maxConcurrency: 3 },
  },
} satisfies Record<string, PipelineConfigInput>;
type StackName = keyof typeof STACKS;
const NAMES = Object.keys(STACKS) as StackName[];

const templates = {} as Record<StackName, Template>;
beforeAll(() => {
  for (const name of NAMES) templates[name] = synthStack(STACKS[name], { bundle: false }).template;
}, SYNTH_TIMEOUT_MS);

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
const resources = (template: Template): Record<string, Resource> =>
  template.toJSON().Resources as Record<string, Resource>;
/** The properties of one resource; fails the test when there is no such resource. */
function propertiesOf(template: Template, id: string): Record<string, unknown> {
  const resource = resources(template)[id];
  if (resource === undefined) throw new Error(`no resource ${id} in the template`);
  return resource.Properties;
}
const ofType = (template: Template, type: string): [string, Resource][] =>
  Object.entries(resources(template)).filter(([, resource]) => resource.Type === type);

/** Every identity-based statement: in IAM policies and in roles' inline policies, with where it is. */
function identityStatements(template: Template): { where: string; statement: PolicyStatement }[] {
  return Object.entries(resources(template)).flatMap(([id, resource]) => {
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      const document = resource.Properties.PolicyDocument as { Statement: PolicyStatement[] };
      return document.Statement.map((statement) => ({ where: id, statement }));
    }
    if (resource.Type === 'AWS::IAM::Role') {
      const inline = (resource.Properties.Policies ?? []) as {
        PolicyDocument: { Statement: PolicyStatement[] };
      }[];
      return inline.flatMap((policy) =>
        policy.PolicyDocument.Statement.map((statement) => ({ where: id, statement })),
      );
    }
    return [];
  });
}

const resourceList = (statement: PolicyStatement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** Logical ids a statement's resources refer to (`Ref`, `Fn::GetAtt`, also inside `Fn::Join`). */
const referencedIds = (value: unknown): string[] =>
  [...JSON.stringify(value).matchAll(/"(?:Ref|Fn::GetAtt)":(?:\["|")([A-Za-z0-9]+)"/g)].map(
    (m) => m[1] as string,
  );

/** The callback token's secret: the one generating the `token` key (the poller's state secret does not). */
const callbackTokenSecretId = (template: Template): string =>
  onlyLogicalId(template, 'AWS::SecretsManager::Secret', {
    Properties: { GenerateSecretString: { GenerateStringKey: TOKEN_SECRET_KEY } },
  });

describe('least privilege', () => {
  test.each(NAMES)('%s: no statement allows a wildcard action (*, sqs:*, s3:Get*, ...)', (name) => {
    const wildcards = identityStatements(templates[name]).flatMap(({ where, statement }) =>
      statement.Effect === 'Allow'
        ? actionsOf(statement)
            .filter((action) => action.includes('*'))
            .map((action) => `${where}: ${action}`)
        : [],
    );
    expect(wildcards).toEqual([]);
  });

  test.each(NAMES)('%s: no statement allows its actions on every resource ("*")', (name) => {
    const unscoped = identityStatements(templates[name]).filter(
      ({ statement }) => statement.Effect === 'Allow' && resourceList(statement).includes('*'),
    );
    expect(unscoped.map(({ where, statement }) => `${where}: ${actionsOf(statement).join(',')}`)).toEqual([]);
  });

  test('resource wildcards are sub-paths of the pipeline’s own resources only, each for a stated reason', () => {
    const template = templates.allTargets;
    const bucket = onlyLogicalId(template, 'AWS::S3::Bucket');
    // The scheduled functions: the failure poller and the reconciler (all-targets runs both).
    const scheduled = [retryFailuresFunctionId(template), reconcileFunctionId(template)];
    const wildcarded = identityStatements(template).flatMap(({ statement }) =>
      resourceList(statement).filter((resource) => JSON.stringify(resource).includes('*')),
    );
    expect(wildcarded).toEqual(
      expect.arrayContaining([
        // The claim checks the normalizer writes, keyed by content hash: unknown in advance.
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/objects/*']] },
      ]),
    );
    for (const resource of wildcarded) {
      const text = JSON.stringify(resource);
      const claimChecks = text.includes(bucket) && text.endsWith(`"/objects/*"]]}`);
      // The scheduler may invoke a scheduled function's versions and aliases (the CDK target's grant).
      const scheduledVersions = scheduled.some((id) => text.includes(id)) && text.endsWith(`":*"]]}`);
      expect({ resource, allowed: claimChecks || scheduledVersions }).toEqual({ resource, allowed: true });
    }
  });

  test.each(NAMES)(
    '%s: function roles act on the pipeline’s own resources only, never on an ARN text',
    (name) => {
      const template = templates[name];
      const ids = new Set(Object.keys(resources(template)));
      for (const [functionId] of ofType(template, 'AWS::Lambda::Function')) {
        for (const statement of roleStatements(template, functionId)) {
          for (const resource of resourceList(statement)) {
            const refs = referencedIds(resource);
            expect({
              functionId,
              resource,
              ownResource: refs.length > 0 && refs.every((id) => ids.has(id)),
            }).toEqual({
              functionId,
              resource,
              ownResource: true,
            });
          }
        }
      }
    },
  );

  test('each function may use only the services its job needs', () => {
    const template = templates.allTargets;
    const services = (functionId: string) =>
      [
        ...new Set(
          roleStatements(template, functionId)
            .flatMap(actionsOf)
            .map((a) => a.split(':')[0]),
        ),
      ].sort();
    expect(services(ingestFunctionId(template))).toEqual(['logs', 'secretsmanager', 'sqs']);
    expect(services(normalizeFunctionId(template))).toEqual(['dynamodb', 'events', 'logs', 's3', 'sqs']);
    expect(services(retryFailuresFunctionId(template))).toEqual(['dynamodb', 'logs', 'secretsmanager']);
    // It reads arrivals and keeps its cursor (dynamodb), shares the bunq state (secretsmanager) and queues
    // rebuilt callbacks for the normalizer (sqs).
    expect(services(reconcileFunctionId(template))).toEqual(['dynamodb', 'logs', 'secretsmanager', 'sqs']);
  });

  test('only the ingest function reads the callback token, and it cannot write it', () => {
    const template = templates.allTargets;
    const secret = callbackTokenSecretId(template);
    const readers = identityStatements(template).filter(({ statement }) =>
      referencedIds(statement.Resource).includes(secret),
    );
    const ingestRole = (
      propertiesOf(template, ingestFunctionId(template)).Role as { 'Fn::GetAtt': [string] }
    )['Fn::GetAtt'][0];
    for (const { where, statement } of readers) {
      const roles = JSON.stringify(resources(template)[where]?.Properties.Roles);
      expect(roles).toBe(JSON.stringify([{ Ref: ingestRole }]));
      expect(actionsOf(statement).sort()).toEqual([
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
    }
    expect(readers).toHaveLength(1);
  });

  test.each(NAMES)('%s: no role carries a managed policy', (name) => {
    for (const [id, role] of ofType(templates[name], 'AWS::IAM::Role')) {
      expect({ id, managed: role.Properties.ManagedPolicyArns }).toEqual({ id, managed: undefined });
    }
  });
});

describe('encryption at rest', () => {
  test.each(NAMES)('%s: every queue is encrypted', (name) => {
    for (const [id, queue] of ofType(templates[name], 'AWS::SQS::Queue')) {
      const encrypted =
        queue.Properties.SqsManagedSseEnabled === true || queue.Properties.KmsMasterKeyId !== undefined;
      expect({ id, encrypted }).toEqual({ id, encrypted: true });
    }
  });

  test.each(NAMES)('%s: the dedupe table is encrypted and recoverable', (name) => {
    templates[name].allResourcesProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test.each(NAMES)('%s: the claim-check bucket is encrypted and private', (name) => {
    templates[name].allResourcesProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: Match.anyValue() } },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
  });

  test('the alarm topic is encrypted with a key of its own', () => {
    const template = templates.allTargets;
    const key = onlyLogicalId(template, 'AWS::KMS::Key');
    template.allResourcesProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
  });

  test('the bus and its archive use the customer managed key when eventBus.kmsKeyArn names one', () => {
    const template = templates.customerKey;
    template.hasResourceProperties('AWS::Events::EventBus', { KmsKeyIdentifier: EVENT_BUS_KEY_ARN });
    template.hasResourceProperties('AWS::Events::Archive', { KmsKeyIdentifier: EVENT_BUS_KEY_ARN });
    // The key is imported, not created: the stack changes nothing of it (its policy is the key owner's).
    template.resourceCountIs('AWS::KMS::Key', ofType(templates.defaults, 'AWS::KMS::Key').length);
  });

  test('without eventBus.kmsKeyArn the bus keeps EventBridge’s own encryption', () => {
    const bus = ofType(templates.defaults, 'AWS::Events::EventBus');
    expect(bus).toHaveLength(1);
    expect(bus[0]?.[1].Properties.KmsKeyIdentifier).toBeUndefined();
  });

  test.each([
    ['an alias', 'arn:aws:kms:eu-west-1:123456789012:alias/bunq'],
    ['another service', 'arn:aws:sqs:eu-west-1:123456789012:key'],
    ['a key id alone', '1234abcd-12ab-34cd-56ef-1234567890ab'],
  ])('eventBus.kmsKeyArn refuses %s, naming the field', (_, kmsKeyArn) => {
    expect(() => parsePipelineConfig({ eventBus: { kmsKeyArn } })).toThrow(/eventBus\.kmsKeyArn: .*KMS key/);
  });
});

describe('TLS only', () => {
  /** Whether a policy document denies `action` to everyone for every request made without TLS. */
  const deniesInsecure = (document: unknown, action: string): boolean =>
    ((document as { Statement: (PolicyStatement & { Principal?: unknown })[] }).Statement ?? []).some(
      (statement) =>
        statement.Effect === 'Deny' &&
        ['{"AWS":"*"}', '"*"'].includes(JSON.stringify(statement.Principal)) &&
        actionsOf(statement).includes(action) &&
        JSON.stringify(statement.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
    );

  test.each(NAMES)('%s: every queue refuses requests without TLS', (name) => {
    const template = templates[name];
    const policies = ofType(template, 'AWS::SQS::QueuePolicy');
    for (const [id] of ofType(template, 'AWS::SQS::Queue')) {
      const covered = policies.some(
        ([, policy]) =>
          JSON.stringify(policy.Properties.Queues) === JSON.stringify([{ Ref: id }]) &&
          deniesInsecure(policy.Properties.PolicyDocument, 'sqs:*'),
      );
      expect({ id, covered }).toEqual({ id, covered: true });
    }
  });

  test.each(NAMES)('%s: the bucket refuses requests without TLS', (name) => {
    const template = templates[name];
    const [bucket] = ofType(template, 'AWS::S3::Bucket').map(([id]) => id);
    const policies = ofType(template, 'AWS::S3::BucketPolicy').filter(
      ([, policy]) => JSON.stringify(policy.Properties.Bucket) === JSON.stringify({ Ref: bucket }),
    );
    expect(policies.some(([, policy]) => deniesInsecure(policy.Properties.PolicyDocument, 's3:*'))).toBe(
      true,
    );
  });

  test('the alarm topic refuses publishing without TLS', () => {
    const template = templates.allTargets;
    for (const [id] of ofType(template, 'AWS::SNS::Topic')) {
      const covered = ofType(template, 'AWS::SNS::TopicPolicy').some(
        ([, policy]) =>
          JSON.stringify(policy.Properties.Topics) === JSON.stringify([{ Ref: id }]) &&
          deniesInsecure(policy.Properties.PolicyDocument, 'sns:Publish'),
      );
      expect({ id, covered }).toEqual({ id, covered: true });
    }
  });

  test('the callback URL is HTTPS (an HTTP API serves nothing else)', () => {
    templates.defaults.hasOutput('CallbackBaseUrl', {
      Value: { 'Fn::Join': ['', Match.arrayWith(['https://'])] },
    });
  });
});

describe('denial of service and cost', () => {
  test('the callback stage is throttled with the configured rate and burst', () => {
    templates.customerKey.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 11 },
    });
  });

  test('the ingest function gets the body limit and runs for seconds, not minutes', () => {
    const template = templates.defaults;
    const ingest = propertiesOf(template, ingestFunctionId(template)) as {
      Timeout: number;
      Environment: { Variables: Record<string, string> };
    };
    expect(Number(ingest.Environment.Variables[INGEST_ENV.maxBodyBytes])).toBeGreaterThan(0);
    expect(ingest.Timeout).toBeLessThanOrEqual(10);
  });

  test.each(NAMES)('%s: the ingest function has a concurrency bound, so a flood cannot fan out', (name) => {
    const template = templates[name];
    const ingest = propertiesOf(template, ingestFunctionId(template));
    expect(ingest.ReservedConcurrentExecutions).toEqual(name === 'customerKey' ? 13 : 50);
  });

  test.each(NAMES)('%s: the SQS event source runs a bounded number of normalize invocations', (name) => {
    const template = templates[name];
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: normalizeFunctionId(template) },
      ScalingConfig: { MaximumConcurrency: name === 'customerKey' ? 3 : 10 },
    });
  });

  test('ingest.reservedConcurrency null reserves nothing, for accounts too small to reserve', () => {
    const { template } = synthStack({ ingest: { reservedConcurrency: null } }, { bundle: false });
    expect(propertiesOf(template, ingestFunctionId(template)).ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('the alarm topic key', () => {
  test('lets CloudWatch use it only on behalf of this account (aws:SourceAccount)', () => {
    const template = templates.allTargets;
    const keys = ofType(template, 'AWS::KMS::Key');
    const grants = keys.flatMap(([, key]) =>
      (
        key.Properties.KeyPolicy as { Statement: (PolicyStatement & { Principal?: unknown })[] }
      ).Statement.filter((statement) =>
        JSON.stringify(statement.Principal ?? {}).includes('cloudwatch.amazonaws.com'),
      ),
    );
    expect(grants).toHaveLength(1);
    expect(grants[0]?.Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    });
  });
});

describe('the callback token', () => {
  test('is generated by Secrets Manager at deploy, so no template or output holds it', () => {
    templates.defaults.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        PasswordLength: CALLBACK_TOKEN_LENGTH,
        ExcludePunctuation: true,
      }),
    });
    const text = JSON.stringify(templates.defaults.toJSON());
    expect({
      secretString: text.includes('"SecretString"'),
      resolved: text.includes('resolve:secretsmanager'),
    }).toEqual({
      secretString: false,
      resolved: false,
    });
  });

  test('is read by the ingest at run time (secret ARN and cache time in its environment): rotating it needs no deploy', () => {
    const template = templates.defaults;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [INGEST_ENV.tokenSecretArn]: { Ref: callbackTokenSecretId(template) },
          [INGEST_ENV.tokenCacheSeconds]: '60',
        }),
      },
    });
  });
});

describe('a compromised team target', () => {
  test.each(NAMES)(
    '%s: the pipeline bus has no resource policy: no team or other account can put events on it',
    (name) => {
      const template = templates[name];
      template.resourceCountIs('AWS::Events::EventBusPolicy', 0);
      for (const [, bus] of ofType(template, 'AWS::Events::EventBus'))
        expect(bus.Properties.Policy).toBeUndefined();
    },
  );

  test('no route role can touch a pipeline resource: only its own target', () => {
    const template = templates.allTargets;
    const pipelineData = new Set(
      [
        'AWS::SQS::Queue',
        'AWS::DynamoDB::Table',
        'AWS::S3::Bucket',
        'AWS::SecretsManager::Secret',
        'AWS::Events::EventBus',
        'AWS::Lambda::Function',
      ].flatMap((type) => ofType(template, type).map(([id]) => id)),
    );
    const routeRoles = ofType(template, 'AWS::IAM::Role')
      .filter(([id]) => id.includes('Route'))
      .map(([id]) => id);
    expect(routeRoles.length).toBeGreaterThan(0);
    const routeStatements = ofType(template, 'AWS::IAM::Policy')
      .filter(([, policy]) =>
        routeRoles.some((role) => JSON.stringify(policy.Properties.Roles).includes(role)),
      )
      .flatMap(
        ([, policy]) => (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement,
      );
    expect(routeStatements.length).toBeGreaterThan(0);
    for (const statement of routeStatements) {
      expect(referencedIds(statement.Resource).filter((id) => pipelineData.has(id))).toEqual([]);
    }
  });

  test('a dead-letter queue of a route takes messages from its own rule only', () => {
    const template = templates.allTargets;
    for (const [, policy] of ofType(template, 'AWS::SQS::QueuePolicy')) {
      const allows = (policy.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement.filter(
        (statement) => statement.Effect === 'Allow',
      );
      for (const statement of allows) {
        expect(statement.Condition).toEqual({
          ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
        });
      }
    }
  });

  test('the normalizer publishes to the pipeline bus only, never to a team target', () => {
    const template = templates.allTargets;
    const bus = onlyLogicalId(template, 'AWS::Events::EventBus');
    const puts = roleStatements(template, normalizeFunctionId(template)).filter((s) =>
      actionsOf(s).includes('events:PutEvents'),
    );
    expect(puts.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [bus, 'Arn'] }]);
    expect(
      (
        propertiesOf(template, normalizeFunctionId(template)).Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables[NORMALIZE_ENV.eventBusName],
    ).toEqual({ Ref: bus });
  });
});
