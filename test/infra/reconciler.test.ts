/**
 * The reconciler in the stack: the reconcile function on its own schedule, sharing the poller's bunq state
 * secret, sending rebuilt callbacks to the callbacks queue, and its alarms with runbook entries.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { RECONCILE_TABLE_ACTIONS } from '../../infra/constructs/reconciler';
import { parsePipelineConfig } from '../../shared/config/pipeline-config';
import { RECONCILE_ENV } from '../../shared/wiring/function-env';
import {
  actionsOf,
  reconcileFunctionId,
  roleStatements,
  SYNTH_TIMEOUT_MS,
  synthStack,
  tokenSecretId,
} from './support/synth';

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
          // The failure poller's attempt lifetime (recovery.attemptTtlDays, 30 by default): the same item.
          [RECONCILE_ENV.attemptTtlSeconds]: String(30 * 86_400),
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

  it('may note expected redeliveries on the table and, repairing, read the callback token but not write it', () => {
    const actions = roleStatements(enabled, reconcileFunctionId(enabled)).flatMap(actionsOf);
    for (const action of RECONCILE_TABLE_ACTIONS) expect(actions).toContain(action);
    expect(actions).toContain('dynamodb:UpdateItem');
    const token = tokenSecretId(enabled);
    const onToken = roleStatements(enabled, reconcileFunctionId(enabled))
      .filter((statement) => JSON.stringify(statement.Resource).includes(token))
      .flatMap(actionsOf);
    expect(onToken).toContain('secretsmanager:GetSecretValue');
    expect(onToken.filter((action) => /^secretsmanager:(Put|Update|Create|Delete)/.test(action))).toEqual([]);
    expect(actions.some((action) => action.includes('*'))).toBe(false);
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
