/**
 * The configured routes: one EventBridge rule per route on the pipeline's bus, each with one target (a
 * team's queue, function, bus, topic, log group or HTTPS endpoint), a retry policy and a dead-letter queue
 * of its own. The rule's pattern is `eventPatternForRoute` from `shared/routing`, the code the local runtime
 * matches with.
 */
import { Aws, Duration, SecretValue, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  ApiDestination,
  Authorization,
  type EventPattern as CdkEventPattern,
  Connection,
  HttpMethod,
  HttpParameter,
  type IEventBus,
  type IRuleTarget,
  Rule,
  type RuleTargetConfig,
} from 'aws-cdk-lib/aws-events';
import { type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ResourcePolicy } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ConfigError } from '../../shared/config/pipeline-config';
import { parseArn } from '../../shared/routing/arn';
import { type EventPattern, eventPatternForRoute } from '../../shared/routing/event-pattern';
import type { ConnectionAuth, RouteConfig, RouteTarget } from '../../shared/routing/route-config';

/** The one action each target type's role is allowed, on the target's ARN only. */
export const TARGET_ACTIONS = {
  sqs: 'sqs:SendMessage',
  lambda: 'lambda:InvokeFunction',
  eventBus: 'events:PutEvents',
  sns: 'sns:Publish',
  apiDestination: 'events:InvokeApiDestination',
} as const satisfies Record<Exclude<RouteTarget['type'], 'logGroup'>, string>;

/** What a role needs to write to a queue or topic encrypted with a customer managed KMS key. */
export const TARGET_KMS_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** What EventBridge does in a target log group (granted by the log group resource policy). */
export const LOG_GROUP_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

/** The name of a route's rule; fixed, so the role's trust policy can name the rule without a cycle. */
export const ruleNameFor = (routeName: string): string => `route-${routeName}`;

/** EventBridge's JSON pattern keys and the CDK `EventPattern` fields they are written as. */
const CDK_PATTERN_KEYS: Readonly<Record<string, keyof CdkEventPattern>> = {
  source: 'source',
  'detail-type': 'detailType',
  detail: 'detail',
  account: 'account',
  region: 'region',
  resources: 'resources',
  version: 'version',
  id: 'id',
  time: 'time',
};

/** A pattern from `shared/routing` in the form the CDK `Rule` takes (it writes it back as the same JSON). */
export function toCdkEventPattern(pattern: EventPattern): CdkEventPattern {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const cdkKey = CDK_PATTERN_KEYS[key];
    if (cdkKey === undefined) throw new Error(`Event pattern key "${key}" has no CDK equivalent`);
    result[cdkKey] = value;
  }
  return result as CdkEventPattern;
}

/** A rule target whose configuration is computed here: the CDK's target classes cannot take a role for all types. */
class ConfiguredTarget implements IRuleTarget {
  constructor(private readonly config: RuleTargetConfig) {}
  bind(): RuleTargetConfig {
    return this.config;
  }
}

export interface RoutingProps {
  /** The pipeline's bus, where each route's rule lives. */
  readonly bus: IEventBus;
  /** The `source` of the pipeline's events; every rule matches only it. */
  readonly eventSource: string;
  /** The validated routes (`routes` of the pipeline configuration). */
  readonly routes: readonly RouteConfig[];
  /**
   * The name of the pipeline's bus when it is fixed (`eventBus.name`), to refuse a route back onto it.
   * @default - not checked
   */
  readonly busName?: string;
  /**
   * How long a route's dead-letter queue keeps an event that could not be delivered.
   * @default Duration.days(14)
   */
  readonly deadLetterRetention?: Duration;
}

/** What one route is made of. */
export interface RouteResources {
  /** The route as configured (defaults resolved). */
  readonly config: RouteConfig;
  /** The rule on the pipeline's bus. */
  readonly rule: Rule;
  /** The rule's name, `route-<route name>`. */
  readonly ruleName: string;
  /** The event pattern of {@link rule}, as `eventPatternForRoute` made it. */
  readonly eventPattern: EventPattern;
  /** Where EventBridge puts an event it could not deliver within the retry policy. */
  readonly deadLetterQueue: Queue;
  /**
   * The role EventBridge assumes to deliver to the target; absent for a log group, which EventBridge can
   * only write to through the log group resource policy. A target in another account must trust this role.
   */
  readonly role: Role | undefined;
}

