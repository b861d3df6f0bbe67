/**
 * Routes: `config/examples/all-targets.json` (one route of each target type) synthesizes a rule per route,
 * each with its pattern, target, retry policy, dead-letter queue and least-privilege permissions; and the
 * local runtime's matching agrees with the synthesized patterns.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { loadConfig } from '../../infra/app-settings';
import { BunqWebhooksStack } from '../../infra/bunq-webhooks-stack';
import { Routing, TARGET_ACTIONS } from '../../infra/constructs/routing';
import type { PipelineConfig } from '../../shared/config/pipeline-config';
import {
  createRouteMatcher,
  eventPatternForRoute,
  matchesEventPattern,
} from '../../shared/routing/event-pattern';
import { type RouteConfig, routesSchema } from '../../shared/routing/route-config';
import { cdkJsonContext, PROJECT_ROOT, SKIP_BUNDLING_CONTEXT, SYNTH_TIMEOUT_MS } from './support/synth';

const EXAMPLE = path.join(PROJECT_ROOT, 'config', 'examples', 'all-targets.json');

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
interface RuleTarget {
  readonly Arn: unknown;
  readonly RoleArn?: { 'Fn::GetAtt': [string, string] };
  readonly RetryPolicy: unknown;
  readonly DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } };
  readonly SqsParameters?: unknown;
}

let config: PipelineConfig;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  // The way `npx cdk synth -c config=config/examples/all-targets.json` builds it, without bundling.
  config = loadConfig(EXAMPLE);
  const app = new App({ context: { ...cdkJsonContext(), ...SKIP_BUNDLING_CONTEXT } });
  template = Template.fromStack(new BunqWebhooksStack(app, 'AllTargets', { config }));
  resources = template.toJSON().Resources as Record<string, Resource>;
}, SYNTH_TIMEOUT_MS);

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const routeNamed = (name: string): RouteConfig => {
  const route = config.routes.find((candidate) => candidate.name === name);
  if (route === undefined) throw new Error(`no route ${name} in the example`);
  return route;
};

/** The logical id and properties of a route's rule. */
function ruleOf(name: string): { id: string; props: Record<string, unknown>; target: RuleTarget } {
  const found = Object.entries(resources).filter(
    ([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties.Name === `route-${name}`,
  );
  expect(found).toHaveLength(1);
  const [id, rule] = found[0] as [string, Resource];
  const targets = rule.Properties.Targets as RuleTarget[];
  expect(targets).toHaveLength(1);
  return { id, props: rule.Properties, target: targets[0] as RuleTarget };
}

/** The statements of the policies attached to a role. */
function roleStatements(roleId: string): Record<string, unknown>[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement);
}

const busId = (): string => {
  const ids = Object.keys(template.findResources('AWS::Events::EventBus'));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

/** The ARN the route's rule will have, as the template writes it. */
const ruleArnOf = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':events:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':rule/',
      { Ref: busId() },
      `/route-${name}`,
    ],
  ],
});

test('the example has one route of each target type', () => {
  expect(config.routes.map((route) => route.target.type).sort()).toEqual(
    ['apiDestination', 'eventBus', 'lambda', 'logGroup', 'sns', 'sqs'].sort(),
  );
});

test('each route is one rule on the pipeline bus', () => {
  const rules = Object.values(resources).filter(
    (r) => r.Type === 'AWS::Events::Rule' && String(r.Properties.Name).startsWith('route-'),
  );
  expect(rules).toHaveLength(config.routes.length);
  for (const rule of rules) {
    expect(rule.Properties.EventBusName).toEqual({ Ref: busId() });
    expect(rule.Properties.State).toBe('ENABLED');
  }
});

