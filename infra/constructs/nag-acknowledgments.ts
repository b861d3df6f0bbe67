/**
 * The AWS Solutions (cdk-nag) findings the pipeline keeps on purpose, each acknowledged with its reason on
 * the one resource it concerns and, for IAM wildcards, for the one wildcard it is about. Uses CDK's own
 * `Validations` (which cdk-nag v3 reads), so nothing here depends on cdk-nag at run time, and a partner who
 * runs cdk-nag over an app embedding {@link BunqWebhooks} sees the same reasons.
 *
 * Everything else is fixed rather than acknowledged; `test/infra/nag.test.ts` proves there is nothing left.
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { Policy, Role } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { BunqWebhooks } from './bunq-webhooks';

/** One acknowledgment: the finding, and why it stays. */
export interface NagAcknowledgment {
  /** The finding id, e.g. `AwsSolutions-L1` or `AwsSolutions-IAM5[Resource::...]`. */
  readonly id: string;
  readonly reason: string;
}

const REASONS = {
  apiAuthorizer:
    'bunq cannot send authorization headers or sign callbacks: the secret token in the path (constant-time compared by the ingest function) and the source-range allow-list authenticate the caller, and an authorizer would add a failure mode in front of a 200-only-when-durable endpoint.',
  runtime:
    'Node.js 22 is pinned on purpose (PipelineFunction): the bundles are built and tested for node22; moving to a newer runtime is a tested change, not an automatic one.',
  callbackToken:
    'The callback token is part of the URL registered with bunq, so rotating it needs a bunq API call and an overlap period: it is rotated by the operator with the documented procedure (previous token valid until previousTokenValidUntil), not by a Lambda rotation schedule.',
  bunqState:
    'The secret holds the bunq API key (rotated in the bunq app, then put here by the operator) and the installation and session the poller creates and renews itself; there is nothing a Secrets Manager rotation function could rotate.',
  claimCheckAccessLogs:
    'The claim-check bucket holds transient copies of callbacks too large for an event, written only by the normalize role under objects/ and expiring after claimCheck.expirationDays; access is audited with CloudTrail S3 data events where required. A server access log bucket would add a bucket that needs the same acknowledgment.',
  claimCheckObjects:
    'Claim-checked objects are keyed by their content hash under objects/, unknown in advance: the normalizer may write any key under that prefix and nothing outside it.',
  schedulerInvoke:
    'The EventBridge Scheduler role of the scheduled functions (the failure poller, the reconciler) may invoke that function and its versions and aliases (<function ARN>:*), as the CDK target grants; it can invoke nothing else.',
  oauthClient:
    "The secret holds the partner's OAuth client id and secret, issued and rotated in bunq's developer settings and put here by the operator; a Secrets Manager rotation function cannot create a new OAuth client at bunq.",
  fleetSecrets:
    'The onboarding creates one credential secret per provisioned user, named <stack>/fleet/provision-<id> and unknown in advance: it may create and use secrets under that name prefix only, and nothing outside it.',
  fleetReconcileSecrets:
    "The reconciler signs in as each provisioned user with that user's credential secret (<stack>/fleet/provision-<id>, made by the onboarding, unknown in advance): it may get and put the values of secrets under that name prefix only, and create or describe none.",
} as const;

/** `<LogicalId.Arn>`: how cdk-nag writes a reference to a resource's ARN in a finding id. */
function arnToken(resource: IConstruct): string {
  const stack = Stack.of(resource);
  const cfn = (resource.node.defaultChild ?? resource) as CfnResource;
  return `<${stack.resolve(stack.getLogicalId(cfn))}.Arn>`;
}

/** Acknowledges findings on one resource (the L1 under an L2, when given an L2). */
function acknowledge(scope: IConstruct | undefined, ...acknowledgments: NagAcknowledgment[]): void {
  if (scope === undefined) return;
  Validations.of(scope.node.defaultChild ?? scope).acknowledge(...acknowledgments);
}

/** The default policy of a role (where grants land), when it has one. */
function defaultPolicyOf(role: IConstruct | undefined): IConstruct | undefined {
  const policy = role?.node.tryFindChild('DefaultPolicy');
  return policy instanceof Policy ? policy : undefined;
}

/** Acknowledges the findings the pipeline keeps on purpose, each on its own resource. */
export function acknowledgeNagFindings(webhooks: BunqWebhooks): void {
  for (const route of webhooks.api.node.findAll().filter((node) => node instanceof CfnRoute)) {
    acknowledge(route, { id: 'AwsSolutions-APIG4', reason: REASONS.apiAuthorizer });
  }

  const onboarding = webhooks.partnerOnboarding;
  const scheduled = [webhooks.failureRecovery?.function, webhooks.reconciler?.function].filter(
    (fn) => fn !== undefined,
  );
  const functions = [webhooks.ingestFunction, webhooks.normalizeFunction, ...scheduled, onboarding?.function];
  for (const fn of functions) acknowledge(fn, { id: 'AwsSolutions-L1', reason: REASONS.runtime });

  acknowledge(webhooks.tokenSecret, { id: 'AwsSolutions-SMG4', reason: REASONS.callbackToken });
  acknowledge(webhooks.failureRecovery?.stateSecret, { id: 'AwsSolutions-SMG4', reason: REASONS.bunqState });
  if (onboarding !== undefined) {
    acknowledge(onboarding.oauthClientSecret, { id: 'AwsSolutions-SMG4', reason: REASONS.oauthClient });
    acknowledge(defaultPolicyOf(onboarding.function.role), {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${onboarding.credentialSecretPrefix}*]`,
      reason: REASONS.fleetSecrets,
    });
    acknowledge(defaultPolicyOf(webhooks.reconciler?.function.role), {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:${onboarding.credentialSecretPrefix}*]`,
      reason: REASONS.fleetReconcileSecrets,
    });
  }

  const bucket = webhooks.claimCheckBucket;
  acknowledge(bucket, { id: 'AwsSolutions-S1', reason: REASONS.claimCheckAccessLogs });
  acknowledge(defaultPolicyOf(webhooks.normalizeFunction.role), {
    id: `AwsSolutions-IAM5[Resource::${arnToken(bucket)}/objects/*]`,
    reason: REASONS.claimCheckObjects,
  });

  // The scheduler's target role is one per stack, created by the CDK next to the stack's top constructs; it
  // holds the grant of every scheduled function.
  const schedulerRoles = Stack.of(webhooks).node.children.filter(
    (child) => child instanceof Role && child.node.id.startsWith('SchedulerRoleForTarget-'),
  );
  for (const role of schedulerRoles) {
    for (const fn of scheduled) {
      acknowledge(defaultPolicyOf(role), {
        id: `AwsSolutions-IAM5[Resource::${arnToken(fn)}:*]`,
        reason: REASONS.schedulerInvoke,
      });
    }
  }
}
