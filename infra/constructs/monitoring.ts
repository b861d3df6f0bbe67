/**
 * The operator's view: an alarm on every way a callback can be lost or stuck, each into one encrypted SNS
 * topic and each saying what it means and what to do; and a dashboard of the flow, from callbacks in to
 * events out (built in `monitoring-dashboard.ts`). docs/OPERATIONS.md has a runbook entry per alarm, under the
 * same name.
 */
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type Dashboard,
  type IMetric,
  type Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmThresholds } from '../../shared/config/monitoring-config';
import { PIN_RENEWAL_WARNING_DAYS } from '../../shared/pipeline/recovery/pinned-certificates';
import {
  INGEST_METRICS,
  NORMALIZE_METRICS,
  ONBOARD_METRICS,
  type OnboardMetricName,
  RECONCILE_METRICS,
  RECOVERY_METRICS,
  type ReconcileMetricName,
  type RecoveryMetricName,
  SERVICE_NAMES,
} from '../../shared/wiring/metrics';
import { createDashboard } from './monitoring-dashboard';
import { pipelineMetric, ruleMetric } from './monitoring-metrics';

/** The anchor of each alarm's runbook entry in docs/OPERATIONS.md (`## Runbook`). */
const RUNBOOK = 'docs/OPERATIONS.md#runbook';

/**
 * `wanted` evaluation periods of `period`, at least one and at most what fits in a day (CloudWatch's limit on
 * an alarm's evaluation range for periods under an hour; a day of polls is plenty of evidence anyway).
 */
function periodsWithinADay(wanted: number, period: Duration): number {
  return Math.max(1, Math.min(wanted, Math.floor(1_440 / period.toMinutes())));
}

/** CloudWatch's limit on an alarm description. */
const MAX_ALARM_DESCRIPTION = 1_024;

/** A function the alarms watch, with a short name for alarm names and titles. */
export interface MonitoredFunction {
  /** Short name, e.g. `Ingest`. */
  readonly name: string;
  readonly function: IFunction;
  /** What its errors mean for callbacks, for the alarm description. */
  readonly impact: string;
}

/** A dead-letter queue the alarms watch. */
export interface MonitoredDeadLetterQueue {
  /** Short name, e.g. `Callbacks` or `Route-payments`. */
  readonly name: string;
  readonly queue: IQueue;
  /** What is on it and how to get it out, for the alarm description. */
  readonly whatToDo: string;
}

/** A route's rule the alarms watch. */
export interface MonitoredRoute {
  /** The route's name. */
  readonly name: string;
  /** The rule's name (the `RuleName` dimension of EventBridge's metrics). */
  readonly ruleName: string;
}

/** What the alarms need of the failure poller, when it runs. */
export interface MonitoredFailureRecovery {
  /** The retry-failures function. */
  readonly function: IFunction;
  /** Time between two polls. */
  readonly interval: Duration;
  /** One of the poller's metrics (namespace `BunqWebhooks`, dimension `service`). */
  metric(name: RecoveryMetricName): Metric;
  /**
   * Whether the poller checks the pinned certificate (with a custom domain); its two alarms exist only then.
   * @default false
   */
  readonly checksPinnedCertificate?: boolean;
}

/** What the alarms need of the reconciler, when it runs. */
export interface MonitoredReconciler {
  /** Time between two runs. */
  readonly interval: Duration;
  /** One of the reconciler's metrics (namespace `BunqWebhooks`, dimension `service`). */
  metric(name: ReconcileMetricName): Metric;
}

/** What the alarms need of partner onboarding, when it runs. */
export interface MonitoredOnboarding {
  /** The onboard function. */
  readonly function: IFunction;
  /** Where jobs go that failed every delivery. */
  readonly deadLetterQueue: IQueue;
  /** One of the onboarding's metrics (namespace `BunqWebhooks`, dimension `service`). */
  metric(name: OnboardMetricName): Metric;
}

