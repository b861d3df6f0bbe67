import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../infra/app-settings';
import { CALLBACK_TOKEN_LENGTH } from '../../infra/constructs/callback-token';
import { DEDUPE_TABLE_ACTIONS } from '../../infra/constructs/normalizer';
import { DEFAULT_MAX_BODY_BYTES, SQS_MAX_MESSAGE_BYTES } from '../../shared/config/pipeline-config';
import {
  DEDUPE_TABLE_KEY,
  DEDUPE_TABLE_TTL_ATTRIBUTE,
  INGEST_ENV,
  NORMALIZE_ENV,
  TOKEN_SECRET_KEY,
} from '../../shared/wiring/function-env';
import { METRICS_NAMESPACE } from '../../shared/wiring/metrics';
import {
  actionsOf,
  allActions,
  callbackQueueId,
  deadLetterQueueId,
  ingestFunctionId,
  normalizeFunctionId,
  onlyLogicalId,
  PROJECT_ROOT,
  roleStatements,
  SYNTH_TIMEOUT_MS,
  synthStack,
  tokenSecretId,
} from './support/synth';

/** The default deployment: config/sandbox.json, read the way app.ts reads it. */
let template: Template;

beforeAll(() => {
  const config = loadConfig(path.join(PROJECT_ROOT, DEFAULT_CONFIG_PATH));
  ({ template } = synthStack(config));
}, SYNTH_TIMEOUT_MS);

const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const ref = (logicalId: string) => ({ Ref: logicalId });

describe('callback endpoint', () => {
  test('has exactly two routes, POST /callbacks/{token} and its per-user form, on one HTTP API', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 2);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /callbacks/{token}' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /callbacks/{token}/u/{userId}',
    });
  });

  test('routes to the ingest function through a Lambda proxy integration with payload format 2.0', () => {
    const integrationId = onlyLogicalId(template, 'AWS::ApiGatewayV2::Integration');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: getAtt(ingestFunctionId(template)),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      Target: { 'Fn::Join': ['', ['integrations/', ref(integrationId)]] },
    });
  });

  test('lets API Gateway invoke the ingest function', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: getAtt(ingestFunctionId(template)),
      Principal: 'apigateway.amazonaws.com',
    });
  });

  test('throttles the auto-deployed $default stage with the configured rate and burst', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
    });
  });

  test('writes access logs to a log group with the configured retention, never logging the path', () => {
    const stage = template.findResources('AWS::ApiGatewayV2::Stage');
    const settings = Object.values(stage)[0]?.Properties.AccessLogSettings;
    const logGroupId = settings.DestinationArn['Fn::GetAtt'][0];
    expect(template.toJSON().Resources[logGroupId]).toMatchObject({
      Type: 'AWS::Logs::LogGroup',
      Properties: { RetentionInDays: 30 },
    });
    expect(JSON.parse(settings.Format)).toMatchObject({ requestId: '$context.requestId' });
    // The path holds the callback token.
    expect(settings.Format).not.toMatch(/\$context\.path|\$context\.resourcePath/);
  });
});

