/**
 * A pipeline function that runs alone at a fixed rate and signs in to bunq with the bunq state secret: the
 * failure poller ({@link FailureRecovery}) and the reconciler ({@link Reconciler}). Its parts are made in the
 * caller's scope under the ids they always had, so their logical ids (the deployed resources) stay the same.
 */
import { Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Tracing } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { functionSizing, PipelineFunction, type PipelineFunctionProps } from './pipeline-function';

/** The bunq client reads the bunq state and writes back the installation and sessions it creates. */
export const BUNQ_STATE_SECRET_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
] as const;

/** How a scheduled function runs, from the configuration. */
export interface ScheduledFunctionSettings {
  /** Time between two runs. Whole minutes from 1 to 1440. */
  readonly interval: Duration;
  /** Memory of the function, in MiB. */
  readonly memorySize: number;
  /** Longest time one run may take; less than {@link interval}. */
  readonly timeout: Duration;
  /** How long the function's log group keeps events. */
  readonly logRetention: RetentionDays;
  /**
   * X-Ray tracing mode.
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
}

export interface ScheduledFunctionProps
  extends Pick<PipelineFunctionProps, 'entry' | 'description' | 'serviceName' | 'environment'> {
  /** The construct, for error messages (`FailureRecovery interval must be …`). */
  readonly owner: string;
  /** The bunq state secret: read, and written back. */
  readonly stateSecret: ISecret;
  /** The schedule's description, given the interval in minutes. */
  readonly scheduleDescription: (intervalMinutes: number) => string;
}

/**
 * The function (reserved concurrency 1, so runs never overlap), allowed to get and put the state secret's
 * value, and the EventBridge Scheduler schedule (`Schedule`) that invokes it at `interval`.
 */
export function scheduledFunction(
  scope: Construct,
  id: string,
  settings: ScheduledFunctionSettings,
  props: ScheduledFunctionProps,
): { readonly pipelineFunction: PipelineFunction; readonly schedule: Schedule } {
  const { interval, timeout } = settings;
  const { owner, stateSecret, scheduleDescription, ...functionProps } = props;
  const intervalMinutes = interval.toSeconds() / 60;
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes > 1_440) {
    throw new Error(
      `${owner} interval must be whole minutes from 1 to 1440; got ${interval.toHumanString()}.`,
    );
  }
  if (timeout.toSeconds() >= interval.toSeconds()) {
    throw new Error(`${owner} timeout must be less than the interval, so runs never overlap.`);
  }
  const pipelineFunction = new PipelineFunction(scope, id, {
    ...functionProps,
    ...functionSizing(settings),
    reservedConcurrentExecutions: 1,
  });
  // A run that is late by a whole interval is stale (the next one is due); a failed one is not retried by
  // Lambda (the next one runs anyway).
  pipelineFunction.function.configureAsyncInvoke({
    retryAttempts: 0,
    maxEventAge: Duration.seconds(Math.min(Math.max(interval.toSeconds(), 60), 21_600)),
  });
  pipelineFunction.role.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...BUNQ_STATE_SECRET_ACTIONS], resources: [stateSecret.secretArn] }),
  );
  const schedule = new Schedule(scope, 'Schedule', {
    description: scheduleDescription(intervalMinutes),
    schedule: ScheduleExpression.rate(interval),
    target: new LambdaInvoke(pipelineFunction.function, {
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
    }),
  });
  return { pipelineFunction, schedule };
}
