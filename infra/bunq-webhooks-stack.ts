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

    new CfnOutput(this, STACK_OUTPUTS.callbackBaseUrl, {
      description: `Callback URL without the token: register <this URL><token from ${STACK_OUTPUTS.tokenSecretArn}> with bunq`,
      value: webhooks.callbackBaseUrl,
    });
    if (webhooks.customDomainTarget !== undefined) {
      new CfnOutput(this, STACK_OUTPUTS.customDomainTarget, {
        description:
          'Regional hostname of the custom domain: without customDomain.hostedZone, point a CNAME of the domain at it',
        value: webhooks.customDomainTarget,
      });
    }
    new CfnOutput(this, STACK_OUTPUTS.eventBusName, {
      description: 'Bus the callbacks are published on (detail-type = category)',
      value: webhooks.bus.eventBusName,
    });
    new CfnOutput(this, STACK_OUTPUTS.eventBusArn, {
      description: 'ARN of the bus',
      value: webhooks.bus.eventBusArn,
    });
    new CfnOutput(this, STACK_OUTPUTS.eventArchiveArn, {
      description:
        'Archive of every event on the bus, for replay: bunq-webhooks replay, or the --event-source-arn of aws events start-replay',
      value: webhooks.archive.archiveArn,
    });
    new CfnOutput(this, STACK_OUTPUTS.schemaRegistryName, {
      description: 'EventBridge Schema Registry with one schema per detail-type (download code bindings)',
      value: webhooks.eventSchemas.registry.attrRegistryName,
    });
    new CfnOutput(this, STACK_OUTPUTS.callbackQueueUrl, {
      description: 'Queue between the ingest and the normalizer',
      value: webhooks.queue.queueUrl,
    });
    new CfnOutput(this, STACK_OUTPUTS.deadLetterQueueUrl, {
      description: 'Callbacks that could not be published, with the reason',
      value: webhooks.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, STACK_OUTPUTS.deadLetterQueueArn, {
      description: 'ARN of the dead-letter queue, for redrive (bunq-webhooks redrive)',
      value: webhooks.deadLetterQueue.queueArn,
    });
    new CfnOutput(this, STACK_OUTPUTS.claimCheckBucketName, {
      description: 'Bucket holding objects too large for an event (detail.objectRef)',
      value: webhooks.claimCheckBucket.bucketName,
    });
    if (webhooks.failureRecovery !== undefined) {
      new CfnOutput(this, STACK_OUTPUTS.bunqStateSecretArn, {
        description: 'Secret for the failure poller: put {"apiKey": "<bunq API key>"} in it',
        value: webhooks.failureRecovery.stateSecret.secretArn,
      });
    }
    new CfnOutput(this, STACK_OUTPUTS.tokenSecretArn, {
      description: 'Secret holding the callback token as {"token": "..."}',
      value: webhooks.tokenSecret.secretArn,
    });
    for (const route of webhooks.routing.routes) {
      const name = route.config.name;
      new CfnOutput(this, routeOutputKey(name, 'ruleArn'), {
        description: `Rule of route ${name} (FilterArns of a replay to this route only)`,
        value: route.rule.ruleArn,
      });
      new CfnOutput(this, routeOutputKey(name, 'deadLetterQueueUrl'), {
        description: `Events route ${name} could not deliver`,
        value: route.deadLetterQueue.queueUrl,
      });
      if (route.role !== undefined) {
        new CfnOutput(this, routeOutputKey(name, 'roleArn'), {
          description: `Role EventBridge delivers route ${name} with (a target in another account must allow it)`,
          value: route.role.roleArn,
        });
      }
    }
    if (webhooks.monitoring !== undefined) {
      new CfnOutput(this, STACK_OUTPUTS.alarmTopicArn, {
        description: 'SNS topic every alarm notifies (subscribe on-call tooling to it)',
        value: webhooks.monitoring.topic.topicArn,
      });
      if (webhooks.monitoring.dashboard !== undefined) {
        new CfnOutput(this, STACK_OUTPUTS.dashboardName, {
          description: 'CloudWatch dashboard of the pipeline',
          value: webhooks.monitoring.dashboard.dashboardName,
        });
      }
    }
  }
}