describe.each([
  ['sqs', 'payments'],
  ['lambda', 'card-fraud'],
  ['eventBus', 'ledger'],
  ['sns', 'requests'],
  ['logGroup', 'audit'],
  ['apiDestination', 'crm-webhook'],
])('a %s target (route %s)', (type, name) => {
  test('has the route pattern: its categories and event types from the pipeline source', () => {
    const route = routeNamed(name);
    expect(route.target.type).toBe(type);
    expect(ruleOf(name).props.EventPattern).toEqual(eventPatternForRoute(route, 'bunq'));
  });

  test('has the retry policy of the route', () => {
    const { retry } = routeNamed(name);
    expect(ruleOf(name).target.RetryPolicy).toEqual({
      MaximumRetryAttempts: retry.maxAttempts,
      MaximumEventAgeInSeconds: retry.maxEventAgeSeconds,
    });
  });

  test('has a dead-letter queue of its own: encrypted, TLS only, writable by this rule only', () => {
    const rule = ruleOf(name);
    const queueId = rule.target.DeadLetterConfig.Arn['Fn::GetAtt'][0];
    expect(resources[queueId]?.Type).toBe('AWS::SQS::Queue');
    expect(resources[queueId]?.Properties.SqsManagedSseEnabled).toBe(true);
    const others = config.routes.filter((route) => route.name !== name).map((route) => ruleOf(route.name));
    expect(others.map((other) => other.target.DeadLetterConfig.Arn['Fn::GetAtt'][0])).not.toContain(queueId);

    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          {
            Sid: 'AllowRouteRuleDeadLetters',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: getAtt(queueId),
            Condition: { ArnEquals: { 'aws:SourceArn': getAtt(rule.id) } },
          },
        ],
      },
    });
  });
});

describe.each([
  ['sqs', 'payments', 'arn:aws:sqs:eu-west-1:123456789012:payments'],
  ['lambda', 'card-fraud', 'arn:aws:lambda:eu-west-1:123456789012:function:card-fraud-check'],
  ['eventBus (another account)', 'ledger', 'arn:aws:events:eu-west-1:210987654321:event-bus/ledger'],
  ['sns', 'requests', 'arn:aws:sns:eu-west-1:123456789012:bunq-requests'],
] as const)('permissions of a %s target', (_type, name, arn) => {
  test('the target is the configured ARN, delivered with a role of its own', () => {
    const { target } = ruleOf(name);
    expect(target.Arn).toBe(arn);
    expect(target.RoleArn).toBeDefined();
  });

  test('only EventBridge, for this rule of this account, may assume the role', () => {
    const roleId = ruleOf(name).target.RoleArn?.['Fn::GetAtt'][0] as string;
    expect(resources[roleId]?.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnEquals: { 'aws:SourceArn': ruleArnOf(name) },
          },
        },
      ],
    });
  });

  test('the role may do one thing, on the target only', () => {
    const roleId = ruleOf(name).target.RoleArn?.['Fn::GetAtt'][0] as string;
    const type = routeNamed(name).target.type as keyof typeof TARGET_ACTIONS;
    expect(roleStatements(roleId)).toEqual([
      { Effect: 'Allow', Action: TARGET_ACTIONS[type], Resource: arn },
    ]);
  });
});

test("the team's resources are imported, never changed: no policy or permission of ours on them", () => {
  const teamArns = config.routes.flatMap((route) => ('arn' in route.target ? [route.target.arn] : []));
  for (const [, resource] of Object.entries(resources)) {
    if (
      !['AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy', 'AWS::Lambda::Permission'].includes(resource.Type)
    ) {
      continue;
    }
    const text = JSON.stringify(resource.Properties);
    for (const arn of teamArns) expect(text).not.toContain(arn);
  }
});

describe('a logGroup target', () => {
  test('is written through the log group resource policy, not a role (CloudWatch Logs takes none)', () => {
    const { target } = ruleOf('audit');
    expect(target.Arn).toBe('arn:aws:logs:eu-west-1:123456789012:log-group:/bunq/audit');
    expect(target.RoleArn).toBeUndefined();
    const policies = template.findResources('AWS::Logs::ResourcePolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    const document = JSON.parse(
      (Object.values(policies)[0] as Resource).Properties.PolicyDocument as string,
    ) as { Statement: unknown[] };
    expect(document.Statement).toEqual([
      {
        Sid: 'Route4',
        Effect: 'Allow',
        Principal: { Service: ['events.amazonaws.com', 'delivery.logs.amazonaws.com'] },
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: 'arn:aws:logs:eu-west-1:123456789012:log-group:/bunq/audit:*',
      },
    ]);
  });
});

