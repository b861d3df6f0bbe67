/**
 * Reconciliation of the callbacks bunq never sent and never reported: the reconcile function on its own
 * EventBridge Scheduler schedule, with the failure poller's bunq state secret.
 */
import { Duration } from 'aws-cdk-lib';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECONCILE_ENV } from '../../shared/wiring/function-env';
import { type ReconcileMetricName, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { pipelineMetric } from './monitoring-metrics';
import { functionEntry } from './pipeline-function';
import { type ScheduledFunctionSettings, scheduledFunction } from './scheduled-function';

/** The reconciler's DynamoDB calls: look up arrivals, read and write its cursor. */
export const RECONCILE_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  // Notes a retry it asks bunq for on the callback's arrival item, as the failure poller does.
  'dynamodb:UpdateItem',
] as const;

export interface ReconcilerProps extends ScheduledFunctionSettings {
  /** How long an expected-redelivery note lives: the failure poller's attempt lifetime. */
  readonly attemptTtl: Duration;
  /** The dedupe table: arrival records (written by the normalizer) and the reconciler's cursor. */
  readonly table: ITable;
  /** The callbacks queue, where rebuilt callbacks go to the normalizer. */
  readonly queue: IQueue;
  /** The failure poller's bunq state secret (same API key, installation and session). */
  readonly stateSecret: ISecret;
  /** The callback token secret, for our callback URL with its current token; read only with {@link repairFilters}. */
  readonly tokenSecret: ISecret;
  /** The callback URL without the token, ending in `/callbacks/`. */
  readonly callbackBaseUrl: string;
  /** bunq API base URL including `/v1`. */
  readonly bunqBaseUrl: string;
  /** What `register` set up, per scope. */
  readonly filters: ReadonlyArray<{
    readonly monetaryAccountId: number | null;
    readonly categories: readonly string[];
  }>;
  /** Time after an event before it is settled. */
  readonly grace: Duration;
  /** Re-apply missing filters. */
  readonly repairFilters: boolean;
}

/**
 * The reconcile function (reserved concurrency 1, so runs never overlap), invoked at a fixed rate.
 *
 * Permissions: get and put the bunq state secret's value; read the token secret (only with `repairFilters`); batch-get, get and put
 * items in the table; send messages to the callbacks queue.
 */
export class Reconciler extends Construct {
  public readonly function: NodejsFunction;
  public readonly schedule: Schedule;
  /** Time between two runs, for alarm periods. */
  public readonly interval: Duration;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    this.interval = props.interval;
    const reconciler = scheduledFunction(this, 'Reconcile', props, {
      owner: 'Reconciler',
      stateSecret: props.stateSecret,
      scheduleDescription: (minutes) =>
        `Reconciles bunq's event listing with the callbacks that arrived every ${minutes} minute(s)`,
      entry: functionEntry('reconcile'),
      description:
        'Publishes the bunq callbacks bunq never sent (from its event listing); checks filter drift',
      serviceName: SERVICE_NAMES.reconcile,
      environment: {
        [RECONCILE_ENV.bunqStateSecretArn]: props.stateSecret.secretArn,
        [RECONCILE_ENV.bunqBaseUrl]: props.bunqBaseUrl,
        [RECONCILE_ENV.tableName]: props.table.tableName,
        [RECONCILE_ENV.callbackQueueUrl]: props.queue.queueUrl,
        // Only a repairing reconciler needs our exact URL, so only it may read the callback token.
        ...(props.repairFilters ? { [RECONCILE_ENV.tokenSecretArn]: props.tokenSecret.secretArn } : {}),
        [RECONCILE_ENV.callbackBaseUrl]: props.callbackBaseUrl,
        [RECONCILE_ENV.expectedFilters]: JSON.stringify(props.filters),
        [RECONCILE_ENV.graceMs]: String(props.grace.toMilliseconds()),
        [RECONCILE_ENV.attemptTtlSeconds]: String(props.attemptTtl.toSeconds()),
        [RECONCILE_ENV.repairFilters]: String(props.repairFilters),
      },
    });
    this.function = reconciler.pipelineFunction.function;
    this.schedule = reconciler.schedule;
    if (props.repairFilters) props.tokenSecret.grantRead(this.function);
    props.table.grant(this.function, ...RECONCILE_TABLE_ACTIONS);
    props.queue.grantSendMessages(this.function);
  }

  /** One of the function's metrics (namespace `BunqWebhooks`, dimension `service`), for alarms. */
  metric(name: ReconcileMetricName, options: MetricOptions = {}): Metric {
    return pipelineMetric(SERVICE_NAMES.reconcile, name, Duration.minutes(5)).with(options);
  }
}
