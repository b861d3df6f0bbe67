/**
 * Reconciliation of the callbacks bunq never sent and never reported: the reconcile function on its own
 * EventBridge Scheduler schedule, with the failure poller's bunq state secret.
 */
import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RECONCILE_ENV } from '../../shared/wiring/function-env';
import { METRICS_NAMESPACE, type ReconcileMetricName, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { BUNQ_STATE_SECRET_ACTIONS } from './failure-recovery';
import { functionEntry, PipelineFunction } from './pipeline-function';

/** The reconciler's DynamoDB calls: look up arrivals, read and write its cursor. */
export const RECONCILE_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
] as const;

export interface ReconcilerProps {
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
  /** Time between two runs. Whole minutes from 1 to 1440. */
  readonly interval: Duration;
  /** Time after an event before it is settled. */
  readonly grace: Duration;
  /** Re-apply missing filters. */
  readonly repairFilters: boolean;
  readonly memorySize: number;
  /** Longest time one run may take; less than {@link interval}. */
  readonly timeout: Duration;
  readonly logRetention: RetentionDays;
  /** @default Tracing.DISABLED */
  readonly tracing?: Tracing;
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
    const intervalMinutes = props.interval.toSeconds() / 60;
    if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 1_440) {
      throw new Error(
        `Reconciler interval must be whole minutes from 1 to 1440; got ${props.interval.toHumanString()}.`,
      );
    }
    if (props.timeout.toSeconds() >= props.interval.toSeconds()) {
      throw new Error('Reconciler timeout must be less than the interval, so runs never overlap.');
    }
    this.interval = props.interval;

    const reconciler = new PipelineFunction(this, 'Reconcile', {
      entry: functionEntry('reconcile'),
      description:
        'Publishes the bunq callbacks bunq never sent (from its event listing); checks filter drift',
      serviceName: SERVICE_NAMES.reconcile,
      memorySize: props.memorySize,
      timeout: props.timeout,
      logRetention: props.logRetention,
      tracing: props.tracing,
      reservedConcurrentExecutions: 1,
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
        [RECONCILE_ENV.repairFilters]: String(props.repairFilters),
      },
    });
    this.function = reconciler.function;
    this.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.min(Math.max(props.interval.toSeconds(), 60), 21_600)),
    });

    reconciler.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...BUNQ_STATE_SECRET_ACTIONS],
        resources: [props.stateSecret.secretArn],
      }),
    );
    if (props.repairFilters) props.tokenSecret.grantRead(this.function);
    props.table.grant(this.function, ...RECONCILE_TABLE_ACTIONS);
    props.queue.grantSendMessages(this.function);

    this.schedule = new Schedule(this, 'Schedule', {
      description: `Reconciles bunq's event listing with the callbacks that arrived every ${intervalMinutes} minute(s)`,
      schedule: ScheduleExpression.rate(props.interval),
      target: new LambdaInvoke(this.function, { retryAttempts: 0, maxEventAge: Duration.seconds(60) }),
    });
  }

  /** One of the function's metrics (namespace `BunqWebhooks`, dimension `service`), for alarms. */
  metric(name: ReconcileMetricName, options: MetricOptions = {}): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { service: SERVICE_NAMES.reconcile },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...options,
    });
  }
}