export interface MonitoringProps {
  /** The thresholds (`monitoring.thresholds` of the configuration, defaults resolved). */
  readonly thresholds: AlarmThresholds;
  /**
   * Period of the count alarms.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
  /**
   * E-mail addresses subscribed to the alarm topic.
   * @default - none
   */
  readonly alarmEmails?: readonly string[];
  /**
   * Whether to create the dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Prefix of every alarm name.
   * @default - the stack name and "-"
   */
  readonly alarmNamePrefix?: string;
  /** The callback endpoint. */
  readonly api: IHttpApi;
  /** The ingest function. */
  readonly ingestFunction: IFunction;
  /** The normalize function. */
  readonly normalizeFunction: IFunction;
  /** The callbacks queue. */
  readonly callbackQueue: IQueue;
  /** The callbacks dead-letter queue. */
  readonly callbackDeadLetterQueue: IQueue;
  /** The pipeline's bus (the `EventBusName` dimension of the rules' metrics). */
  readonly bus: IEventBus;
  /**
   * The routes' rules and their dead-letter queues.
   * @default - none
   */
  readonly routes?: readonly (MonitoredRoute & { readonly deadLetterQueue: IQueue })[];
  /**
   * The failure poller; its alarms exist only with it.
   * @default - no failure poller
   */
  readonly failureRecovery?: MonitoredFailureRecovery;
  /**
   * The reconciler; its alarms exist only with it.
   * @default - no reconciler
   */
  readonly reconciler?: MonitoredReconciler;
  /**
   * Partner onboarding; its alarms exist only with it.
   * @default - no partner onboarding
   */
  readonly partnerOnboarding?: MonitoredOnboarding;
}

/**
 * Alarms into one SNS topic (encrypted with a KMS key of its own that CloudWatch may use; TLS only; optional
 * e-mail subscriptions), and a dashboard. Alarms notify when they fire and when they clear.
 */
export class Monitoring extends Construct {
  /** Where every alarm (and its recovery) is sent. Subscribe your on-call tooling to it. */
  public readonly topic: Topic;
  /** The key {@link topic} is encrypted with. */
  public readonly topicKey: Key;
  /** Every alarm, by its id (the alarm name without the prefix). */
  public readonly alarms: ReadonlyMap<string, Alarm>;
  /** The dashboard, unless disabled. */
  public readonly dashboard: Dashboard | undefined;

  private readonly alarmList = new Map<string, Alarm>();
  private readonly prefix: string;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const t = props.thresholds;
    const period = props.period ?? Duration.minutes(5);
    const periodText = `${period.toMinutes()} minute(s)`;
    this.prefix = props.alarmNamePrefix ?? `${Stack.of(this).stackName}-`;

