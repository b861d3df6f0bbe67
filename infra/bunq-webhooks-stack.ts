/** The deployable stack: the pipeline from a validated configuration, and what operators need to use it. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../shared/config/pipeline-config';
import { routeOutputKey, STACK_OUTPUTS } from '../shared/wiring/stack-outputs';
import { BunqWebhooks } from './constructs/bunq-webhooks';

export interface BunqWebhooksStackProps extends StackProps {
  /** The validated pipeline configuration, see `loadConfig` in `infra/app-settings.ts`. */
  readonly config: PipelineConfig;
}

/**
 * One {@link BunqWebhooks} pipeline and its outputs. No output holds the callback token: operators read it
 * from the secret named by `TokenSecretArn` and append it to `CallbackBaseUrl`.
 */
export class BunqWebhooksStack extends Stack {
  /** The pipeline. */
  public readonly webhooks: BunqWebhooks;

  constructor(scope: Construct, id: string, props: BunqWebhooksStackProps) {
    const { config, ...stackProps } = props;
    super(scope, id, { description: 'bunq callbacks (webhooks) to typed EventBridge events', ...stackProps });

    this.webhooks = new BunqWebhooks(this, 'BunqWebhooks', { config });
    const { webhooks } = this;

    /** One stack output; none when `value` is undefined (the part it names is not deployed). */
    const output = (key: string, description: string, value: string | undefined): void => {
      if (value !== undefined) new CfnOutput(this, key, { description, value });
    };
    output(
      STACK_OUTPUTS.callbackBaseUrl,
      `Callback URL without the token: register <this URL><token from ${STACK_OUTPUTS.tokenSecretArn}> with bunq`,
      webhooks.callbackBaseUrl,
    );
    output(
      STACK_OUTPUTS.customDomainTarget,
      'Regional hostname of the custom domain: without customDomain.hostedZone, point a CNAME of the domain at it',
      webhooks.customDomainTarget,
    );
    output(
      STACK_OUTPUTS.eventBusName,
      'Bus the callbacks are published on (detail-type = category)',
      webhooks.bus.eventBusName,
    );
    output(STACK_OUTPUTS.eventBusArn, 'ARN of the bus', webhooks.bus.eventBusArn);
    output(
      STACK_OUTPUTS.eventArchiveArn,
      'Archive of every event on the bus, for replay: bunq-webhooks replay, or the --event-source-arn of aws events start-replay',
      webhooks.archive.archiveArn,
    );
    output(
      STACK_OUTPUTS.schemaRegistryName,
      'EventBridge Schema Registry with one schema per detail-type (download code bindings)',
      webhooks.eventSchemas.registry.attrRegistryName,
    );
    output(
      STACK_OUTPUTS.callbackQueueUrl,
      'Queue between the ingest and the normalizer',
      webhooks.queue.queueUrl,
    );
    output(
      STACK_OUTPUTS.deadLetterQueueUrl,
      'Callbacks that could not be published, with the reason',
      webhooks.deadLetterQueue.queueUrl,
    );
    output(
      STACK_OUTPUTS.deadLetterQueueArn,
      'ARN of the dead-letter queue, for redrive (bunq-webhooks redrive)',
      webhooks.deadLetterQueue.queueArn,
    );
    output(
      STACK_OUTPUTS.claimCheckBucketName,
      'Bucket holding objects too large for an event (detail.objectRef)',
      webhooks.claimCheckBucket.bucketName,
    );
    output(
      STACK_OUTPUTS.bunqStateSecretArn,
      'Secret for the failure poller: put {"apiKey": "<bunq API key>"} in it',
      webhooks.failureRecovery?.stateSecret.secretArn,
    );
    output(
      STACK_OUTPUTS.tokenSecretArn,
      'Secret holding the callback token as {"token": "..."}',
      webhooks.tokenSecret.secretArn,
    );
    const onboarding = webhooks.partnerOnboarding;
    output(
      STACK_OUTPUTS.fleetTableName,
      'Fleet registry: one item per onboarded provisioned user',
      onboarding?.table.tableName,
    );
    output(
      STACK_OUTPUTS.oauthClientSecretArn,
      'Secret for partner onboarding: put {"clientId": "<id>", "clientSecret": "<secret>"} in it',
      onboarding?.oauthClientSecret.secretArn,
    );
    output(
      STACK_OUTPUTS.onboardingDeadLetterQueueUrl,
      'Onboarding jobs that failed every delivery (see docs/OPERATIONS.md)',
      onboarding?.deadLetterQueue.queueUrl,
    );
    for (const route of webhooks.routing.routes) {
      const name = route.config.name;
      output(
        routeOutputKey(name, 'ruleArn'),
        `Rule of route ${name} (FilterArns of a replay to this route only)`,
        route.rule.ruleArn,
      );
      output(
        routeOutputKey(name, 'deadLetterQueueUrl'),
        `Events route ${name} could not deliver`,
        route.deadLetterQueue.queueUrl,
      );
      output(
        routeOutputKey(name, 'roleArn'),
        `Role EventBridge delivers route ${name} with (a target in another account must allow it)`,
        route.role?.roleArn,
      );
    }
    output(
      STACK_OUTPUTS.alarmTopicArn,
      'SNS topic every alarm notifies (subscribe on-call tooling to it)',
      webhooks.monitoring?.topic.topicArn,
    );
    output(
      STACK_OUTPUTS.dashboardName,
      'CloudWatch dashboard of the pipeline',
      webhooks.monitoring?.dashboard?.dashboardName,
    );
  }
}
