/**
 * Reconciliation of the callbacks bunq never sent and never reported: the reconcile function on its own
 * EventBridge Scheduler schedule, with the failure poller's bunq state secret.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { RateLimitScope } from '../../shared/bunq/api/rate-gate';
import { RECONCILE_FLEET_ENV } from '../../shared/wiring/fleet-reconcile';
import { RECONCILE_ENV } from '../../shared/wiring/function-env';
import { type ReconcileMetricName, SERVICE_NAMES } from '../../shared/wiring/metrics';
import { pipelineMetric } from './monitoring-metrics';
import { functionEntry } from './pipeline-function';
import {
  BUNQ_STATE_SECRET_ACTIONS,
  type ScheduledFunctionSettings,
  scheduledFunction,
} from './scheduled-function';

/** The reconciler's DynamoDB calls: look up arrivals, read and write its cursor. */
export const RECONCILE_TABLE_ACTIONS = [
  'dynamodb:BatchGetItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  // Notes a retry it asks bunq for on the callback's arrival item, as the failure poller does.
  'dynamodb:UpdateItem',
] as const;

/** The reconciler's calls on the fleet registry table: it lists the fleet. */
export const FLEET_RECONCILE_TABLE_ACTIONS = ['dynamodb:Scan'] as const;

/**
 * How long one invocation may go on starting fleet users: the timeout less a minute (half of a timeout under
 * two minutes), so the users still running (up to 50 pages each, at bunq's rate) can finish in time.
 */
export function fleetReconcileBudget(timeout: Duration): Duration {
  const headroom = Math.min(60, timeout.toSeconds() / 2);
  return Duration.millis((timeout.toSeconds() - headroom) * 1_000);
}

/** The partner's fleet, for a reconciler that reconciles it too. */
export interface ReconcilerFleetProps {
  /** The fleet registry table. */
  readonly table: ITable;
  /** The name prefix of the provisioned users' credential secrets. */
  readonly credentialSecretPrefix: string;
  /** What bunq's rate limits are counted per. */
  readonly rateLimitScope: RateLimitScope;
}

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
 * Permissions: get and put the bunq state secret's value; read the token secret (only with `repairFilters`
 * or the fleet); batch-get, get, put and update items in the table; send messages to the callbacks queue;
 * with the fleet ({@link reconcileFleet}), scan the fleet table and get and put the fleet's credential secrets.
 */
export class Reconciler extends Construct {
  public readonly function: NodejsFunction;
  public readonly schedule: Schedule;
  /** Time between two runs, for alarm periods. */
  public readonly interval: Duration;
  private readonly props: ReconcilerProps;

  constructor(scope: Construct, id: string, props: ReconcilerProps) {
    super(scope, id);
    this.interval = props.interval;
    this.props = props;
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

  /**
   * Reconciles the partner's fleet too (with partner onboarding): lists the registry, reads and writes back
   * each user's credential secret (its session), reads the callback token for the users' URLs, and stops
   * starting users after {@link fleetReconcileBudget} of its timeout.
   */
  reconcileFleet(fleet: ReconcilerFleetProps): void {
    const fn = this.function;
    fn.addEnvironment(RECONCILE_FLEET_ENV.fleetTableName, fleet.table.tableName);
    fn.addEnvironment(RECONCILE_FLEET_ENV.rateLimitScope, fleet.rateLimitScope);
    fn.addEnvironment(
      RECONCILE_FLEET_ENV.budgetMs,
      String(fleetReconcileBudget(this.props.timeout).toMilliseconds()),
    );
    if (!this.props.repairFilters) {
      fn.addEnvironment(RECONCILE_ENV.tokenSecretArn, this.props.tokenSecret.secretArn);
      this.props.tokenSecret.grantRead(fn);
    }
    fleet.table.grant(fn, ...FLEET_RECONCILE_TABLE_ACTIONS);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [...BUNQ_STATE_SECRET_ACTIONS],
        resources: [
          Stack.of(this).formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${fleet.credentialSecretPrefix}*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );
  }

  /** One of the function's metrics (namespace `BunqWebhooks`, dimension `service`), for alarms. */
  metric(name: ReconcileMetricName, options: MetricOptions = {}): Metric {
    return pipelineMetric(SERVICE_NAMES.reconcile, name, Duration.minutes(5)).with(options);
  }
}
