/** The deployable stack: the pipeline from a validated configuration, and what operators need to use it. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../shared/config/pipeline-config';
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

    new CfnOutput(this, 'CallbackBaseUrl', {
      description: 'Callback URL without the token: register <this URL><token from TokenSecretArn> with bunq',
      value: webhooks.callbackBaseUrl,
    });
    if (webhooks.customDomainTarget !== undefined) {
      new CfnOutput(this, 'CustomDomainTarget', {
        description:
          'Regional hostname of the custom domain: without customDomain.hostedZone, point a CNAME of the domain at it',
        value: webhooks.customDomainTarget,
      });
    }
    new CfnOutput(this, 'EventBusName', {
      description: 'Bus the callbacks are published on (detail-type = category)',
      value: webhooks.bus.eventBusName,
    });
    new CfnOutput(this, 'EventBusArn', { description: 'ARN of the bus', value: webhooks.bus.eventBusArn });
    new CfnOutput(this, 'EventArchiveArn', {
      description: 'Archive of every event on the bus, for replay (bunq-webhooks replay)',
      value: webhooks.archive.archiveArn,
    });
    new CfnOutput(this, 'SchemaRegistryName', {
      description: 'EventBridge Schema Registry with one schema per detail-type (download code bindings)',
      value: webhooks.eventSchemas.registry.attrRegistryName,
    });
    new CfnOutput(this, 'CallbackQueueUrl', {
      description: 'Queue between the ingest and the normalizer',
      value: webhooks.queue.queueUrl,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Callbacks that could not be published, with the reason',
      value: webhooks.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'DeadLetterQueueArn', {
      description: 'ARN of the dead-letter queue, for redrive (bunq-webhooks redrive)',
      value: webhooks.deadLetterQueue.queueArn,
    });
    new CfnOutput(this, 'ClaimCheckBucketName', {
      description: 'Bucket holding objects too large for an event (detail.objectRef)',
      value: webhooks.claimCheckBucket.bucketName,
    });
    if (webhooks.failureRecovery !== undefined) {
      new CfnOutput(this, 'BunqStateSecretArn', {
        description: 'Secret for the failure poller: put {"apiKey": "<bunq API key>"} in it',
        value: webhooks.failureRecovery.stateSecret.secretArn,
      });
    }
    new CfnOutput(this, 'TokenSecretArn', {
      description: 'Secret holding the callback token as {"token": "..."}',
      value: webhooks.tokenSecret.secretArn,
    });
    new CfnOutput(this, 'ArchiveArn', {
      description: 'Archive of every event on the bus: the --event-source-arn of aws events start-replay',
      value: webhooks.archive.archiveArn,
    });
    for (const route of webhooks.routing.routes) {
      const key = `Route${outputKey(route.config.name)}`;
      new CfnOutput(this, `${key}RuleArn`, {
        description: `Rule of route ${route.config.name} (FilterArns of a replay to this route only)`,
        value: route.rule.ruleArn,
      });
      new CfnOutput(this, `${key}DeadLetterQueueUrl`, {
        description: `Events route ${route.config.name} could not deliver`,
        value: route.deadLetterQueue.queueUrl,
      });
      if (route.role !== undefined) {
        new CfnOutput(this, `${key}RoleArn`, {
          description: `Role EventBridge delivers route ${route.config.name} with (a target in another account must allow it)`,
          value: route.role.roleArn,
        });
      }
    }
    if (webhooks.monitoring !== undefined) {
      new CfnOutput(this, 'AlarmTopicArn', {
        description: 'SNS topic every alarm notifies (subscribe on-call tooling to it)',
        value: webhooks.monitoring.topic.topicArn,
      });
      if (webhooks.monitoring.dashboard !== undefined) {
        new CfnOutput(this, 'DashboardName', {
          description: 'CloudWatch dashboard of the pipeline',
          value: webhooks.monitoring.dashboard.dashboardName,
        });
      }
    }
  }
}

/** `payments-eu_2` becomes `PaymentsEu2`: route names as output names (unique, see `routeNameKey`). */
function outputKey(routeName: string): string {
  return routeName
    .split(/[-_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