/**
 * One rule per route, each with one target. Every target gets:
 * - a retry policy (`retry.maxAttempts`, `retry.maxEventAgeSeconds`; EventBridge's own defaults: 185, 24 h);
 * - its own dead-letter queue (SQS-managed encryption, TLS only, 14 days) that only that rule may send to;
 * - least privilege: a role that only EventBridge, for this very rule, may assume, allowed exactly one action
 *   on exactly the target's ARN (plus `kms:GenerateDataKey`/`kms:Decrypt` on `kmsKeyArn` when given). A log
 *   group gets a statement in one log group resource policy instead (CloudWatch Logs takes no role).
 *
 * Targets are imported by ARN: nothing here changes the team's resource. A target in another account must
 * allow the route's role in its own resource policy (queue, topic, function, bus policy).
 */
export class Routing extends Construct {
  /** The routes, in configuration order. */
  public readonly routes: readonly RouteResources[];
  /** The log group resource policy for the log group targets, when there are any. */
  public readonly logGroupPolicy: ResourcePolicy | undefined;

  constructor(scope: Construct, id: string, props: RoutingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroupStatements: PolicyStatement[] = [];

    this.routes = props.routes.map((route, index) => {
      checkAgainstStack(stack, route, index, props.busName);
      const scope = new Construct(this, `Route-${route.name}`);
      const ruleName = ruleNameFor(route.name);
      // The ARN the rule will have, built from its fixed name: referencing the rule itself from the role it
      // uses would be a circular dependency.
      const ruleArn = stack.formatArn({
        service: 'events',
        resource: 'rule',
        resourceName: `${props.bus.eventBusName}/${ruleName}`,
      });

      const deadLetterQueue = new Queue(scope, 'DeadLetterQueue', {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
      });
      Validations.of(deadLetterQueue.node.defaultChild ?? deadLetterQueue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the dead-letter queue of the route's EventBridge target (DeadLetterConfig), which cdk-nag only recognises for SQS redrive policies; a dead-letter queue has no dead-letter queue of its own.",
      });

      let role: Role | undefined;
      let targetArn: string;
      const target = route.target;
      if (target.type === 'logGroup') {
        const name = logGroupName(target.arn);
        const arn = parseArn(target.arn);
        targetArn = `arn:${arn?.partition}:logs:${arn?.region}:${arn?.account}:log-group:${name}`;
        logGroupStatements.push(
          new PolicyStatement({
            sid: `Route${index}`,
            principals: [
              new ServicePrincipal('events.amazonaws.com'),
              new ServicePrincipal('delivery.logs.amazonaws.com'),
            ],
            actions: [...LOG_GROUP_ACTIONS],
            resources: [`${targetArn}:*`],
          }),
        );
      } else {
        role = new Role(scope, 'TargetRole', {
          description: `EventBridge delivers route "${route.name}" with this role`,
          assumedBy: new ServicePrincipal('events.amazonaws.com', {
            conditions: {
              StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
              ArnEquals: { 'aws:SourceArn': ruleArn },
            },
          }),
        });
        targetArn =
          target.type === 'apiDestination'
            ? apiDestinationFor(scope, route.name, target).apiDestinationArn
            : target.arn;
        role.addToPrincipalPolicy(
          new PolicyStatement({ actions: [TARGET_ACTIONS[target.type]], resources: [targetArn] }),
        );
        if ((target.type === 'sqs' || target.type === 'sns') && target.kmsKeyArn !== undefined) {
          role.addToPrincipalPolicy(
            new PolicyStatement({ actions: [...TARGET_KMS_ACTIONS], resources: [target.kmsKeyArn] }),
          );
        }
      }

      const eventPattern = eventPatternForRoute(route, props.eventSource);
      const rule = new Rule(scope, 'Rule', {
        eventBus: props.bus,
        ruleName,
        description:
          route.description ?? `bunq ${route.categories.join(', ')} to ${target.type} (route ${route.name})`,
        eventPattern: toCdkEventPattern(eventPattern),
      });
      rule.addTarget(
        new ConfiguredTarget({
          arn: targetArn,
          role: role as IRole | undefined,
          retryPolicy: {
            maximumRetryAttempts: route.retry.maxAttempts,
            maximumEventAgeInSeconds: route.retry.maxEventAgeSeconds,
          },
          deadLetterConfig: { arn: deadLetterQueue.queueArn },
          sqsParameters:
            target.type === 'sqs' && target.messageGroupId !== undefined
              ? { messageGroupId: target.messageGroupId }
              : undefined,
        }),
      );
      deadLetterQueue.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AllowRouteRuleDeadLetters',
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [deadLetterQueue.queueArn],
          conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        }),
      );

      return { config: route, rule, ruleName, eventPattern, deadLetterQueue, role };
    });

    this.logGroupPolicy =
      logGroupStatements.length === 0
        ? undefined
        : new ResourcePolicy(this, 'LogGroupPolicy', { policyStatements: logGroupStatements });
  }
}

