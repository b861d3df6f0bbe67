/**
 * The callback URL the CLI registers, and which filters at bunq are ours. The URL is `--callback-url`, or
 * the stack's `CallbackBaseUrl` followed by the token in its token secret (`TokenSecretArn`); filters under
 * the base URL are ours whatever their token, so a rotation replaces the old URL instead of adding one.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type CallbackTokens, callbackTokenSecretSchema } from '../shared/pipeline/ingest/token';
import { STACK_OUTPUTS } from '../shared/wiring/stack-outputs';
import type { CliContext } from './context';
import { NotFoundError, OperationError, UsageError } from './errors';
import { type Ownership, ownership } from './filter-plan';
import { checkCallbackUrl } from './urls';

export interface CallbackTarget {
  /** The full callback URL (token included); undefined when only the base URL is known. */
  readonly url: string | undefined;
  /** The callback URL without the token, when known. */
  readonly baseUrl: string | undefined;
  readonly owns: Ownership;
}

/** `base` + `token`, with exactly one `/` between them. */
export function joinCallbackUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${token}`;
}

/** Reads and checks the token secret (`{"token", "previousToken"?, "previousTokenValidUntil"?}`). */
export async function readTokenSecret(
  client: SecretsManagerClient,
  secretId: string,
): Promise<CallbackTokens> {
  let text: string | undefined;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') {
      throw new NotFoundError(
        `The token secret ${secretId} does not exist. Check --token-secret-arn or --stack.`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text ?? '');
  } catch {
    // The parser's message would quote the secret: say only where.
    throw new OperationError(`The token secret ${secretId} is not JSON; it must hold {"token": "<token>"}.`);
  }
  const parsed = callbackTokenSecretSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'the value' : issue.path.join('.');
    throw new OperationError(
      `The token secret ${secretId} is not a valid token secret (${where}: ${issue?.message ?? 'wrong shape'}); ` +
        'it must hold {"token": "<at least 32 of A-Z a-z 0-9 _ ->"}.',
    );
  }
  return parsed.data;
}

/**
 * Resolves the target. With `needUrl`, the full URL is required (register, pin-certificate); otherwise the
 * base URL suffices (unregister, status). The URL is checked for HTTPS (`--allow-http` for local targets).
 */
export async function resolveCallbackTarget(context: CliContext, needUrl: boolean): Promise<CallbackTarget> {
  const { flags } = context;
  const allowHttp = flags.boolean('allow-http');
  const urlText = flags.string('callback-url');
  const baseText = await context.optional('callback-base-url', STACK_OUTPUTS.callbackBaseUrl);
  const baseUrl =
    baseText === undefined
      ? undefined
      : checkCallbackUrl(baseText, context.flags.label('callback-base-url'), allowHttp);
  let url =
    urlText === undefined ? undefined : checkCallbackUrl(urlText, flags.label('callback-url'), allowHttp);
  if (url === undefined && needUrl && baseUrl !== undefined) {
    const secretId = await context.optional('token-secret-arn', STACK_OUTPUTS.tokenSecretArn);
    if (secretId === undefined) {
      throw new UsageError(
        'Missing the callback token: pass --callback-url <url with token>, or --token-secret-arn <arn> (or ' +
          '--stack <name>, output TokenSecretArn) next to the base URL.',
      );
    }
    const tokens = await readTokenSecret(context.secretsManager(), secretId);
    url = joinCallbackUrl(baseUrl, tokens.token);
  }
  if (url === undefined && (needUrl || baseUrl === undefined)) {
    throw new UsageError(
      'Missing the callback URL: pass --callback-url <url with token>, or --stack <name> to use the stack ' +
        'outputs CallbackBaseUrl and TokenSecretArn.',
    );
  }
  return { url, baseUrl, owns: ownership(url, baseUrl) };
}
