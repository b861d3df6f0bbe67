/**
 * The dashboard of the flow, from callbacks in to events out: the alarms' states on top, then a graph per
 * stage. Built by {@link Monitoring}, in its scope (so the construct ids are those of the monitoring construct).
 */
import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  MathExpression,
  Stats,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import {
  type EmittedMetricName,
  type EmittingService,
  INGEST_METRICS,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  type MetricDimension,
  NORMALIZE_METRICS,
  RECOVERY_METRICS,
  SERVICE_NAMES,
} from '../../shared/wiring/metrics';
import type { MonitoredDeadLetterQueue, MonitoredFailureRecovery, MonitoringProps } from './monitoring';
import { pipelineMetric, ruleMetric } from './monitoring-metrics';

/** What the dashboard shows, beyond the monitoring construct's props. */
export interface DashboardInput {
  readonly props: MonitoringProps;
  /** Period of the count graphs. */
  readonly period: Duration;
  /** The alarms, for the status widget. */
  readonly alarms: readonly Alarm[];
  readonly deadLetterQueues: readonly MonitoredDeadLetterQueue[];
  readonly recovery: MonitoredFailureRecovery | undefined;
}

/** Creates the dashboard (construct id `Dashboard`) in `scope`. */
export function createDashboard(scope: Construct, input: DashboardInput): Dashboard {
  const { props, period, deadLetterQueues, recovery } = input;
  const seconds = period.toSeconds();
  // One line per dimension value (category, reason): a graph may SEARCH, an alarm may not.
  const byDimension = (service: EmittingService, metricName: EmittedMetricName, dimension: MetricDimension) =>
    new MathExpression({
      expression: `SEARCH('{${METRICS_NAMESPACE},${dimension},${METRIC_DIMENSIONS.service}} MetricName="${metricName}" ${METRIC_DIMENSIONS.service}="${service}"', 'Sum', ${seconds})`,
      usingMetrics: {},
      period,
    });
  const { ingest, normalize } = SERVICE_NAMES;
  const metric = (service: EmittingService, metricName: EmittedMetricName, statistic?: string) =>
    pipelineMetric(service, metricName, period, statistic);
  const wide = { width: 12, height: 6 } as const;

  const dashboard = new Dashboard(scope, 'Dashboard', { defaultInterval: Duration.hours(3) });
  dashboard.addWidgets(
    new TextWidget({
      markdown:
        '# bunq webhooks\nCallbacks in, events out. Every alarm has a runbook entry in docs/OPERATIONS.md (section Runbook).',
      width: 24,
      height: 2,
    }),
  );
  dashboard.addWidgets(
    new AlarmStatusWidget({ title: 'Alarms', alarms: [...input.alarms], width: 24, height: 4 }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Callbacks in',
      left: [
        // 200 only once queued: API Gateway's requests less its 4xx and 5xx answers.
        new MathExpression({
          expression: 'requests - rejected - failed',
          usingMetrics: {
            requests: props.api.metricCount({ statistic: Stats.SUM, period }),
            rejected: props.api.metricClientError({ statistic: Stats.SUM, period }),
            failed: props.api.metricServerError({ statistic: Stats.SUM, period }),
          },
          label: 'accepted',
          period,
        }),
        metric(ingest, INGEST_METRICS.callbacksRejected).with({ label: 'rejected' }),
        metric(ingest, INGEST_METRICS.enqueueFailed).with({ label: 'enqueue failed (503)' }),
      ],
      ...wide,
    }),
    new GraphWidget({
      title: 'Events out, by category',
      left: [byDimension(normalize, NORMALIZE_METRICS.eventsPublished, METRIC_DIMENSIONS.category)],
      ...wide,
    }),
  );
  const third = { width: 8, height: 6 } as const;
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Duplicates suppressed and claim checks',
      left: [
        metric(normalize, NORMALIZE_METRICS.duplicatesSuppressed).with({ label: 'duplicates suppressed' }),
        metric(normalize, NORMALIZE_METRICS.claimChecked).with({ label: 'claim-checked objects' }),
      ],
      ...third,
    }),
    new GraphWidget({
      title: 'Schema mismatches, by object type',
      left: [byDimension(normalize, NORMALIZE_METRICS.schemaMismatch, METRIC_DIMENSIONS.objectType)],
      ...third,
    }),
    new GraphWidget({
      title: 'Time to acknowledge (ms)',
      // API Gateway's Latency: from its receipt of the request to its answer (the queue accepted it first).
      left: [Stats.p(50), Stats.p(99), Stats.MAXIMUM].map((statistic) =>
        props.api.metricLatency({ statistic, period }).with({ label: statistic }),
      ),
      ...third,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Callbacks queue',
      left: [
        props.callbackQueue
          .metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, period })
          .with({ label: 'age of oldest (s)' }),
      ],
      right: [
        props.callbackQueue
          .metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period })
          .with({ label: 'waiting' }),
        props.callbackQueue
          .metricApproximateNumberOfMessagesNotVisible({ statistic: Stats.MAXIMUM, period })
          .with({ label: 'in flight or delayed' }),
      ],
      ...wide,
    }),
    new GraphWidget({
      title: 'Dead-letter queues (messages)',
      left: deadLetterQueues.map((dlq) =>
        dlq.queue
          .metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, period })
          .with({ label: dlq.name }),
      ),
      ...wide,
    }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Dead-lettered by the normalizer, by reason',
      left: [byDimension(normalize, NORMALIZE_METRICS.deadLettered, METRIC_DIMENSIONS.reason)],
      ...wide,
    }),
    new GraphWidget({
      title: 'Rejected callbacks, by reason',
      left: [byDimension(ingest, INGEST_METRICS.callbacksRejected, METRIC_DIMENSIONS.reason)],
      ...wide,
    }),
  );
  if ((props.routes ?? []).length > 0) {
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Route deliveries',
        left: (props.routes ?? []).map((route) =>
          ruleMetric(props.bus, route.ruleName, 'Invocations', period).with({ label: route.name }),
        ),
        ...wide,
      }),
      new GraphWidget({
        title: 'Route deliveries failed',
        left: (props.routes ?? []).map((route) =>
          ruleMetric(props.bus, route.ruleName, 'FailedInvocations', period).with({ label: route.name }),
        ),
        ...wide,
      }),
    );
  }
  if (recovery !== undefined) {
    const pollPeriod = Duration.minutes(Math.max(period.toMinutes(), recovery.interval.toMinutes()));
    dashboard.addWidgets(
      new GraphWidget({
        title: 'Failure backlog',
        left: [
          recovery
            .metric(RECOVERY_METRICS.outstanding)
            .with({ statistic: Stats.MAXIMUM, period: pollPeriod, label: 'failed callbacks outstanding' }),
        ],
        ...wide,
      }),
      new GraphWidget({
        title: 'Failure retries',
        left: [
          RECOVERY_METRICS.retriesRequested,
          RECOVERY_METRICS.retriesExhausted,
          RECOVERY_METRICS.pollErrors,
          RECOVERY_METRICS.heartbeat,
        ].map((name) => recovery.metric(name).with({ period: pollPeriod, label: name })),
        ...wide,
      }),
    );
  }
  return dashboard;
}
