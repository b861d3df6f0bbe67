/**
 * The reconciler in the stack: the reconcile function on its own schedule, sharing the poller's bunq state
 * secret, sending rebuilt callbacks to the callbacks queue, and its alarms with runbook entries.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { RECONCILE_ENV } from '../../shared/wiring/function-env';
import { reconcileFunctionId, SYNTH_TIMEOUT_MS, synthStack } from './support/synth';

const RECONCILE = {
  enabled: true,
  scheduleMinutes: 10,
  graceMinutes: 15,
  filters: [{ categories: ['MUTATION', 'PAYMENT'] }],
  repairFilters: true,
};

let enabled: Template;
let withoutIt: Template;

beforeAll(() => {
  enabled = synthStack({ recovery: { enabled: true, reconcile: RECONCILE } }, { bundle: false }).template;
  withoutIt = synthStack({ recovery: { enabled: true } }, { bundle: false }).template;
}, SYNTH_TIMEOUT_MS);

describe('reconciler in the stack', () => {
  it('runs the reconcile function on its own schedule with the configured grace and filters', () => {
    const id = reconcileFunctionId(enabled);
    enabled.hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: Match.objectLike({
          [RECONCILE_ENV.graceMs]: String(15 * 60_000),
          [RECONCILE_ENV.repairFilters]: 'true',
          [RECONCILE_ENV.expectedFilters]: JSON.stringify([
            { monetaryAccountId: null, categories: ['MUTATION', 'PAYMENT'] },
          ]),
        }),
      },
    });
    enabled.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(10 minutes)',
      Target: { Arn: { 'Fn::GetAtt': [id, 'Arn'] } },
    });
  });

  it('has the MissedByBunq, FilterDrift, heartbeat and error alarms, each with a runbook entry', () => {
    for (const [name, metric] of [
      ['MissedByBunq', 'MissedByBunq'],
      ['FilterDrift', 'FilterDrift'],
      ['ReconcilerHeartbeatMissing', 'ReconcilerHeartbeat'],
      ['ReconcileErrors', 'ReconcileErrors'],
    ]) {
      enabled.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp(`-${name}$`),
        MetricName: metric,
        Dimensions: [{ Name: 'service', Value: 'bunq-webhooks-reconcile' }],
      });
    }
  });

  it('is absent unless recovery.reconcile.enabled', () => {
    expect(
      Object.keys(
        withoutIt.findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: { [RECONCILE_ENV.expectedFilters]: Match.anyValue() } } },
        }),
      ),
    ).toEqual([]);
    expect(
      Object.keys(
        withoutIt.findResources('AWS::CloudWatch::Alarm', {
          Properties: { MetricName: 'MissedByBunq' },
        }),
      ),
    ).toEqual([]);
  });

  it('refuses to be enabled without the registered categories', () => {
    expect(() => parsePipelineConfig({ recovery: { enabled: true, reconcile: { enabled: true } } })).toThrow(
      /filters.*name the categories register set up/s,
    );
  });
});