describe('an apiDestination target', () => {
  test('authenticates with the API key read from Secrets Manager at deploy, never a literal', () => {
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'x-api-key',
          ApiKeyValue:
            '{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-webhook-key-AbCdEf:SecretString:apiKey::}}',
        },
      },
    });
  });

  test('calls the configured HTTPS endpoint at the configured rate', () => {
    const ids = Object.keys(template.findResources('AWS::Events::ApiDestination'));
    expect(ids).toHaveLength(1);
    template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: 'https://crm.example.com/hooks/bunq',
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 5,
    });
    expect(ruleOf('crm-webhook').target.Arn).toEqual(getAtt(ids[0] as string));
  });

  test('its role may invoke that API destination only', () => {
    const [destinationId] = Object.keys(template.findResources('AWS::Events::ApiDestination'));
    const roleId = ruleOf('crm-webhook').target.RoleArn?.['Fn::GetAtt'][0] as string;
    expect(roleStatements(roleId)).toEqual([
      { Effect: 'Allow', Action: 'events:InvokeApiDestination', Resource: getAtt(destinationId as string) },
    ]);
  });
});

test('each route outputs its rule, its dead-letter queue and its role', () => {
  const outputs = Object.keys(template.findOutputs('*'));
  expect(outputs).toEqual(
    expect.arrayContaining([
      'RoutePaymentsRuleArn',
      'RoutePaymentsDeadLetterQueueUrl',
      'RoutePaymentsRoleArn',
      'RouteCardFraudRuleArn',
      'RouteCrmWebhookRoleArn',
      'RouteAuditDeadLetterQueueUrl',
      'EventArchiveArn',
    ]),
  );
  expect(outputs).not.toContain('RouteAuditRoleArn');
  // One output per archive: the CLI reads EventArchiveArn only.
  expect(outputs).not.toContain('ArchiveArn');
});

describe('local matching agrees with the synthesized patterns', () => {
  const events = [
    ['PAYMENT', 'PAYMENT_CREATED'],
    ['MUTATION', 'MUTATION_CREATED'],
    ['MUTATION', 'MUTATION_RECEIVED'],
    ['CARD_TRANSACTION_SUCCESSFUL', 'CARD_TRANSACTION_SUCCESSFUL'],
    ['CARD_TRANSACTION_FAILED', 'CARD_TRANSACTION_FAILED'],
    ['REQUEST', 'REQUEST_INQUIRY_CREATED'],
    ['BILLING', 'INVOICE_CREATED'],
    ['OAUTH', 'OAUTH_AUTHORIZATION_CREATED'],
    ['PARTNER_USER_PROVISION', 'PARTNER_USER_PROVISIONED'],
    ['SOME_NEW_CATEGORY', 'SOME_NEW_CATEGORY_CREATED'],
    ['mutation', 'MUTATION_CREATED'],
  ].flatMap(([category, eventType]) =>
    ['bunq', 'bunq.sandbox'].map((source) => ({
      version: '0',
      id: `${source}-${category}-${eventType}`,
      'detail-type': category,
      source,
      account: '123456789012',
      time: '2025-09-03T08:24:14Z',
      region: 'eu-west-1',
      resources: [],
      detail: { category, eventType, objectType: 'Payment', objectId: 1, dedupKey: 'v1:x' },
    })),
  );

  test.each(events.map((event) => [event.id, event] as const))('%s', (_id, event) => {
    const local = createRouteMatcher(config.routes, config.eventSource)(event);
    const synthesized = config.routes
      .filter((route) =>
        matchesEventPattern(ruleOf(route.name).props.EventPattern as Record<string, unknown>, event),
      )
      .map((route) => route.name);
    expect(local).toEqual(synthesized);
  });

  test('the table exercises matches and misses of every route', () => {
    const matchRoutes = createRouteMatcher(config.routes, config.eventSource);
    const matched = new Set(events.flatMap((event) => matchRoutes(event)));
    expect([...matched].sort()).toEqual(config.routes.map((route) => route.name).sort());
    expect(events.some((event) => matchRoutes(event).length === 0)).toBe(true);
  });
});

