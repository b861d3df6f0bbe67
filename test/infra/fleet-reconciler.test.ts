/**
 * The reconciler with partner onboarding: it reconciles the fleet too, so it lists the fleet table, gets
 * and puts the values of the fleet's credential secrets (and no other secret under no other name), reads
 * the callback token for the users' URLs even without filter repair, has the fleet's rate-limit scope and a
 * budget a minute under its timeout; without partner onboarding none of that; cdk-nag stays clean.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { BunqWebhooksStack } from '../../infra/bunq-webhooks-stack';
import { FLEET_RECONCILE_TABLE_ACTIONS } from '../../infra/constructs/reconciler';
import type { PipelineConfigInput } from '../../shared/config/pipeline-config';
import { RECONCILE_FLEET_ENV } from '../../shared/wiring/fleet-reconcile';
import { RECONCILE_ENV } from '../../shared/wiring/function-env';
import {
  actionsOf,
  onlyLogicalId,
  reconcileFunctionId,
  roleStatements,
  SYNTH_TIMEOUT_MS,
  synthStack,
  tokenSecretId,
} from './support/synth';

const TIMEOUT_SECONDS = 300;
const CONFIG = {
  environment: 'production',
  recovery: {
    enabled: true,
    reconcile: {
      enabled: true,
      scheduleMinutes: 10,
      filters: [{ categories: ['MUTATION'] }],
      timeoutSeconds: TIMEOUT_SECONDS,
    },
  },
  partnerOnboarding: { categories: ['MUTATION'], rateLimitScope: 'session' },
} satisfies PipelineConfigInput;

let fleet: { stack: BunqWebhooksStack; template: Template };
let alone: Template;
beforeAll(() => {
  fleet = synthStack(CONFIG, { bundle: false });
  const { partnerOnboarding: _, ...withoutFleet } = CONFIG;
  alone = synthStack(withoutFleet, { bundle: false }).template;
}, SYNTH_TIMEOUT_MS);

const variables = (template: Template): Record<string, unknown> =>
  template.findResources('AWS::Lambda::Function')[reconcileFunctionId(template)]?.Properties.Environment
    .Variables;
const fleetTableId = (template: Template): string =>
  onlyLogicalId(template, 'AWS::DynamoDB::Table', {
    Properties: { KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }] },
  });

describe('the reconciler with partner onboarding', () => {
  it('is given the fleet table, the rate-limit scope, the token secret and a budget a minute under its timeout', () => {
    const { template } = fleet;
    const env = variables(template);
    expect(env[RECONCILE_FLEET_ENV.fleetTableName]).toEqual({ Ref: fleetTableId(template) });
    expect(env[RECONCILE_FLEET_ENV.rateLimitScope]).toBe('session');
    expect(env[RECONCILE_ENV.tokenSecretArn]).toEqual({ Ref: tokenSecretId(template) });
    const fn = template.findResources('AWS::Lambda::Function')[reconcileFunctionId(template)];
    expect(fn?.Properties.Timeout).toBe(TIMEOUT_SECONDS);
    expect(Number(env[RECONCILE_FLEET_ENV.budgetMs])).toBe((TIMEOUT_SECONDS - 60) * 1_000);
  });

  it('keeps headroom under a short timeout too', () => {
    const { template } = synthStack(
      {
        ...CONFIG,
        recovery: { ...CONFIG.recovery, reconcile: { ...CONFIG.recovery.reconcile, timeoutSeconds: 60 } },
      },
      { bundle: false },
    );
    expect(Number(variables(template)[RECONCILE_FLEET_ENV.budgetMs])).toBe(30_000);
  });

  it('may scan the fleet table, and get and put the values of the fleet credential secrets only', () => {
    const { template } = fleet;
    const statements = roleStatements(template, reconcileFunctionId(template));
    const onFleet = statements.filter((statement) =>
      JSON.stringify(statement.Resource).includes(fleetTableId(template)),
    );
    expect(onFleet.flatMap(actionsOf).sort()).toEqual([...FLEET_RECONCILE_TABLE_ACTIONS].sort());
    const onSecrets = statements.filter((statement) =>
      JSON.stringify(statement.Resource).includes(':secret:TestStack/fleet/*'),
    );
    expect(onSecrets.flatMap(actionsOf).sort()).toEqual([
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    const token = tokenSecretId(template);
    const onToken = statements
      .filter((statement) => JSON.stringify(statement.Resource).includes(token))
      .flatMap(actionsOf);
    expect(onToken).toContain('secretsmanager:GetSecretValue');
    expect(onToken.filter((action) => /^secretsmanager:(Put|Update|Create|Delete)/.test(action))).toEqual([]);
    expect(statements.flatMap(actionsOf).some((action) => action.includes('*'))).toBe(false);
  });

  it('has none of it without partner onboarding (and, not repairing, no token)', () => {
    const env = variables(alone);
    for (const name of [...Object.values(RECONCILE_FLEET_ENV), RECONCILE_ENV.tokenSecretArn]) {
      expect(env).not.toHaveProperty(name);
    }
    const statements = roleStatements(alone, reconcileFunctionId(alone));
    expect(JSON.stringify(statements)).not.toContain('/fleet/');
    expect(statements.flatMap(actionsOf)).not.toContain('dynamodb:Scan');
  });

  it('leaves no AWS Solutions finding unacknowledged', () => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(fleet.stack);
    const findings = report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
    );
    expect(findings).toEqual([]);
  });
});
