/**
 * Every alarm on the functions' own metrics watches a metric that a function emits. Most alarms treat missing
 * data as not breaching, so an alarm on a misspelt or removed metric would never fire, and nothing else
 * would tell. The emitting code takes its names from `shared/wiring/metrics.ts` (typed), so a name listed
 * there for a service is one the service can emit; this test holds the alarms to that list.
 */

import * as path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { loadConfig } from '../../infra/app-settings';
import { BunqWebhooksStack } from '../../infra/bunq-webhooks-stack';
import {
  EMITTED_METRICS,
  type EmittingService,
  METRIC_DIMENSIONS,
  METRICS_NAMESPACE,
  SERVICE_NAMES,
} from '../../shared/wiring/metrics';
import { cdkJsonContext, PROJECT_ROOT, SKIP_BUNDLING_CONTEXT, SYNTH_TIMEOUT_MS } from './support/synth';

interface WatchedMetric {
  readonly alarm: string;
  readonly metricName: string;
  readonly service: string | undefined;
}

interface MetricShape {
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: readonly { readonly Name: string; readonly Value: unknown }[];
}

/** The metrics in our namespace that the template's alarms watch (plain and metric-math alarms alike). */
function watchedMetrics(template: Template): WatchedMetric[] {
  const watched: WatchedMetric[] = [];
  for (const [id, resource] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
    const props = resource.Properties as MetricShape & {
      readonly AlarmName?: unknown;
      readonly Metrics?: readonly { readonly MetricStat?: { readonly Metric?: MetricShape } }[];
    };
    const shapes: MetricShape[] = [props, ...(props.Metrics ?? []).map((m) => m.MetricStat?.Metric ?? {})];
    for (const shape of shapes) {
      if (shape.Namespace !== METRICS_NAMESPACE || shape.MetricName === undefined) continue;
      const service = shape.Dimensions?.find((d) => d.Name === METRIC_DIMENSIONS.service)?.Value;
      watched.push({
        alarm: typeof props.AlarmName === 'string' ? props.AlarmName : id,
        metricName: shape.MetricName,
        service: typeof service === 'string' ? service : undefined,
      });
    }
  }
  return watched;
}

/** The watched metrics no service emits under that service's name. */
function unemitted(watched: readonly WatchedMetric[]): WatchedMetric[] {
  return watched.filter((metric) => {
    const emitted = EMITTED_METRICS[metric.service as EmittingService] as readonly string[] | undefined;
    return emitted === undefined || !emitted.includes(metric.metricName);
  });
}

let template: Template;

beforeAll(() => {
  // Recovery and monitoring on: every alarm the stack can have.
  const app = new App({ context: { ...cdkJsonContext(), ...SKIP_BUNDLING_CONTEXT } });
  const config = loadConfig(path.join(PROJECT_ROOT, 'config', 'examples', 'all-targets.json'));
  template = Template.fromStack(new BunqWebhooksStack(app, 'AlarmMetrics', { config }));
}, SYNTH_TIMEOUT_MS);

describe('alarms on the functions’ metrics', () => {
  it('watch only metrics the functions emit, under the emitting function’s service', () => {
    const watched = watchedMetrics(template);
    // The alarms on our own metrics: callbacks dead-lettered and rejected, the failure poller's four and
    // the reconciler's four.
    expect(watched.length).toBeGreaterThanOrEqual(10);
    expect(new Set(watched.map((metric) => metric.service))).toEqual(
      new Set([
        SERVICE_NAMES.ingest,
        SERVICE_NAMES.normalize,
        SERVICE_NAMES.retryFailures,
        SERVICE_NAMES.reconcile,
      ]),
    );
    expect(unemitted(watched)).toEqual([]);
  });

  it('reports an alarm on a metric no function emits, or under the wrong service', () => {
    const extra = new Stack(new App(), 'Extra');
    const alarm = (id: string, metricName: string, service: string) =>
      new Alarm(extra, id, {
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { service },
          period: Duration.minutes(5),
        }),
        threshold: 0,
        evaluationPeriods: 1,
      });
    alarm('Typo', 'DeadLetterd', SERVICE_NAMES.normalize);
    alarm('WrongService', 'DeadLettered', SERVICE_NAMES.ingest);
    alarm('Right', 'DeadLettered', SERVICE_NAMES.normalize);

    expect(unemitted(watchedMetrics(Template.fromStack(extra))).map((m) => m.metricName)).toEqual([
      'DeadLetterd',
      'DeadLettered',
    ]);
  });
});