describe('Routing on its own', () => {
  function routingIn(stack: Stack, routes: unknown[], busName?: string): Template {
    const bus = new EventBus(stack, 'Bus', { eventBusName: busName });
    new Routing(stack, 'Routing', { bus, busName, eventSource: 'bunq', routes: routesSchema.parse(routes) });
    return Template.fromStack(stack);
  }
  const route = (target: Record<string, unknown>, name = 'r') => ({ name, categories: ['MUTATION'], target });

  test('a FIFO queue gets its message group', () => {
    const template = routingIn(new Stack(new App(), 'Fifo'), [
      route({ type: 'sqs', arn: 'arn:aws:sqs:eu-west-1:123456789012:payments.fifo', messageGroupId: 'bunq' }),
    ]);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ SqsParameters: { MessageGroupId: 'bunq' } })],
    });
  });

  test('a queue encrypted with a customer managed key: the role may use that key, nothing else', () => {
    const key = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const template = routingIn(new Stack(new App(), 'Kms'), [
      route({ type: 'sqs', arn: 'arn:aws:sqs:eu-west-1:123456789012:payments', kmsKeyArn: key }),
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: 'arn:aws:sqs:eu-west-1:123456789012:payments',
          },
          { Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: key },
        ],
      },
    });
  });

  test('OAuth client credentials and basic auth read their secrets from Secrets Manager', () => {
    const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-AbCdEf';
    const template = routingIn(new Stack(new App(), 'Auth'), [
      route(
        {
          type: 'apiDestination',
          endpoint: 'https://crm.example.com/bunq',
          auth: {
            type: 'oauthClientCredentials',
            authorizationEndpoint: 'https://auth.example.com/token',
            clientId: 'bunq-webhooks',
            secretArn,
            secretJsonField: 'clientSecret',
            bodyParameters: { scope: 'events:write' },
          },
        },
        'oauth',
      ),
      route(
        {
          type: 'apiDestination',
          endpoint: 'https://crm.example.com/bunq',
          auth: { type: 'basic', username: 'bunq', secretArn },
        },
        'basic',
      ),
    ]);
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
      AuthParameters: {
        OAuthParameters: Match.objectLike({
          AuthorizationEndpoint: 'https://auth.example.com/token',
          HttpMethod: 'POST',
          ClientParameters: {
            ClientID: 'bunq-webhooks',
            ClientSecret: `{{resolve:secretsmanager:${secretArn}:SecretString:clientSecret::}}`,
          },
        }),
      },
    });
    template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'BASIC',
      AuthParameters: {
        BasicAuthParameters: {
          Username: 'bunq',
          Password: `{{resolve:secretsmanager:${secretArn}:SecretString:::}}`,
        },
      },
    });
  });

  test('refuses a target in another region than a stack with a known region', () => {
    const stack = new Stack(new App(), 'Frankfurt', {
      env: { account: '123456789012', region: 'eu-central-1' },
    });
    expect(() =>
      routingIn(stack, [route({ type: 'sqs', arn: 'arn:aws:sqs:eu-west-1:123456789012:payments' })]),
    ).toThrow(/routes\.0\.target\.arn: .* is in eu-west-1, but the stack deploys to eu-central-1/);
  });

  test('refuses a route back onto the pipeline bus', () => {
    const stack = new Stack(new App(), 'Loop', { env: { account: '123456789012', region: 'eu-west-1' } });
    expect(() =>
      routingIn(
        stack,
        [route({ type: 'eventBus', arn: 'arn:aws:events:eu-west-1:123456789012:event-bus/bunq' })],
        'bunq',
      ),
    ).toThrow(/routes\.0\.target\.arn: .* is the pipeline's own bus/);
  });
});
