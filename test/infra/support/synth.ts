/**
 * Synthesizes the stack the way `cdk synth` does (with cdk.json's feature flags) and finds things in the
 * template. Synthesis bundles both functions with esbuild, so each test file synthesizes once, in `beforeAll`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { BunqWebhooksStack } from '../../../infra/bunq-webhooks-stack';
import { type PipelineConfigInput, parsePipelineConfig } from '../../../shared/config/pipeline-config';
import {
  INGEST_ENV,
  NORMALIZE_ENV,
  RECONCILE_ENV,
  RETRY_FAILURES_ENV,
} from '../../../shared/wiring/function-env';

export const PROJECT_ROOT = path.join(__dirname, '..', '..', '..');

/** Time allowed for a `beforeAll` that synthesizes (bundling included). */
export const SYNTH_TIMEOUT_MS = 120_000;

/** cdk.json's `context`: the feature flags the CLI passes to the app. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/**
 * Context that makes the CDK skip asset bundling (what `cdk synth --exclusively` does for other stacks).
 * For tests about configuration and composition; the stack test bundles the real functions.
 */
export const SKIP_BUNDLING_CONTEXT = { 'aws:cdk:bundling-stacks': [] } as const;

export interface SynthOptions {
  /**
   * Whether to bundle the functions with esbuild (seconds per stack).
   * @default true
   */
  readonly bundle?: boolean;
}

/** A synthesized {@link BunqWebhooksStack} for a configuration document. */
export function synthStack(
  config: PipelineConfigInput,
  options: SynthOptions = {},
): { stack: BunqWebhooksStack; template: Template } {
  const context = { ...cdkJsonContext(), ...(options.bundle === false ? SKIP_BUNDLING_CONTEXT : {}) };
  const app = new App({ context });
  const stack = new BunqWebhooksStack(app, 'TestStack', {
    config: parsePipelineConfig(config, 'test config'),
  });
  return { stack, template: Template.fromStack(stack) };
}

/**
 * The logical id of the only resource of `type` matching `props` (it fails when there is not exactly one); with `within`, only among the resources of
 * that construct (a child of the webhooks construct: its id is part of their logical ids), so that another
 * construct's resource of the same shape (the partner onboarding's queue beside the callbacks queue) is never
 * taken for it.
 */
export function onlyLogicalId(
  template: Template,
  type: string,
  props: Record<string, unknown> = {},
  within?: string,
): string {
  const ids = Object.keys(template.findResources(type, props)).filter(
    (id) => within === undefined || id.includes(within),
  );
  if (ids.length !== 1) {
    const where = within === undefined ? '' : ` in ${within}`;
    throw new Error(`Expected exactly one ${type}${where} matching, found ${ids.length}: ${ids.join(', ')}`);
  }
  return ids[0] as string;
}

/** The function whose environment has the variable `name`. */
export const functionWithVariable =
  (name: string) =>
  (template: Template): string =>
    onlyLogicalId(template, 'AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { [name]: Match.anyValue() } } },
    });

/** The ingest function: the one with the allowed source ranges in its environment. */
export const ingestFunctionId = functionWithVariable(INGEST_ENV.allowedSourceCidrs);

/** The normalize function: the one with the dedupe table in its environment. */
export const normalizeFunctionId = functionWithVariable(NORMALIZE_ENV.dedupeTableName);

/** The failure poller: the one with the retry limit in its environment. */
export const retryFailuresFunctionId = functionWithVariable(RETRY_FAILURES_ENV.maxAttempts);

/** The reconciler: the one with the expected filters in its environment. */
export const reconcileFunctionId = functionWithVariable(RECONCILE_ENV.expectedFilters);

/** The secret holding the callback token: the one Secrets Manager generates. */
export const tokenSecretId = (template: Template): string =>
  onlyLogicalId(template, 'AWS::SecretsManager::Secret', {
    Properties: { GenerateSecretString: Match.anyValue() },
  });

/** The one queue of the callback queue construct whose redrive policy matches `redrivePolicy`. */
const callbackQueueConstructQueue =
  (redrivePolicy: unknown) =>
  (template: Template): string =>
    onlyLogicalId(
      template,
      'AWS::SQS::Queue',
      { Properties: { RedrivePolicy: redrivePolicy } },
      'CallbackQueue',
    );

/** The callbacks queue: the callback queue construct's queue with a redrive policy. */
export const callbackQueueId = callbackQueueConstructQueue(Match.anyValue());

/** The callbacks' dead-letter queue: the callback queue construct's queue without a redrive policy. */
export const deadLetterQueueId = callbackQueueConstructQueue(Match.absent());

export interface PolicyStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

interface ResourceJson {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

/** Every IAM statement attached to a function's execution role. */
export function roleStatements(template: Template, functionLogicalId: string): PolicyStatement[] {
  const resources = template.toJSON().Resources as Record<string, ResourceJson>;
  const role = resources[functionLogicalId]?.Properties.Role as { 'Fn::GetAtt': [string, string] };
  const roleId = role['Fn::GetAtt'][0];
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: Match.arrayWith([{ Ref: roleId }]) },
  });
  return Object.values(policies).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: PolicyStatement[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

/** The statement's actions as a list. */
export const actionsOf = (statement: PolicyStatement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** Every action granted to a function's role. */
export const allActions = (template: Template, functionLogicalId: string): string[] =>
  roleStatements(template, functionLogicalId).flatMap(actionsOf);