/** `arn:...:log-group:/bunq/payments:*` and `arn:...:log-group:/bunq/payments` both name `/bunq/payments`. */
function logGroupName(arn: string): string {
  const resource = parseArn(arn)?.resource ?? '';
  return resource.replace(/^log-group:/, '').replace(/:\*$/, '');
}

/**
 * A secret value read from Secrets Manager by CloudFormation at deploy (a dynamic reference): the template
 * holds the secret's ARN, never the value.
 */
function secretValue(auth: ConnectionAuth): SecretValue {
  return SecretValue.secretsManager(auth.secretArn, { jsonField: auth.secretJsonField });
}

function authorizationFor(auth: ConnectionAuth): Authorization {
  switch (auth.type) {
    case 'apiKey':
      return Authorization.apiKey(auth.headerName, secretValue(auth));
    case 'basic':
      return Authorization.basic(auth.username, secretValue(auth));
    case 'oauthClientCredentials':
      return Authorization.oauth({
        authorizationEndpoint: auth.authorizationEndpoint,
        httpMethod: HttpMethod[auth.httpMethod],
        clientId: auth.clientId,
        clientSecret: secretValue(auth),
        bodyParameters:
          auth.bodyParameters === undefined
            ? undefined
            : Object.fromEntries(
                Object.entries(auth.bodyParameters).map(([key, value]) => [
                  key,
                  HttpParameter.fromString(value),
                ]),
              ),
      });
  }
}

function apiDestinationFor(
  scope: Construct,
  routeName: string,
  target: Extract<RouteTarget, { type: 'apiDestination' }>,
): ApiDestination {
  const connection = new Connection(scope, 'Connection', {
    description: `Authorization of route "${routeName}" (${target.auth.type})`,
    authorization: authorizationFor(target.auth),
  });
  return new ApiDestination(scope, 'ApiDestination', {
    description: `Endpoint of route "${routeName}"`,
    connection,
    endpoint: target.endpoint,
    httpMethod: HttpMethod[target.httpMethod],
    rateLimitPerSecond: target.rateLimitPerSecond,
  });
}

/**
 * Checks a route against the stack's environment, when it is known at synth (an environment-agnostic stack
 * leaves this to EventBridge at deploy): EventBridge delivers to targets in the rule's own region (an event
 * bus may be elsewhere) and to log groups of its own account only, and a route onto the pipeline's own bus
 * would put each event back where it came from, forever.
 */
function checkAgainstStack(
  stack: Stack,
  route: RouteConfig,
  index: number,
  busName: string | undefined,
): void {
  const target = route.target;
  if (target.type === 'apiDestination') return;
  const arn = parseArn(target.arn);
  if (arn === null) return;
  const fail = (problem: string): never => {
    const message = `routes.${index}.target.arn: ${problem}`;
    throw new ConfigError(`Invalid route "${route.name}":\n  - ${message}`, [message]);
  };
  const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
  const account = Token.isUnresolved(stack.account) ? undefined : stack.account;
  if (region !== undefined && target.type !== 'eventBus' && arn.region !== region) {
    fail(
      `"${target.arn}" is in ${arn.region}, but the stack deploys to ${region}: EventBridge delivers to ${target.type} targets in the rule's own region only; use a target in ${region}, or an event bus in ${arn.region}`,
    );
  }
  if (account !== undefined && target.type === 'logGroup' && arn.account !== account) {
    fail(
      `"${target.arn}" is in account ${arn.account}: EventBridge writes only to log groups of its own account (${account})`,
    );
  }
  if (
    target.type === 'eventBus' &&
    busName !== undefined &&
    arn.resource === `event-bus/${busName}` &&
    arn.region === region &&
    arn.account === account
  ) {
    fail(
      `"${target.arn}" is the pipeline's own bus: every event would loop back onto it; target another bus`,
    );
  }
}
