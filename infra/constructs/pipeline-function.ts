/**
 * The one place the pipeline's Lambda defaults live: runtime, architecture, bundling, logging and the
 * execution role. Every function of the pipeline is a {@link PipelineFunction}.
 */
import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../shared/wiring/metrics';
import { cdkBundling } from './bundling';

/** The repository root: where `functions/`, `shared/` and `package-lock.json` live. */
export const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** Absolute path of a Lambda entry file, `functions/<name>.ts`. */
export function functionEntry(name: string): string {
  return path.join(PROJECT_ROOT, 'functions', `${name}.ts`);
}

/**
 * Converts a number of days into a {@link RetentionDays}, failing when CloudWatch Logs does not offer it
 * (the configuration schema only allows values it does offer).
 */
export function retentionDays(days: number): RetentionDays {
  // RetentionDays is a numeric enum: its reverse mapping holds exactly the allowed values.
  if (RetentionDays[days] === undefined) {
    throw new Error(`Log retention of ${days} days is not offered by CloudWatch Logs; use e.g. 30 or 90.`);
  }
  return days as RetentionDays;
}

export interface PipelineFunctionProps {
  /** Absolute path of the entry file; it must export `handler`. See {@link functionEntry}. */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** `POWERTOOLS_SERVICE_NAME`: the `service` key of every log line and metric dimension. */
  readonly serviceName: string;
  /** Memory in MiB. */
  readonly memorySize: number;
  /** Longest time one invocation may run. */
  readonly timeout: Duration;
  /** How long the function's log group keeps log events. */
  readonly logRetention: RetentionDays;
  /**
   * Environment variables the handler reads, on top of the Node.js and Powertools ones set here.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * X-Ray tracing mode.
   * @default Tracing.DISABLED
   */
  readonly tracing?: Tracing;
  /**
   * Concurrent executions reserved for (and limiting) the function.
   * @default - none: the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
}

/** How a function is sized and observed: what a construct's props pass on to its {@link PipelineFunction}. */
export type FunctionSizing = Pick<
  PipelineFunctionProps,
  'memorySize' | 'timeout' | 'logRetention' | 'tracing'
>;

/** The {@link FunctionSizing} of a construct's props, without the rest of them. */
export function functionSizing({
  memorySize,
  timeout,
  logRetention,
  tracing,
}: FunctionSizing): FunctionSizing {
  return { memorySize, timeout, logRetention, tracing };
}

/**
 * A Node.js 22 arm64 function bundled from TypeScript with the local esbuild, with its own log group and an
 * execution role that can write only to that log group. Grant it more through {@link PipelineFunction.function}.
 */
export class PipelineFunction extends Construct {
  /** The Lambda function. */
  public readonly function: NodejsFunction;
  /** The function's dedicated log group. */
  public readonly logGroup: LogGroup;
  /** The execution role: starts with write access to {@link logGroup} and nothing else. */
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention });

    // An explicit role instead of the AWSLambdaBasicExecutionRole managed policy, which allows writing to
    // every log group in the account.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      // JSON logs, and no START/END/REPORT lines (platform INFO): at one ingest invocation per callback they
      // were a third of the log volume, and Lambda's Duration/Errors metrics carry the same facts.
      loggingFormat: LoggingFormat.JSON,
      systemLogLevelV2: SystemLogLevel.WARN,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      tracing: props.tracing ?? Tracing.DISABLED,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      // One definition with the bench (infra/constructs/bundling.ts), so `npm run bench` measures what ships.
      bundling: cdkBundling(),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
    });
  }
}
