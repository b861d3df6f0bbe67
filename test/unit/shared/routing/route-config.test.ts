/** Route validation: each bad value fails with a message naming the field and the fix. */
import { ConfigError, parsePipelineConfig } from '../../../../shared/config/pipeline-config';
import { arnProblem, parseArn } from '../../../../shared/routing/arn';
import { MAX_ROUTES, type RouteConfigInput } from '../../../../shared/routing/route-config';

const SQS_ARN = 'arn:aws:sqs:eu-west-1:123456789012:payments';

/** A valid route with `overrides` applied. */
function route(overrides: Record<string, unknown> = {}): RouteConfigInput {
  return {
    name: 'payments',
    categories: ['PAYMENT'],
    target: { type: 'sqs', arn: SQS_ARN },
    ...overrides,
  } as RouteConfigInput;
}

/** The issues of a configuration with these routes (empty when valid). */
function issuesOf(routes: unknown[]): string[] {
  try {
    parsePipelineConfig({ routes });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

const apiKeyAuth = {
  type: 'apiKey',
  headerName: 'x-api-key',
  secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crm-key-AbCdEf',
};

describe('valid routes', () => {
  it('has no routes by default', () => {
    expect(parsePipelineConfig({}).routes).toEqual([]);
  });

  it("gives every route EventBridge's retry policy by default (185 attempts, 24 hours)", () => {
    const [parsed] = parsePipelineConfig({ routes: [route()] }).routes;
    expect(parsed?.retry).toEqual({ maxAttempts: 185, maxEventAgeSeconds: 86_400 });
  });

  it.each([
    ['sqs', { type: 'sqs', arn: SQS_ARN }],
    ['sqs FIFO', { type: 'sqs', arn: `${SQS_ARN}.fifo`, messageGroupId: 'bunq' }],
    [
      'sqs with a KMS key',
      { type: 'sqs', arn: SQS_ARN, kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab' },
    ],
    ['lambda', { type: 'lambda', arn: 'arn:aws:lambda:eu-west-1:123456789012:function:fraud' }],
    ['lambda alias', { type: 'lambda', arn: 'arn:aws:lambda:eu-west-1:123456789012:function:fraud:live' }],
    [
      'eventBus in another account',
      { type: 'eventBus', arn: 'arn:aws:events:eu-west-1:210987654321:event-bus/ledger' },
    ],
    ['sns', { type: 'sns', arn: 'arn:aws:sns:eu-west-1:123456789012:requests' }],
    ['logGroup', { type: 'logGroup', arn: 'arn:aws:logs:eu-west-1:123456789012:log-group:/bunq/audit:*' }],
    [
      'apiDestination with an API key',
      { type: 'apiDestination', endpoint: 'https://crm.example.com/bunq', auth: apiKeyAuth },
    ],
    [
      'apiDestination with basic auth',
      {
        type: 'apiDestination',
        endpoint: 'https://crm.example.com/bunq',
        auth: { ...apiKeyAuth, type: 'basic', headerName: undefined, username: 'bunq' },
      },
    ],
    [
      'apiDestination with OAuth client credentials',
      {
        type: 'apiDestination',
        endpoint: 'https://crm.example.com/bunq',
        auth: {
          type: 'oauthClientCredentials',
          authorizationEndpoint: 'https://auth.example.com/oauth2/token',
          clientId: 'bunq-webhooks',
          secretArn: apiKeyAuth.secretArn,
          secretJsonField: 'clientSecret',
          bodyParameters: { scope: 'events:write' },
        },
      },
    ],
  ])('accepts a %s target', (_name, target) => {
    const cleaned = JSON.parse(JSON.stringify(target)) as unknown;
    expect(issuesOf([route({ target: cleaned })])).toEqual([]);
  });
});

describe('invalid routes', () => {
  const cases: Array<[string, unknown[], RegExp]> = [
    [
      'an unknown target type',
      [route({ target: { type: 'kinesis', arn: SQS_ARN } })],
      /^routes\.0\.target\.type: unknown target type \("kinesis"\): use one of "sqs", "lambda", "eventBus", "sns", "logGroup", "apiDestination"$/,
    ],
    [
      'a target without a type',
      [route({ target: { arn: SQS_ARN } })],
      /^routes\.0\.target\.type: unknown target type \(no type\)/,
    ],
    [
      'a malformed ARN',
      [route({ target: { type: 'sqs', arn: 'payments' } })],
      /^routes\.0\.target\.arn: "payments" is not an ARN: use the ARN of an SQS queue, e\.g\. arn:aws:sqs:/,
    ],
    [
      "an ARN of another service than the target type's",
      [route({ target: { type: 'lambda', arn: SQS_ARN } })],
      /^routes\.0\.target\.arn: ".*" is an ARN of service "sqs", not "lambda": use the ARN of a Lambda function/,
    ],
    [
      'an ARN without a region',
      [route({ target: { type: 'sns', arn: 'arn:aws:sns::123456789012:requests' } })],
      /^routes\.0\.target\.arn: .* needs a region such as eu-west-1/,
    ],
    [
      'an ARN with a bad account',
      [route({ target: { type: 'sqs', arn: 'arn:aws:sqs:eu-west-1:1234:payments' } })],
      /^routes\.0\.target\.arn: .* needs a 12-digit account id/,
    ],
    [
      'a bus ARN that names no bus',
      [route({ target: { type: 'eventBus', arn: 'arn:aws:events:eu-west-1:123456789012:rule/ledger' } })],
      /^routes\.0\.target\.arn: "rule\/ledger" in .* is not "event-bus\/<name>"/,
    ],
    [
      'a secret given as something else than a Secrets Manager ARN',
      [
        route({
          target: {
            type: 'apiDestination',
            endpoint: 'https://x.example.com',
            auth: { ...apiKeyAuth, secretArn: 'my-api-key' },
          },
        }),
      ],
      /^routes\.0\.target\.auth\.secretArn: "my-api-key" is not an ARN: use the ARN of a Secrets Manager secret/,
    ],
    [
      'a literal secret instead of a reference',
      [
        route({
          target: {
            type: 'apiDestination',
            endpoint: 'https://x.example.com',
            auth: { ...apiKeyAuth, apiKey: 'hunter2' },
          },
        }),
      ],
      /^routes\.0\.target\.auth: Unrecognized key: "apiKey"/,
    ],
    [
      'an endpoint that is not HTTPS',
      [route({ target: { type: 'apiDestination', endpoint: 'http://x.example.com', auth: apiKeyAuth } })],
      /^routes\.0\.target\.endpoint: endpoint must be an https:\/\/ URL/,
    ],
    [
      'an unknown connection auth type',
      [
        route({
          target: {
            type: 'apiDestination',
            endpoint: 'https://x.example.com',
            auth: { ...apiKeyAuth, type: 'token' },
          },
        }),
      ],
      /^routes\.0\.target\.auth\.type: unknown connection auth type: use "apiKey", "basic" or "oauthClientCredentials"$/,
    ],
    [
      'a FIFO queue without a message group',
      [route({ target: { type: 'sqs', arn: `${SQS_ARN}.fifo` } })],
      /^routes\.0\.target\.messageGroupId: a FIFO queue \(\.fifo\) needs a messageGroupId/,
    ],
    [
      'empty categories',
      [route({ categories: [] })],
      /^routes\.0\.categories: list at least one category: a route without categories never matches$/,
    ],
    [
      'a category that is not a detail-type bunq sends',
      [route({ categories: ['mutation'] })],
      /^routes\.0\.categories\.0: "mutation" never matches: a bunq category is capitals, digits and "_" .*; did you mean "MUTATION"\?$/,
    ],
    [
      'a category listed twice',
      [route({ categories: ['PAYMENT', 'PAYMENT'] })],
      /^routes\.0\.categories\.1: category "PAYMENT" is listed twice$/,
    ],
    [
      'event types given but empty',
      [route({ eventTypes: [] })],
      /^routes\.0\.eventTypes: an empty list never matches: leave eventTypes out to take every event type$/,
    ],
    [
      'an event type bunq never sends',
      [route({ eventTypes: ['mutation created'] })],
      /^routes\.0\.eventTypes\.0: "mutation created" never matches/,
    ],
    [
      'duplicate names',
      [route(), route({ name: 'Payments' })],
      /^routes\.1\.name: duplicate route name "Payments" \(routes\.0\.name is "payments"/,
    ],
    [
      'names that differ only in separators',
      [route({ name: 'team-a' }), route({ name: 'team_a' })],
      /^routes\.1\.name: duplicate route name "team_a"/,
    ],
    [
      'a name that cannot name a rule',
      [route({ name: 'payments team' })],
      /^routes\.0\.name: use 1-48 letters, digits, "-" or "_"/,
    ],
    [
      'a retry policy beyond EventBridge limits',
      [route({ retry: { maxAttempts: 186 } })],
      /^routes\.0\.retry\.maxAttempts: .*185/,
    ],
    [
      'a maximum event age below a minute',
      [route({ retry: { maxEventAgeSeconds: 30 } })],
      /^routes\.0\.retry\.maxEventAgeSeconds: .*60/,
    ],
    [
      'an unknown route field',
      [route({ category: ['PAYMENT'] })],
      /^routes\.0: Unrecognized key: "category"/,
    ],
    [
      'too many routes',
      Array.from({ length: MAX_ROUTES + 1 }, (_, i) => route({ name: `r${i}` })),
      /^routes: at most 50 routes/,
    ],
  ];

  it.each(cases)('rejects %s', (_name, routes, message) => {
    expect(issuesOf(routes)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

describe('parseArn and arnProblem', () => {
  it('splits an ARN whose resource has colons', () => {
    expect(parseArn('arn:aws:logs:eu-west-1:123456789012:log-group:/a:*')).toEqual({
      partition: 'aws',
      service: 'logs',
      region: 'eu-west-1',
      account: '123456789012',
      resource: 'log-group:/a:*',
    });
  });

  it('accepts ARNs of other partitions', () => {
    expect(arnProblem('sqs', 'arn:aws-cn:sqs:cn-north-1:123456789012:payments')).toBeNull();
  });

  it('refuses a KMS alias, which cannot be granted', () => {
    expect(arnProblem('kmsKey', 'arn:aws:kms:eu-west-1:123456789012:alias/payments')).toMatch(
      /key\/<key id>/,
    );
  });
});
