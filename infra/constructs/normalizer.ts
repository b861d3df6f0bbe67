/** The consumer of the callbacks queue: parses, dedupes and publishes each callback as one event. */
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NORMALIZE_ENV } from '../../shared/wiring/function-env';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { functionEntry, functionSizing, PipelineFunction } from './pipeline-function';

/** What the normalizer does with dedupe markers (Powertools Idempotency's DynamoDB calls); nothing more. */
export const DEDUPE_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

export interface NormalizerProps {
  /** The callbacks queue the function consumes. */
  readonly queue: IQueue;
  /** Where the function parks a message that can never succeed, with the reason. */
  readonly deadLetterQueue: IQueue;
  /** The dedupe table (partition key `id`, TTL attribute `expiration`). */
  readonly dedupeTable: ITable;
  /** How long a dedupe marker lives. */
  readonly dedupeTtl: Duration;
  /** The bus events are published on. */
  readonly eventBus: IEventBus;
  /** The `source` of every event. */
  readonly eventSource: string;
  /** Records handed to one invocation. */
  readonly batchSize: number;
  /**
   * Most invocations the SQS event source runs at once (2 to 1000). Beyond it records wait on the queue.
   * @default - no cap: Lambda scales the pollers up to the account's concurrency
   */
  readonly maxConcurrency?: number;
  /** Whether the normalizer records which callbacks arrived, for the failure poller. */
  readonly recordArrivals: boolean;
  /** Where objects too large for an event are stored (the function writes under `objects/`). */
  readonly claimCheckBucket: IBucket;
  /** Backoff of transient failures: first and longest delay before a failed record is redelivered. */
  readonly retryBackoff: { readonly base: Duration; readonly max: Duration };
  /**
   * How long Lambda gathers records before invoking; required by SQS for batches over 10.
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /** Memory of the function, in MiB. */
  readonly memorySize: number;
  /** Longest time one invocation may run; the queue's visibility timeout must be well above it. */
  readonly timeout: Duration;
  /** How long the function's log group keeps events. */
  readonly logRetention: RetentionDays;
  /**
   * X-Ray tracing mode.
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
}

/**
 * The normalize function on an SQS event source that reports partial batch failures, so one bad record is
 * retried alone, after a backoff. It may put events on the bus, send to the dead-letter queue, get, put,
 * update and delete items in the dedupe table, and put objects under `objects/` in the claim-check bucket.
 */
export class Normalizer extends Construct {
  /** The normalize function. */
  public readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: NormalizerProps) {
    super(scope, id);

    const normalize = new PipelineFunction(this, 'Normalize', {
      entry: functionEntry('normalize'),
      description: 'Turns queued bunq callbacks into deduplicated EventBridge events',
      serviceName: SERVICE_NAMES.normalize,
      ...functionSizing(props),
      environment: {
        [NORMALIZE_ENV.dedupeTableName]: props.dedupeTable.tableName,
        [NORMALIZE_ENV.dedupeTtlSeconds]: String(props.dedupeTtl.toSeconds()),
        [NORMALIZE_ENV.eventBusName]: props.eventBus.eventBusName,
        [NORMALIZE_ENV.eventSource]: props.eventSource,
        [NORMALIZE_ENV.deadLetterQueueUrl]: props.deadLetterQueue.queueUrl,
        [NORMALIZE_ENV.callbackQueueUrl]: props.queue.queueUrl,
        [NORMALIZE_ENV.retryBackoffBaseSeconds]: String(props.retryBackoff.base.toSeconds()),
        [NORMALIZE_ENV.retryBackoffMaxSeconds]: String(props.retryBackoff.max.toSeconds()),
        [NORMALIZE_ENV.claimCheckBucket]: props.claimCheckBucket.bucketName,
        [NORMALIZE_ENV.recordArrivals]: String(props.recordArrivals),
      },
    });
    this.function = normalize.function;

    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency,
      }),
    );
    props.eventBus.grantPutEventsTo(this.function);
    props.deadLetterQueue.grantSendMessages(this.function);
    props.dedupeTable.grant(this.function, ...DEDUPE_TABLE_ACTIONS);
    // The event source mapping's grant already includes sqs:ChangeMessageVisibility, used for backoff.
    // PutObject only (grantPut would add s3:Abort*): the normalizer writes single-part objects.
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [props.claimCheckBucket.arnForObjects('objects/*')],
      }),
    );
  }
}
