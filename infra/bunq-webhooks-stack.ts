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
    new CfnOutput(this, 'EventBusName', {
      description: 'Bus the callbacks are published on (detail-type = category)',
      value: webhooks.bus.eventBusName,
    });
    new CfnOutput(this, 'EventBusArn', { description: 'ARN of the bus', value: webhooks.bus.eventBusArn });
    new CfnOutput(this, 'CallbackQueueUrl', {
      description: 'Queue between the ingest and the normalizer',
      value: webhooks.queue.queueUrl,
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Callbacks that could not be published, with the reason',
      value: webhooks.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'TokenSecretArn', {
      description: 'Secret holding the callback token as {"token": "..."}',
      value: webhooks.tokenSecret.secretArn,
    });
  }
}