describe('functions', () => {
  test('both run Node.js 22 on arm64 with source maps and Powertools settings', () => {
    template.resourceCountIs('AWS::Lambda::Function', 2);
    for (const [service, id] of [
      ['bunq-webhooks-ingest', ingestFunctionId(template)],
      ['bunq-webhooks-normalize', normalizeFunctionId(template)],
    ] as const) {
      expect(template.toJSON().Resources[id].Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: service,
            POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          },
        },
      });
    }
  });

  test('ingest gets the queue, the secret ARN, the source ranges, the body limit and the token cache', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 10,
      MemorySize: 512,
      Environment: {
        Variables: {
          [INGEST_ENV.queueUrl]: ref(callbackQueueId(template)),
          [INGEST_ENV.tokenSecretArn]: ref(tokenSecretId(template)),
          [INGEST_ENV.allowedSourceCidrs]: '0.0.0.0/0,::/0',
          [INGEST_ENV.maxBodyBytes]: String(DEFAULT_MAX_BODY_BYTES),
          [INGEST_ENV.tokenCacheSeconds]: '60',
        },
      },
    });
  });

  test('normalize gets the table, the dedupe TTL, the bus, the event source and the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 30,
      MemorySize: 512,
      Environment: {
        Variables: {
          [NORMALIZE_ENV.dedupeTableName]: ref(onlyLogicalId(template, 'AWS::DynamoDB::Table')),
          [NORMALIZE_ENV.dedupeTtlSeconds]: String(72 * 3600),
          [NORMALIZE_ENV.eventBusName]: ref(onlyLogicalId(template, 'AWS::Events::EventBus')),
          [NORMALIZE_ENV.eventSource]: 'bunq',
          [NORMALIZE_ENV.deadLetterQueueUrl]: ref(deadLetterQueueId(template)),
        },
      },
    });
  });

  test('each logs to its own log group with the configured retention', () => {
    const logGroupIds = [ingestFunctionId(template), normalizeFunctionId(template)].map((id) => {
      const loggingConfig = template.toJSON().Resources[id].Properties.LoggingConfig;
      return loggingConfig.LogGroup.Ref as string;
    });
    expect(new Set(logGroupIds).size).toBe(2);
    for (const id of logGroupIds) {
      expect(template.toJSON().Resources[id]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  test('normalize consumes the queue in batches, reporting failed items only', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getAtt(callbackQueueId(template)),
      FunctionName: ref(normalizeFunctionId(template)),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('queues', () => {
  test.each([
    ['callbacks queue', callbackQueueId],
    ['dead-letter queue', deadLetterQueueId],
  ])('the %s is SSE-SQS encrypted, keeps messages 14 days and takes 1 MiB messages', (_, queueId) => {
    expect(template.toJSON().Resources[queueId(template)].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
      MaximumMessageSize: SQS_MAX_MESSAGE_BYTES,
    });
  });

  test.each([
    ['callbacks queue', callbackQueueId],
    ['dead-letter queue', deadLetterQueueId],
  ])('the %s denies every request without TLS', (_, queueId) => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(queueId(template))],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('moves a message to the dead-letter queue after the configured deliveries', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 190,
      RedrivePolicy: { deadLetterTargetArn: getAtt(deadLetterQueueId(template)), maxReceiveCount: 5 },
    });
  });
});

describe('dedupe table', () => {
  test('is on demand, keyed by string id, expires items by TTL and has point-in-time recovery', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: DEDUPE_TABLE_KEY, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: DEDUPE_TABLE_KEY, AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: DEDUPE_TABLE_TTL_ATTRIBUTE, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });
});

describe('event bus', () => {
  test('is a custom bus with a CloudFormation-generated name by default', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    const name =
      template.toJSON().Resources[onlyLogicalId(template, 'AWS::Events::EventBus')].Properties.Name;
    expect(name).not.toBe('default');
  });

  test('archives every event of the account on it, for the configured days', () => {
    template.resourceCountIs('AWS::Events::Archive', 1);
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: getAtt(onlyLogicalId(template, 'AWS::Events::EventBus')),
      EventPattern: { account: [{ Ref: 'AWS::AccountId' }] },
      RetentionDays: 30,
    });
  });
});

describe('callback token', () => {
  test('is generated at deploy as {"token": <letters and digits>}', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        SecretStringTemplate: '{}',
        GenerateStringKey: TOKEN_SECRET_KEY,
        ExcludePunctuation: true,
        PasswordLength: CALLBACK_TOKEN_LENGTH,
      },
      SecretString: Match.absent(),
    });
  });

  test('never has its value resolved into the template', () => {
    expect(JSON.stringify(template.toJSON())).not.toContain('resolve:secretsmanager');
  });
});

