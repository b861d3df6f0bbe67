/** The durable buffer between the ingest and the normalizer, with its dead-letter queue. */
import type { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SQS_MAX_MESSAGE_BYTES } from '../../shared/config/pipeline-config';

export interface CallbackQueueProps {
  /** Deliveries of one message before SQS moves it to the dead-letter queue. */
  readonly maxReceiveCount: number;
  /** How long a received message stays hidden; must exceed the consumer's timeout (AWS advises 6 times). */
  readonly visibilityTimeout: Duration;
  /** How long an unprocessed message is kept, on both queues. */
  readonly retentionPeriod: Duration;
}

/**
 * The callbacks queue and its dead-letter queue. Both are encrypted with SQS-managed keys, refuse requests
 * without TLS and accept the largest message SQS allows, so a dead-lettered body is never too large to park.
 */
export class CallbackQueue extends Construct {
  /** Where the ingest puts each accepted callback body. */
  public readonly queue: Queue;
  /** Where SQS moves a message after `maxReceiveCount` deliveries, and the normalizer parks permanent failures. */
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: CallbackQueueProps) {
    super(scope, id);

    const secureDefaults = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      maxMessageSizeBytes: SQS_MAX_MESSAGE_BYTES,
      retentionPeriod: props.retentionPeriod,
    } satisfies QueueProps;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', secureDefaults);
    this.queue = new Queue(this, 'Queue', {
      ...secureDefaults,
      visibilityTimeout: props.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });
  }
}
