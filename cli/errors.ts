/**
 * The CLI's errors and the exit codes they end in. Scripts rely on these codes, so they are part of the
 * interface (docs/CLI.md, "Exit codes"): never renumber them.
 */
import { BunqError, BunqInputError } from '../shared/bunq/api/errors';
import { BunqApiKeyNotConfiguredError } from '../shared/pipeline/recovery/state-guard';

/** Exit codes of every command. */
export const EXIT = {
  /** Done, or nothing needed doing (already as wanted; a dry run). */
  ok: 0,
  /** bunq, AWS or the network failed, or a long-running task (replay, redrive) ended unsuccessfully. */
  failure: 1,
  /** The command line is wrong or something it needs is missing; the message names it and how to supply it. */
  usage: 2,
  /** Something named does not exist: the stack, a stack output, a secret, a pinned certificate, a rule. */
  notFound: 3,
  /** Refused for safety before changing anything; the message names the flag that overrides it, if any. */
  refused: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base of the CLI's own errors: the message is shown as is, the exit code ends the process. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A {@link CliError} kind with a fixed exit code: the classes below differ only in these two. */
function cliErrorKind(name: string, exitCode: ExitCode) {
  return class extends CliError {
    override readonly name: string = name;
    constructor(message: string, options?: { cause?: unknown }) {
      super(message, exitCode, options);
    }
  };
}

/** A wrong or missing flag, or missing configuration. Exit 2. */
export class UsageError extends cliErrorKind('UsageError', EXIT.usage) {}

/** Something named does not exist. Exit 3. */
export class NotFoundError extends cliErrorKind('NotFoundError', EXIT.notFound) {}

/** A safety check refused the change (nothing was changed). Exit 4. */
export class RefusedError extends cliErrorKind('RefusedError', EXIT.refused) {}

/** The work itself failed (bunq, AWS, a replay or a redrive). Exit 1. */
export class OperationError extends cliErrorKind('OperationError', EXIT.failure) {}

/** An SQS message move task (redrive) that could not be started or followed. Exit 1. */
export class RedriveError extends OperationError {
  override readonly name: string = 'RedriveError';
}

const AWS_CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'ExpiredTokenException', 'ExpiredToken']);
const AWS_NOT_FOUND_ERRORS = new Set([
  'ResourceNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'NoSuchBucket',
]);

/** Any thrown value as a {@link CliError}: known library errors keep their meaning, the rest is a failure. */
export function toCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof BunqApiKeyNotConfiguredError) return new UsageError(error.message, { cause: error });
  if (error instanceof BunqInputError) return new UsageError(error.message, { cause: error });
  if (error instanceof BunqError) return new OperationError(error.message, { cause: error });
  if (error instanceof Error) {
    if (AWS_CREDENTIAL_ERRORS.has(error.name)) {
      // A failure, not a usage error: the command line was right, the environment lacks credentials.
      return new OperationError(
        `AWS credentials are missing or expired (${error.name}: ${error.message}). Set AWS_PROFILE (after ` +
          '`aws sso login` if you use SSO) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and AWS_REGION or --region.',
        { cause: error },
      );
    }
    if (AWS_NOT_FOUND_ERRORS.has(error.name)) {
      return new NotFoundError(`${error.name}: ${error.message}`, { cause: error });
    }
    const aws = (error as { $metadata?: unknown }).$metadata !== undefined;
    return new OperationError(aws ? `AWS ${error.name}: ${error.message}` : error.message, { cause: error });
  }
  return new OperationError(String(error));
}
