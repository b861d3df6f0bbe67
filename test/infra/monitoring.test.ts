/**
 * Alarms and dashboard: every alarm the issue lists, its metric and threshold, into one encrypted topic, each
 * with what it means and what to do, and a runbook entry in docs/OPERATIONS.md.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../infra/app-settings';
import { BunqWebhooksStack } from '../../infra/bunq-webhooks-stack';
import { type PipelineConfigInput, parsePipelineConfig } from '../../shared/config/pipeline-config';
import { SERVICE_NAMES } from '../../shared/wiring/metrics';
import { cdkJsonContext, PROJECT_ROOT, SKIP_BUNDLING_CONTEXT, SYNTH_TIMEOUT_MS } from './support/synth';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}
type AlarmProps = Record<string, unknown> & {
  AlarmName: string;
  Dimensions?: { Name: string; Value: unknown }[];
};

let full: Template;
let defaults: Template;
let tuned: Template;

function synth(id: string, config: PipelineConfigInput): Template {
  const app = new App({ context: { ...cdkJsonContext(), ...SKIP_BUNDLING_CONTEXT } });
  return Template.fromStack(new BunqWebhooksStack(app, id, { config: parsePipelineConfig(config) }));
}

beforeAll(() => {
  // Recovery on, one route of each target type, an e-mail subscription, rejectedCallbacks 50.
  const app = new App({ context: { ...cdkJsonContext(), ...SKIP_BUNDLING_CONTEXT } });
  const example = loadConfig(path.join(PROJECT_ROOT, 'config', 'examples', 'all-targets.json'));
  full = Template.fromStack(new BunqWebhooksStack(app, 'Full', { config: example }));
  defaults = synth('Defaults', {});
  tuned = synth('Tuned', {
    recovery: { enabled: true, scheduleMinutes: 10, timeoutSeconds: 120 },
    monitoring: {
      periodMinutes: 15,
      dashboard: false,
      thresholds: {
        failedCallbacksOutstanding: 2,
        failedCallbacksOutstandingMinutes: 60,
        retriesExhausted: 1,
        pollerHeartbeatMissedPolls: 4,
        pollErrorsConsecutivePolls: 4,
        callbackQueueAgeSeconds: 600,
        deadLetterQueueMessages: 3,
        functionErrors: 4,
        functionThrottles: 5,
        api5xx: 6,
        deadLettered: 7,
        rejectedCallbacks: 8,
      },
    },
  });
}, SYNTH_TIMEOUT_MS);

function alarms(template: Template): Map<string, AlarmProps> {
  const found = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
  return new Map(
    Object.values(found).map((alarm) => {
      const props = alarm.Properties as AlarmProps;
      return [props.AlarmName.replace(/^[^-]+-/, ''), props];
    }),
  );
}

function alarm(template: Template, id: string): AlarmProps {
  const found = alarms(template).get(id);
  if (found === undefined)
    throw new Error(`no alarm ${id}; there are ${[...alarms(template).keys()].join(', ')}`);
  return found;
}

const service = (name: string) => [{ Name: 'service', Value: name }];
const logicalIdOf = (template: Template, type: string, props: Record<string, unknown> = {}) => {
  const ids = Object.keys(template.findResources(type, props));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

describe('every alarm of the issue, with its default threshold', () => {
  const expected: Array<[string, Record<string, unknown>]> = [
    [
      'FailureBacklog',
      {
        Namespace: 'BunqWebhooks',
        MetricName: 'FailedCallbacksOutstanding',
        Dimensions: service(SERVICE_NAMES.retryFailures),
        Statistic: 'Maximum',
        Period: 300,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'ignore',
      },
    ],
    [
      'RetriesExhausted',
      {
        MetricName: 'RetriesExhausted',
        Dimensions: service(SERVICE_NAMES.retryFailures),
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
      },
    ],
    [
      'PollerHeartbeatMissing',
      {
        MetricName: 'PollerHeartbeat',
        Dimensions: service(SERVICE_NAMES.retryFailures),
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        TreatMissingData: 'breaching',
      },
    ],
    [
      'PollErrors',
      {
        MetricName: 'PollErrors',
        Threshold: 0,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
      },
    ],
    // The reconciler's four (all-targets runs it every 10 minutes: one period per run).
    [
      'MissedByBunq',
      {
        MetricName: 'MissedByBunq',
        Dimensions: service(SERVICE_NAMES.reconcile),
        Statistic: 'Sum',
        Period: 600,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      },
    ],
    [
      'FilterDrift',
      {
        MetricName: 'FilterDrift',
        Dimensions: service(SERVICE_NAMES.reconcile),
        Statistic: 'Maximum',
        Period: 600,
        Threshold: 0,
        TreatMissingData: 'ignore',
      },
    ],
    [
      'ReconcilerHeartbeatMissing',
      {
        MetricName: 'ReconcilerHeartbeat',
        Dimensions: service(SERVICE_NAMES.reconcile),
        Period: 600,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        TreatMissingData: 'breaching',
      },
    ],
    [
      'ReconcileErrors',
      {
        MetricName: 'ReconcileErrors',
        Dimensions: service(SERVICE_NAMES.reconcile),
        Period: 600,
        Threshold: 0,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        TreatMissingData: 'notBreaching',
      },
    ],
    [
      'CallbackQueueAge',
      {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Statistic: 'Maximum',
        Threshold: 900,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    ],
    [
      'Callbacks-DeadLetterQueue',
      {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 0,
      },
    ],
    ...['payments', 'card-fraud', 'ledger', 'requests', 'audit', 'crm-webhook'].flatMap(
      (route): Array<[string, Record<string, unknown>]> => [
        [
          `Route-${route}-DeadLetterQueue`,
          { MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 },
        ],
        [
          `Route-${route}-FailedInvocations`,
          {
            Namespace: 'AWS/Events',
            MetricName: 'FailedInvocations',
            Dimensions: [
              { Name: 'EventBusName', Value: Match.anyValue() },
              { Name: 'RuleName', Value: `route-${route}` },
            ],
            Statistic: 'Sum',
            Threshold: 0,
            TreatMissingData: 'notBreaching',
          },
        ],
        [
          `Route-${route}-DeadLetterFailures`,
          { Namespace: 'AWS/Events', MetricName: 'InvocationsFailedToBeSentToDlq', Threshold: 0 },
        ],
      ],
    ),
    ...['Ingest', 'Normalize', 'RetryFailures'].flatMap(
      (fn): Array<[string, Record<string, unknown>]> => [
        [`${fn}-Errors`, { Namespace: 'AWS/Lambda', MetricName: 'Errors', Statistic: 'Sum', Threshold: 0 }],
        [
          `${fn}-Throttles`,
          { Namespace: 'AWS/Lambda', MetricName: 'Throttles', Statistic: 'Sum', Threshold: 0 },
        ],
      ],
    ),
    ['Api5xx', { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Statistic: 'Sum', Threshold: 0 }],
    [
      'DeadLettered',
      {
        Namespace: 'BunqWebhooks',
        MetricName: 'DeadLettered',
        Dimensions: service(SERVICE_NAMES.normalize),
        Statistic: 'Sum',
        Threshold: 0,
      },
    ],
    [
      'RejectedCallbacks',
      {
        Namespace: 'BunqWebhooks',
        MetricName: 'CallbacksRejected',
        Dimensions: service(SERVICE_NAMES.ingest),
        Statistic: 'Sum',
        Period: 300,
        // The example raises it from the default 20.
        Threshold: 50,
      },
    ],
  ];

  test.each(expected)('%s', (id, props) => {
    full.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `Full-${id}`, ...props });
  });

  test('and no others', () => {
    expect([...alarms(full).keys()].sort()).toEqual(expected.map(([id]) => id).sort());
  });

  test('the rejected-callbacks default is 20 per 5 minutes', () => {
    expect(alarm(defaults, 'RejectedCallbacks')).toMatchObject({ Threshold: 20, Period: 300 });
  });

  test('the alarms on functions, endpoint and queues watch the pipeline’s own resources', () => {
    const fnId = (variable: string) =>
      logicalIdOf(full, 'AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { [variable]: Match.anyValue() } } },
      });
    expect(alarm(full, 'Ingest-Errors').Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: fnId('CALLBACK_TOKEN_SECRET_ARN') } },
    ]);
    expect(alarm(full, 'Normalize-Errors').Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: fnId('DEDUPE_TABLE_NAME') } },
    ]);
    expect(alarm(full, 'Api5xx').Dimensions).toEqual([
      { Name: 'ApiId', Value: { Ref: logicalIdOf(full, 'AWS::ApiGatewayV2::Api') } },
    ]);
    const callbackQueue = logicalIdOf(full, 'AWS::SQS::Queue', {
      Properties: { RedrivePolicy: Match.anyValue() },
    });
    expect(alarm(full, 'CallbackQueueAge').Dimensions).toEqual([
      { Name: 'QueueName', Value: { 'Fn::GetAtt': [callbackQueue, 'QueueName'] } },
    ]);
  });
});

describe('thresholds come from the configuration', () => {
  test.each([
    ['FailureBacklog', { Threshold: 2, Period: 600, EvaluationPeriods: 6, DatapointsToAlarm: 6 }],
    ['RetriesExhausted', { Threshold: 1, Period: 900 }],
    ['PollerHeartbeatMissing', { Threshold: 1, Period: 600, EvaluationPeriods: 4, DatapointsToAlarm: 4 }],
    ['PollErrors', { Threshold: 0, Period: 600, EvaluationPeriods: 4, DatapointsToAlarm: 4 }],
    ['CallbackQueueAge', { Threshold: 600, Period: 900 }],
    ['Callbacks-DeadLetterQueue', { Threshold: 3, Period: 900 }],
    ['Ingest-Errors', { Threshold: 4, Period: 900 }],
    ['RetryFailures-Throttles', { Threshold: 5, Period: 900 }],
    ['Api5xx', { Threshold: 6, Period: 900 }],
    ['DeadLettered', { Threshold: 7, Period: 900 }],
    ['RejectedCallbacks', { Threshold: 8, Period: 900 }],
  ])('%s', (id, props) => {
    expect(alarm(tuned, id)).toMatchObject(props);
  });
});

describe('the failure poller alarms', () => {
  test('exist only when the poller runs', () => {
    const ids = [...alarms(defaults).keys()];
    for (const id of ['FailureBacklog', 'RetriesExhausted', 'PollerHeartbeatMissing', 'PollErrors']) {
      expect(ids).not.toContain(id);
    }
    expect(ids).not.toContain('RetryFailures-Errors');
  });

  test('watch the service the retry-failures function runs as', () => {
    full.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: SERVICE_NAMES.retryFailures }) },
    });
  });
});

test('the metrics alarmed on carry the service names the functions run as', () => {
  for (const name of [SERVICE_NAMES.ingest, SERVICE_NAMES.normalize]) {
    full.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: name }) },
    });
  }
});

describe('every alarm', () => {
  test('says what it means and what to do, and points at its runbook entry', () => {
    for (const [id, props] of alarms(full)) {
      const description = String(props.AlarmDescription);
      expect(description).toContain('Do:');
      expect(description).toContain(`Runbook: docs/OPERATIONS.md#runbook (${id})`);
      expect(description.length).toBeLessThanOrEqual(1_024);
    }
  });

  test('notifies the one alarm topic when it fires and when it clears', () => {
    const topic = logicalIdOf(full, 'AWS::SNS::Topic');
    for (const props of alarms(full).values()) {
      expect(props.AlarmActions).toEqual([{ Ref: topic }]);
      expect(props.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  test('has a runbook entry in docs/OPERATIONS.md', () => {
    const readme = readFileSync(path.join(PROJECT_ROOT, 'docs', 'OPERATIONS.md'), 'utf8');
    const runbook = readme.slice(readme.indexOf('## Runbook'));
    expect(runbook.startsWith('## Runbook')).toBe(true);
    for (const id of alarms(full).keys()) {
      const entry = id.replace(
        /^Route-.+?-(DeadLetterQueue|FailedInvocations|DeadLetterFailures)$/,
        'Route-<name>-$1',
      );
      const heading = entry.replace(/^(Ingest|Normalize|RetryFailures)-/, '<Function>-');
      expect(runbook).toContain(`### ${heading}`);
    }
  });
});

describe('the alarm topic', () => {
  test('is encrypted with a rotated key that CloudWatch may use', () => {
    const key = logicalIdOf(full, 'AWS::KMS::Key');
    full.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    full.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  test("refuses requests without TLS and takes alarms of this account's CloudWatch only", () => {
    full.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ]),
      },
    });
  });

  test('has the configured e-mail subscription, and none by default', () => {
    full.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'bunq-oncall@example.com',
    });
    defaults.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  test('is an output of the stack', () => {
    full.hasOutput('AlarmTopicArn', { Value: { Ref: logicalIdOf(full, 'AWS::SNS::Topic') } });
  });
});

describe('the dashboard', () => {
  interface Widget {
    readonly type: string;
    readonly properties: { title?: string; metrics?: unknown[] };
  }
  /** The dashboard's widgets, references to resources shown as "<ref>". */
  function widgets(template: Template): Widget[] {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    expect(dashboards).toHaveLength(1);
    const body = (dashboards[0] as Resource).Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
    return (JSON.parse(text) as { widgets: Widget[] }).widgets;
  }
  const titles = (template: Template) => widgets(template).map((widget) => widget.properties.title);

  test.each([
    'Alarms',
    'Callbacks in',
    'Events out, by category',
    'Duplicates suppressed and claim checks',
    'Schema mismatches, by object type',
    'Time to acknowledge (ms)',
    'Callbacks queue',
    'Dead-letter queues (messages)',
    'Dead-lettered by the normalizer, by reason',
    'Route deliveries',
    'Failure backlog',
    'Failure retries',
  ])('shows %s', (title) => {
    expect(titles(full)).toContain(title);
  });

  test('breaks events out by category with a metric search', () => {
    const byCategory = widgets(full).find((widget) => widget.properties.title === 'Events out, by category');
    expect(JSON.stringify(byCategory?.properties.metrics)).toContain(
      `SEARCH('{BunqWebhooks,category,service} MetricName=\\"EventsPublished\\" service=\\"${SERVICE_NAMES.normalize}\\"', 'Sum', 300)`,
    );
  });

  test('shows every dead-letter queue', () => {
    const queues = widgets(full).find(
      (widget) => widget.properties.title === 'Dead-letter queues (messages)',
    );
    expect(queues?.properties.metrics).toHaveLength(1 + 6);
  });

  test('has no failure-poller widgets without the poller, and can be turned off', () => {
    expect(titles(defaults)).not.toContain('Failure backlog');
    tuned.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

test('monitoring can be turned off entirely', () => {
  const template = synth('Quiet', { monitoring: { enabled: false } });
  template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  template.resourceCountIs('AWS::SNS::Topic', 0);
  template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
});
