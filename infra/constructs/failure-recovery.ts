/**
 * Recovery of the callbacks bunq gave up on: the retry-failures function on an EventBridge Scheduler
 * schedule, with the bunq state secret it signs in with.
 */
import { Duration, SecretValue } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { API_KEY_PLACEHOLDER } from '../../shared/pipeline/recovery/state-guard';
import { RETRY_FAILURES_ENV } from '../../shared/wiring/function-env';
import {
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  type RecoveryMetricName,
  SERVICE_NAMES,
} from '../../shared/wiring/metrics';
import { functionEntry, PipelineFunction } from './pipeline-function';

/** The poller's DynamoDB calls: look up arrivals and attempts, count attempts. Nothing more. */
export const RECOVERY_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] as const;
/** The poller reads the bunq state and writes back the installation and sessions it creates. */
export const BUNQ_STATE_SECRET_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
] as const;

export interface FailureRecoveryProps {
  /** The dedupe table, where the normalizer records arrivals and the poller keeps its attempts. */
  readonly table: ITable;
  /** Time between two polls. Between 1 minute and 1 day. */
  readonly interval: Duration;
  /** Retries per failure before giving up on it. */
  readonly maxAttempts: number;
  /** bunq API base URL including `/v1`. */
  readonly bunqBaseUrl: string;
  /** How long a failure's attempt record lives after its last change. */
  readonly attemptTtl: Duration;
  /** Memory of the function, in MiB. */
  readonly memorySize: number;
  /** Longest time one poll may take; less than {@link interval}. */
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
 * The retry-failures function (reserved concurrency 1, so polls never overlap), invoked by an EventBridge
 * Scheduler schedule at a fixed rate. Its bunq state lives in a new Secrets Manager secret created with
 * `{"apiKey":"REPLACE_WITH_YOUR_BUNQ_API_KEY"}`: the operator replaces it with `{"apiKey":"<bunq API key>"}`
 * and the function adds the installation, device and session to it as it creates them. Until then every poll
 * counts a `PollErrors` and logs what to do.
 *
 * Permissions: get and put that secret's value; batch-get and update items in the table.
 */
export class FailureRecovery extends Construct {
  /** The retry-failures function. */
  public readonly function: NodejsFunction;
  /** The bunq state secret (API key, installation, session). Its value is never output. */
  public readonly stateSecret: ISecret;
  /** The schedule that invokes {@link function}. */
  public readonly schedule: Schedule;

  constructor(scope: Construct, id: string, props: FailureRecoveryProps) {
    super(scope, id);
    const intervalSeconds = props.interval.toSeconds();
    const intervalMinutes = intervalSeconds / 60;
    if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 1_440) {
      throw new Error(
        `FailureRecovery interval must be whole minutes from 1 to 1440; got ${props.interval.toHumanString()}.`,
      );
    }
    if (props.timeout.toSeconds() >= props.interval.toSeconds()) {
      throw new Error('FailureRecovery timeout must be less than the interval, so polls never overlap.');
    }

    // The placeholder is not a secret; the operator's key replaces it outside CloudFormation, which leaves
    // the value alone as long as this template value does not change.
    this.stateSecret = new Secret(this, 'BunqState', {
      description:
        'bunq API state of the failure poller: put {"apiKey":"<bunq API key>"} here; the poller adds its installation and session',
      secretObjectValue: { apiKey: SecretValue.unsafePlainText(API_KEY_PLACEHOLDER) },
    });

    const poller = new PipelineFunction(this, 'RetryFailures', {
      entry: functionEntry('retry-failures'),
      description: 'Re-triggers the bunq callbacks bunq gave up on; gives up after the configured attempts',
      serviceName: SERVICE_NAMES.retryFailures,
      memorySize: props.memorySize,
      timeout: props.timeout,
      logRetention: props.logRetention,
      tracing: props.tracing,
      reservedConcurrentExecutions: 1,
      environment: {
        [RETRY_FAILURES_ENV.bunqStateSecretArn]: this.stateSecret.secretArn,
        [RETRY_FAILURES_ENV.bunqBaseUrl]: props.bunqBaseUrl,
        [RETRY_FAILURES_ENV.tableName]: props.table.tableName,
        [RETRY_FAILURES_ENV.maxAttempts]: String(props.maxAttempts),
        [RETRY_FAILURES_ENV.attemptTtlSeconds]: String(props.attemptTtl.toSeconds()),
      },
    });
    this.function = poller.function;

    // A poll that is late by a whole interval is stale (the next one is due); a failed one is not retried
    // by Lambda (the next one runs anyway).
    this.function.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.seconds(Math.min(Math.max(props.interval.toSeconds(), 60), 21_600)),
    });

    poller.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...BUNQ_STATE_SECRET_ACTIONS],
        resources: [this.stateSecret.secretArn],
      }),
    );
    props.table.grant(this.function, ...RECOVERY_TABLE_ACTIONS);

    this.schedule = new Schedule(this, 'Schedule', {
      description: `Polls bunq for failed callbacks every ${intervalMinutes} minute(s)`,
      schedule: ScheduleExpression.rate(props.interval),
      target: new LambdaInvoke(this.function, {
        retryAttempts: 0,
        maxEventAge: Duration.seconds(60),
      }),
    });
  }

  /** One of the function's metrics (namespace `BunqWebhooks`, dimension `service`), for alarms. */
  metric(name: RecoveryMetricName, options: MetricOptions = {}): Metric {
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: name,
      dimensionsMap: { [METRIC_DIMENSIONS.service]: SERVICE_NAMES.retryFailures },
      statistic: 'Sum',
      period: Duration.minutes(5),
      ...options,
    });
  }
}
