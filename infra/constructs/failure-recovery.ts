/**
 * Recovery of the callbacks bunq gave up on: the retry-failures function on an EventBridge Scheduler
 * schedule, with the bunq state secret it signs in with.
 */
import { Duration, SecretValue } from 'aws-cdk-lib';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { API_KEY_PLACEHOLDER } from '../../shared/pipeline/recovery/state-guard';
import { RETRY_FAILURES_ENV } from '../../shared/wiring/function-env';
import { type RecoveryMetricName, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { pipelineMetric } from './monitoring-metrics';
import { functionEntry } from './pipeline-function';
import { type ScheduledFunctionSettings, scheduledFunction } from './scheduled-function';

/** The poller's DynamoDB calls: look up arrivals and attempts, count attempts. Nothing more. */
export const RECOVERY_TABLE_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] as const;

/** The interval is between two polls; a poll takes less than the interval. */
export interface FailureRecoveryProps extends ScheduledFunctionSettings {
  /** The dedupe table, where the normalizer records arrivals and the poller keeps its attempts. */
  readonly table: ITable;
  /** Retries per failure before giving up on it. */
  readonly maxAttempts: number;
  /**
   * The custom domain whose served certificate each poll compares with the chains pinned at bunq.
   * @default - no certificate check
   */
  readonly certificateCheckHost?: string;
  /** bunq API base URL including `/v1`. */
  readonly bunqBaseUrl: string;
  /** How long a failure's attempt record lives after its last change. */
  readonly attemptTtl: Duration;
  /**
   * Our callback base URL, with partner onboarding: the poller attributes the fleet's failures by it.
   * @default - no attribution
   */
  readonly callbackBaseUrl?: string;
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
    // The placeholder is not a secret; the operator's key replaces it outside CloudFormation, which leaves
    // the value alone as long as this template value does not change.
    this.stateSecret = new Secret(this, 'BunqState', {
      description:
        'bunq API state of the failure poller: put {"apiKey":"<bunq API key>"} here; the poller adds its installation and session',
      secretObjectValue: { apiKey: SecretValue.unsafePlainText(API_KEY_PLACEHOLDER) },
    });

    const poller = scheduledFunction(this, 'RetryFailures', props, {
      owner: 'FailureRecovery',
      stateSecret: this.stateSecret,
      scheduleDescription: (minutes) => `Polls bunq for failed callbacks every ${minutes} minute(s)`,
      entry: functionEntry('retry-failures'),
      description: 'Re-triggers the bunq callbacks bunq gave up on; gives up after the configured attempts',
      serviceName: SERVICE_NAMES.retryFailures,
      environment: {
        [RETRY_FAILURES_ENV.bunqStateSecretArn]: this.stateSecret.secretArn,
        [RETRY_FAILURES_ENV.bunqBaseUrl]: props.bunqBaseUrl,
        [RETRY_FAILURES_ENV.tableName]: props.table.tableName,
        [RETRY_FAILURES_ENV.maxAttempts]: String(props.maxAttempts),
        [RETRY_FAILURES_ENV.attemptTtlSeconds]: String(props.attemptTtl.toSeconds()),
        ...(props.certificateCheckHost === undefined
          ? {}
          : { [RETRY_FAILURES_ENV.certificateCheckHost]: props.certificateCheckHost }),
        ...(props.callbackBaseUrl === undefined
          ? {}
          : { [RETRY_FAILURES_ENV.callbackBaseUrl]: props.callbackBaseUrl }),
      },
    });
    this.function = poller.pipelineFunction.function;
    this.schedule = poller.schedule;
    props.table.grant(this.function, ...RECOVERY_TABLE_ACTIONS);
  }

  /** One of the function's metrics (namespace `BunqWebhooks`, dimension `service`), for alarms. */
  metric(name: RecoveryMetricName, options: MetricOptions = {}): Metric {
    return pipelineMetric(SERVICE_NAMES.retryFailures, name, Duration.minutes(5)).with(options);
  }
}