    // CloudWatch can only publish to an encrypted topic whose customer managed key lets it (the AWS
    // managed aws/sns key does not).
    this.topicKey = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the bunq webhooks alarm topic; CloudWatch alarms may use it',
      enableKeyRotation: true,
    });
    this.topicKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        // Only on behalf of this account's alarms: CloudWatch acting for another account cannot use the key.
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'bunq webhooks alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // The topic policy (TLS only) replaces SNS's default policy, so CloudWatch is allowed explicitly, for
    // this account's alarms only.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*`,
          },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
    for (const email of props.alarmEmails ?? []) this.topic.addSubscription(new EmailSubscription(email));
    this.action = new SnsAction(this.topic);

    // --- Failure recovery: callbacks bunq gave up on.
    const recovery = props.failureRecovery;
    if (recovery !== undefined) {
      const pollMinutes = recovery.interval.toMinutes();
      const backlogPeriod = Duration.minutes(Math.max(5, pollMinutes));
      const backlogPeriods = periodsWithinADay(
        Math.ceil(t.failedCallbacksOutstandingMinutes / backlogPeriod.toMinutes()),
        backlogPeriod,
      );
      this.addAlarm('FailureBacklog', {
        metric: recovery
          .metric(RECOVERY_METRICS.outstanding)
          .with({ statistic: Stats.MAXIMUM, period: backlogPeriod }),
        threshold: t.failedCallbacksOutstanding,
        evaluationPeriods: backlogPeriods,
        datapointsToAlarm: backlogPeriods,
        treatMissingData: TreatMissingData.IGNORE,
        description:
          `bunq lists more than ${t.failedCallbacksOutstanding} failed callback(s) that have not arrived, for ${t.failedCallbacksOutstandingMinutes} minutes: the poller's retries are not getting them through. ` +
          'Do: check the endpoint is reachable for bunq (Api5xx, CallbacksRejected by reason on the dashboard: a token bunq does not have, a changed source range), then the retry-failures logs for the failing ids.',
      });
      this.addAlarm('RetriesExhausted', {
        metric: recovery
          .metric(RECOVERY_METRICS.retriesExhausted)
          .with({ period: Duration.minutes(Math.max(period.toMinutes(), pollMinutes)) }),
        threshold: t.retriesExhausted,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `The failure poller gave up on more than ${t.retriesExhausted} failed callback(s) after recovery.maxAttempts retries: bunq will not send them again. ` +
          'Do: find the ids in the retry-failures logs ("giving up"), fix why they fail, and fetch those objects from the bunq API.',
      });
      const heartbeatPeriods = periodsWithinADay(t.pollerHeartbeatMissedPolls, recovery.interval);
      this.addAlarm('PollerHeartbeatMissing', {
        metric: recovery.metric(RECOVERY_METRICS.heartbeat).with({ period: recovery.interval }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: heartbeatPeriods,
        datapointsToAlarm: heartbeatPeriods,
        treatMissingData: TreatMissingData.BREACHING,
        description:
          `No PollerHeartbeat for ${heartbeatPeriods} poll interval(s) of ${pollMinutes} minute(s): the failure poller is not running, so callbacks bunq gave up on are not recovered. ` +
          'Do: check the FailureRecovery schedule is enabled, and the retry-failures function for errors, throttles and its logs.',
      });
      const errorPolls = periodsWithinADay(t.pollErrorsConsecutivePolls, recovery.interval);
      this.addAlarm('PollErrors', {
        metric: recovery.metric(RECOVERY_METRICS.pollErrors).with({ period: recovery.interval }),
        threshold: 0,
        evaluationPeriods: errorPolls,
        datapointsToAlarm: errorPolls,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `The last ${errorPolls} poll(s) of bunq's failed callbacks failed (PollErrors): nothing is being recovered. ` +
          'Do: read the reason in the retry-failures logs; most often the bunq API key in the BunqState secret is missing, still the placeholder, or revoked: put {"apiKey":"<key>"} there.',
      });
      if (recovery.checksPinnedCertificate === true) this.addPinAlarms(recovery);
    }

    // --- Reconciliation: callbacks bunq never sent, and filter drift.
    const onboarding = props.partnerOnboarding;
    if (onboarding !== undefined) {
      this.addAlarm('OnboardingFailures', {
        metric: onboarding.metric(ONBOARD_METRICS.onboardingFailures).with({ period }),
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `An onboarding of a provisioned user failed in ${periodText} (OnboardingFailures; the failed step is the reason dimension and the log's "step"); the queue retries it, then parks it on the onboarding dead-letter queue. ` +
          'Do: follow "OnboardingFailures" in docs/OPERATIONS.md (token-exchange: check the OAuth client secret; filters: another integration holds both URLs of a category).',
      });
    }
    const reconciler = props.reconciler;
    if (reconciler !== undefined) {
      const runs = reconciler.interval;
      this.addAlarm('MissedByBunq', {
        metric: reconciler.metric(RECONCILE_METRICS.missedByBunq).with({ period: runs }),
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          'The reconciler found callbacks in bunq\'s event listing that never arrived and that bunq does not list as failed, and published them from the listing (recoveredBy "reconciliation"). Something stops bunq from sending. ' +
          'Do: check FilterDrift and RejectedCallbacks, then `bunq-webhooks status` (filters, pinned certificates).',
      });
      this.addAlarm('FilterDrift', {
        metric: reconciler
          .metric(RECONCILE_METRICS.filterDrift)
          .with({ statistic: Stats.MAXIMUM, period: runs }),
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.IGNORE,
        description:
          'Our notification filters at bunq differ from what register set (another integration replaced the set, or one of ours has an old token): bunq sends those callbacks nowhere. ' +
          'Do: with recovery.reconcile.repairFilters the next run re-applies them; else run `bunq-webhooks register`.',
      });
      const heartbeatRuns = periodsWithinADay(t.pollerHeartbeatMissedPolls, runs);
      this.addAlarm('ReconcilerHeartbeatMissing', {
        metric: reconciler.metric(RECONCILE_METRICS.heartbeat).with({ period: runs }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: heartbeatRuns,
        datapointsToAlarm: heartbeatRuns,
        treatMissingData: TreatMissingData.BREACHING,
        description:
          `No ReconcilerHeartbeat for ${heartbeatRuns} run interval(s): callbacks bunq never sends go unnoticed. ` +
          'Do: check the Reconciler schedule is enabled, and the reconcile function for errors, throttles and its logs.',
      });
      const errorRuns = periodsWithinADay(t.pollErrorsConsecutivePolls, runs);
      this.addAlarm('ReconcileErrors', {
        metric: reconciler.metric(RECONCILE_METRICS.errors).with({ period: runs }),
        threshold: 0,
        evaluationPeriods: errorRuns,
        datapointsToAlarm: errorRuns,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `The last ${errorRuns} reconciler run(s) failed a step (ReconcileErrors). ` +
          'Do: read the step and bunq\'s answer in the reconcile logs ("reconcile: ... failed"); the cursor waits, nothing is skipped.',
      });
    }

    // --- The callbacks queue and every dead-letter queue.
    this.addAlarm('CallbackQueueAge', {
      metric: props.callbackQueue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, period }),
      threshold: t.callbackQueueAgeSeconds,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        `The oldest callback waiting for the normalizer is older than ${t.callbackQueueAgeSeconds} s: it is failing or falling behind. Callbacks stay safe on the queue for queue.retentionDays. ` +
        'Do: check the Normalize function errors and logs (EventBridge or DynamoDB failures, throttling), fix, and watch the age fall.',
    });
    const deadLetterQueues: MonitoredDeadLetterQueue[] = [
      {
        name: 'Callbacks',
        queue: props.callbackDeadLetterQueue,
        whatToDo:
          'Callbacks that could not become events are on the callbacks dead-letter queue; the deadLetterReason attribute says why (none: a transient failure outlasted queue.maxReceiveCount). Do: fix the cause, then npx bunq-webhooks redrive --stack <stack>.',
      },
      ...(props.routes ?? []).map((route) => ({
        name: `Route-${route.name}`,
        queue: route.deadLetterQueue,
        whatToDo: `Events of route "${route.name}" could not be delivered to its target within its retry policy (ERROR_CODE and ERROR_MESSAGE attributes say why). Do: fix the target or its permissions for the route's role, then replay the time window from the archive to rule ${route.ruleName}.`,
      })),
      ...(onboarding === undefined
        ? []
        : [
            {
              name: 'Onboarding',
              queue: onboarding.deadLetterQueue,
              whatToDo:
                'Onboardings of provisioned users failed every delivery (OnboardingFailures says at which step). Do: fix the cause, then move the messages back to the onboarding queue (SQS "Start DLQ redrive"); an expired OAuth code needs the provision to be re-activated.',
            },
          ]),
    ];
    for (const dlq of deadLetterQueues) {
      this.addAlarm(`${dlq.name}-DeadLetterQueue`, {
        metric: dlq.queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period }),
        threshold: t.deadLetterQueueMessages,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description: `More than ${t.deadLetterQueueMessages} message(s) on a dead-letter queue. ${dlq.whatToDo}`,
      });
    }

    // --- Functions, endpoint, normalizer and ingest.
    const functions: MonitoredFunction[] = [
      {
        name: 'Ingest',
        function: props.ingestFunction,
        impact: 'callbacks were answered 5xx (bunq retries them)',
      },
      {
        name: 'Normalize',
        function: props.normalizeFunction,
        impact: 'whole batches were retried and may end on the dead-letter queue',
      },
      ...(recovery === undefined
        ? []
        : [
            {
              name: 'RetryFailures',
              function: recovery.function,
              impact: 'polls of failed callbacks did not run',
            },
          ]),
      ...(onboarding === undefined
        ? []
        : [{ name: 'Onboard', function: onboarding.function, impact: 'onboarding jobs are retried' }]),
    ];
    for (const fn of functions) {
      this.addAlarm(`${fn.name}-Errors`, {
        metric: fn.function.metricErrors({ statistic: Stats.SUM, period }),
        threshold: t.functionErrors,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `The ${fn.name} function failed more than ${t.functionErrors} time(s) in ${periodText}: ${fn.impact}. ` +
          'Do: read the errors in its log group (JSON, with request ids), fix, and check the dead-letter queue alarms.',
      });
      this.addAlarm(`${fn.name}-Throttles`, {
        metric: fn.function.metricThrottles({ statistic: Stats.SUM, period }),
        threshold: t.functionThrottles,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `Lambda throttled the ${fn.name} function more than ${t.functionThrottles} time(s) in ${periodText}: ${fn.impact}. ` +
          'Do: check the account concurrency (other functions using it up) and raise the Lambda concurrency quota or reserve concurrency.',
      });
    }
    this.addAlarm('Api5xx', {
      metric: props.api.metricServerError({ statistic: Stats.SUM, period }),
      threshold: t.api5xx,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        `The callback endpoint answered 5xx more than ${t.api5xx} time(s) in ${periodText}; a 503 means the queue refused a callback (EnqueueFailed). bunq retries for about 5 minutes, then the failure poller takes over. ` +
        'Do: check the Ingest function errors and logs, and SQS health in the region.',
    });
    this.addAlarm('DeadLettered', {
      metric: pipelineMetric(SERVICE_NAMES.normalize, NORMALIZE_METRICS.deadLettered, period),
      threshold: t.deadLettered,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        `The normalizer parked more than ${t.deadLettered} callback(s) on the dead-letter queue in ${periodText} (DeadLettered; by reason on the dashboard: invalid-json, invalid-envelope, event-rejected, event-too-large...). ` +
        'Do: read the deadLetterReason and deadLetterDetail attributes of the messages, fix the cause, then npx bunq-webhooks redrive --stack <stack>.',
    });
    this.addAlarm('RejectedCallbacks', {
      metric: pipelineMetric(SERVICE_NAMES.ingest, INGEST_METRICS.callbacksRejected, period),
      threshold: t.rejectedCallbacks,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        `More than ${t.rejectedCallbacks} callbacks rejected in ${periodText} (CallbacksRejected). Rejected callbacks are not kept: bunq retries them, then lists them as failed. ` +
        "Do: read the reasons on the dashboard. invalid-token: bunq calls with an old URL (finish the token rotation, re-register the URL) or someone is probing; source-not-allowed: bunq's range changed (update ingest.allowedSourceCidrs); body-too-large: raise ingest.maxBodyBytes.",
    });

    // --- Route deliveries.
    for (const route of props.routes ?? []) {
      this.addAlarm(`Route-${route.name}-FailedInvocations`, {
        metric: ruleMetric(props.bus, route.ruleName, 'FailedInvocations', period),
        threshold: t.ruleFailedInvocations,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `EventBridge gave up delivering more than ${t.ruleFailedInvocations} event(s) of route "${route.name}" (rule ${route.ruleName}) in ${periodText}, after its retry policy; they are on the route's dead-letter queue. ` +
          "Do: check the target exists and lets the route's role in (another account: its resource policy), then replay them from the archive to this rule.",
      });
      this.addAlarm(`Route-${route.name}-DeadLetterFailures`, {
        metric: ruleMetric(props.bus, route.ruleName, 'InvocationsFailedToBeSentToDlq', period),
        threshold: 0,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        description:
          `Events of route "${route.name}" could neither be delivered nor put on its dead-letter queue: the route lost them (the archive still has them). ` +
          "Do: check the route's dead-letter queue exists and its policy allows the rule, then replay the time window from the archive to this rule.",
      });
    }

    this.alarms = this.alarmList;
    this.dashboard =
      props.dashboard === false
        ? undefined
        : createDashboard(this, {
            props,
            period,
            alarms: [...this.alarmList.values()],
            deadLetterQueues,
            recovery,
          });
  }

  /** The pinned-certificate alarms: bunq cancels every callback once the pin and the served certificate differ. */
  private addPinAlarms(recovery: MonitoredFailureRecovery): void {
    const checkPeriod = Duration.minutes(Math.max(5, recovery.interval.toMinutes()));
    this.addAlarm('PinnedCertificateExpiry', {
      metric: recovery
        .metric(RECOVERY_METRICS.pinnedCertificateDaysToExpiry)
        .with({ statistic: Stats.MINIMUM, period: checkPeriod }),
      threshold: PIN_RENEWAL_WARNING_DAYS,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        `A certificate pinned at bunq expires in less than ${PIN_RENEWAL_WARNING_DAYS} days: once the custom domain serves its successor, bunq cancels every callback until the new chain is pinned. ` +
        'Do: get the renewed certificate (ACM renews about 60 days ahead), pin its chain with bunq-webhooks pin-certificate --certificate-file, and unpin the old one once the domain serves the new one.',
    });
    this.addAlarm('PinnedCertificateMismatch', {
      metric: recovery
        .metric(RECOVERY_METRICS.pinnedCertificateMismatch)
        .with({ statistic: Stats.MAXIMUM, period: checkPeriod }),
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      description:
        'No certificate pinned at bunq is the one the custom domain serves: bunq cancels every callback (they become failures the poller cannot get through). ' +
        'Do: bunq-webhooks status shows the pins; pin the served chain now (bunq-webhooks pin-certificate --host <domain>), or unpin to let callbacks through unchecked.',
    });
  }

  private addAlarm(
    id: string,
    options: {
      readonly metric: IMetric;
      readonly threshold: number;
      readonly evaluationPeriods: number;
      readonly datapointsToAlarm?: number;
      readonly comparisonOperator?: ComparisonOperator;
      readonly treatMissingData: TreatMissingData;
      readonly description: string;
    },
  ): Alarm {
    const alarmDescription = `${options.description} Runbook: ${RUNBOOK} (${id}).`;
    if (alarmDescription.length > MAX_ALARM_DESCRIPTION) {
      throw new Error(
        `The description of alarm ${id} is over CloudWatch's ${MAX_ALARM_DESCRIPTION} characters`,
      );
    }
    const alarm = new Alarm(this, id, {
      alarmName: `${this.prefix}${id}`,
      alarmDescription,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods,
      datapointsToAlarm: options.datapointsToAlarm,
      comparisonOperator: options.comparisonOperator ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: options.treatMissingData,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarmList.set(id, alarm);
    return alarm;
  }
}