describe('permissions', () => {
  const isRef = (resource: unknown, logicalId: string) =>
    JSON.stringify(resource) === JSON.stringify(ref(logicalId)) ||
    JSON.stringify(resource) === JSON.stringify(getAtt(logicalId));

  test('the roles carry no managed policies', () => {
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('ingest can send to the callbacks queue', () => {
    const statements = roleStatements(template, ingestFunctionId(template));
    const send = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    expect(send).toHaveLength(1);
    expect(isRef(send[0]?.Resource, callbackQueueId(template))).toBe(true);
  });

  test('ingest can read the token secret', () => {
    const statements = roleStatements(template, ingestFunctionId(template));
    const read = statements.filter((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'));
    expect(read).toHaveLength(1);
    expect(isRef(read[0]?.Resource, tokenSecretId(template))).toBe(true);
  });

  test('ingest can do nothing on the table, the bus or the dead-letter queue', () => {
    const statements = roleStatements(template, ingestFunctionId(template));
    expect(statements.flatMap(actionsOf).filter((a) => /^(dynamodb|events):/.test(a))).toEqual([]);
    const text = JSON.stringify(statements);
    expect(text).not.toContain(deadLetterQueueId(template));
    expect(text).not.toContain(onlyLogicalId(template, 'AWS::DynamoDB::Table'));
    expect(text).not.toContain(onlyLogicalId(template, 'AWS::Events::EventBus'));
  });

  test('normalize can put events on the pipeline bus only', () => {
    const statements = roleStatements(template, normalizeFunctionId(template));
    const put = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('events:')));
    expect(put).toHaveLength(1);
    expect(actionsOf(put[0] as (typeof put)[number])).toEqual(['events:PutEvents']);
    expect(isRef(put[0]?.Resource, onlyLogicalId(template, 'AWS::Events::EventBus'))).toBe(true);
  });

  test('normalize has exactly get, put, update and delete item on the dedupe table', () => {
    const statements = roleStatements(template, normalizeFunctionId(template));
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap(actionsOf).sort()).toEqual([...DEDUPE_TABLE_ACTIONS].sort());
    for (const statement of dynamo) {
      expect(isRef(statement.Resource, onlyLogicalId(template, 'AWS::DynamoDB::Table'))).toBe(true);
    }
  });

  test('normalize can send to the dead-letter queue', () => {
    const statements = roleStatements(template, normalizeFunctionId(template));
    const send = statements.filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    expect(send).toHaveLength(1);
    expect(isRef(send[0]?.Resource, deadLetterQueueId(template))).toBe(true);
  });

  test('no statement grants a service wildcard or reads the secret outside ingest', () => {
    for (const id of [ingestFunctionId(template), normalizeFunctionId(template)]) {
      expect(allActions(template, id).filter((a) => a.endsWith(':*') || a === '*')).toEqual([]);
    }
    expect(
      allActions(template, normalizeFunctionId(template)).filter((a) => a.startsWith('secretsmanager:')),
    ).toEqual([]);
  });
});

describe('outputs', () => {
  const names = [
    'CallbackBaseUrl',
    'EventBusName',
    'EventBusArn',
    'CallbackQueueUrl',
    'DeadLetterQueueUrl',
    'TokenSecretArn',
  ];

  test.each(names)('has output %s', (name) => {
    template.hasOutput(name, { Value: Match.anyValue() });
  });

  test('the callback base URL is the API URL ending in /callbacks/', () => {
    template.hasOutput('CallbackBaseUrl', {
      Value: {
        'Fn::Join': [
          '',
          Match.arrayWith([
            ref(onlyLogicalId(template, 'AWS::ApiGatewayV2::Api')),
            Match.stringLikeRegexp('/callbacks/$'),
          ]),
        ],
      },
    });
  });

  test('the token secret is output by ARN only', () => {
    template.hasOutput('TokenSecretArn', { Value: ref(tokenSecretId(template)) });
  });

  test('no other output references the token secret', () => {
    const outputs = template.findOutputs('*');
    const secretId = tokenSecretId(template);
    for (const [name, output] of Object.entries(outputs)) {
      if (name !== 'TokenSecretArn') {
        expect(JSON.stringify(output)).not.toContain(secretId);
      }
      expect(JSON.stringify(output)).not.toContain('resolve:secretsmanager');
    }
  });
});
