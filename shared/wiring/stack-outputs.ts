/**
 * The CloudFormation outputs of the stack: written by `infra/bunq-webhooks-stack.ts`, read by the operator
 * CLI (`--stack <name>`). One list, so a renamed output cannot leave the CLI reading a name that is gone.
 */

/** The stack's output names (`OutputKey`). */
export const STACK_OUTPUTS = {
  /** Callback URL without the token. */
  callbackBaseUrl: 'CallbackBaseUrl',
  /** Only with a custom domain: the regional hostname to point the domain at. */
  customDomainTarget: 'CustomDomainTarget',
  eventBusName: 'EventBusName',
  eventBusArn: 'EventBusArn',
  /** The archive of every event on the bus (the source of a replay). */
  eventArchiveArn: 'EventArchiveArn',
  schemaRegistryName: 'SchemaRegistryName',
  callbackQueueUrl: 'CallbackQueueUrl',
  /** The callbacks dead-letter queue. */
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  deadLetterQueueArn: 'DeadLetterQueueArn',
  claimCheckBucketName: 'ClaimCheckBucketName',
  /** Only when the failure poller runs. */
  bunqStateSecretArn: 'BunqStateSecretArn',
  tokenSecretArn: 'TokenSecretArn',
  /** Only with partner onboarding: the fleet registry table. */
  fleetTableName: 'FleetTableName',
  /** Only with partner onboarding: the secret for the partner's OAuth client id and secret. */
  oauthClientSecretArn: 'OAuthClientSecretArn',
  /** Only with partner onboarding: onboardings that failed every delivery. */
  onboardingDeadLetterQueueUrl: 'OnboardingDeadLetterQueueUrl',
  /** Only with monitoring. */
  alarmTopicArn: 'AlarmTopicArn',
  /** Only with monitoring and its dashboard. */
  dashboardName: 'DashboardName',
} as const;

export type StackOutputName = (typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS];

/** What the stack outputs per route. */
export const ROUTE_OUTPUT_SUFFIXES = {
  ruleArn: 'RuleArn',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
  roleArn: 'RoleArn',
} as const;

export type RouteOutput = keyof typeof ROUTE_OUTPUT_SUFFIXES;

/** Every route output name starts with this, then the route name in PascalCase. */
export const ROUTE_OUTPUT_PREFIX = 'Route';

/**
 * The output name of one of a route's resources: `payments-eu_2` and `ruleArn` give `RoutePaymentsEu2RuleArn`.
 * Unique per route, since route names are unique after this folding (see `routeNameKey`).
 */
export function routeOutputKey(routeName: string, output: RouteOutput): string {
  const pascal = routeName
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return `${ROUTE_OUTPUT_PREFIX}${pascal}${ROUTE_OUTPUT_SUFFIXES[output]}`;
}

/** True for the output name of a route's rule ARN, e.g. `RoutePaymentsRuleArn`. */
export function isRouteRuleOutput(outputKey: string): boolean {
  return (
    outputKey.startsWith(ROUTE_OUTPUT_PREFIX) &&
    outputKey.endsWith(ROUTE_OUTPUT_SUFFIXES.ruleArn) &&
    outputKey.length > ROUTE_OUTPUT_PREFIX.length + ROUTE_OUTPUT_SUFFIXES.ruleArn.length
  );
}
