/**
 * `rotate-token`: a new callback token in the token secret, the old one kept as `previousToken` for the
 * overlap (the ingest accepts both until `previousTokenValidUntil`), then our filters at bunq re-pointed at
 * the new URL. bunq is read first, so an unreachable bunq stops the rotation before the secret changes.
 */
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { type CallbackTokens, generateCallbackToken } from '../../shared/pipeline/ingest/token';
import { STACK_OUTPUTS } from '../../shared/wiring/stack-outputs';
import { joinCallbackUrl, readTokenSecret } from '../callback-target';
import { type CommandOutput, type FilterScope, scopeLabel } from '../command';
import { defineCommand } from '../command-table';
import type { BunqSession, CliContext } from '../context';
import { formatDuration, parseDuration } from '../duration';
import { OperationError, RefusedError } from '../errors';
import { checkPlan, planJson, planText, readScope, scopeOf, writePlan } from '../filter-apply';
import { type FilterPlan, ourCategories, ownership, planRegister } from '../filter-plan';
import { categoriesFlag, positiveInteger } from '../options';
import { checkCallbackUrl } from '../urls';

export const DEFAULT_OVERLAP = '24h';
/** bunq retries for about 5 minutes and the ingest caches the secret for a minute: less is refused. */
export const MIN_OVERLAP_MS = 10 * 60_000;

async function rotateToken(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const force = flags.boolean('force');
  const dryRun = flags.boolean('dry-run');
  const register = !flags.boolean('no-register');
  const overlapMs = parseDuration(flags.string('overlap') ?? DEFAULT_OVERLAP, flags.label('overlap'));
  if (overlapMs < MIN_OVERLAP_MS && !force) {
    throw new RefusedError(
      `--overlap ${formatDuration(overlapMs)} is shorter than 10m: callbacks bunq is still retrying to the old ` +
        'URL would be refused. Use a longer overlap, or --force.',
    );
  }
  const categoriesOverride = categoriesFlag(flags);
  const monetaryAccountId = positiveInteger(flags, 'monetary-account');
  const secretId = await context.required(
    'token-secret-arn',
    STACK_OUTPUTS.tokenSecretArn,
    'the token secret',
  );
  const baseUrl = checkCallbackUrl(
    await context.required('callback-base-url', STACK_OUTPUTS.callbackBaseUrl, 'the callback base URL'),
    flags.label('callback-base-url'),
    flags.boolean('allow-http'),
  );

  const now = context.now();
  const current = await readTokenSecret(context.secretsManager(), secretId);
  const previousUntil =
    current.previousTokenValidUntil === undefined ? undefined : new Date(current.previousTokenValidUntil);
  if (current.previousToken !== undefined && previousUntil !== undefined && previousUntil > now && !force) {
    throw new RefusedError(
      `An earlier rotation's old token is valid until ${previousUntil.toISOString()}; rotating now would cut ` +
        'it off while bunq may still use it. Wait until then, or pass --force.',
    );
  }

  const token = generateCallbackToken();
  const url = joinCallbackUrl(baseUrl, token);
  const validUntil = new Date(now.getTime() + overlapMs);
  const next: CallbackTokens = {
    token,
    previousToken: current.token,
    previousTokenValidUntil: validUntil.toISOString(),
  };
  const owns = ownership(joinCallbackUrl(baseUrl, current.token), baseUrl);

  // bunq first: if it cannot be read, nothing has changed yet.
  const plans: Array<{ scope: FilterScope; plan: FilterPlan }> = [];
  let session: BunqSession | undefined;
  if (register) {
    session = await context.bunq();
    const scope = scopeOf(session, monetaryAccountId);
    const existing = await readScope(session, scope);
    const categories = categoriesOverride ?? ourCategories(existing, owns);
    if (categories.length === 0) {
      context.warn(
        `${scopeLabel(scope)}: no filter of ours to move to the new URL; pass --categories to register some.`,
      );
    } else {
      const plan = planRegister(existing, url, categories, owns);
      checkPlan(scope, plan, context.showUrl);
      plans.push({ scope, plan });
    }
  }

  if (!dryRun) {
    await context
      .secretsManager()
      .send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(next) }));
    context.progress(`token secret rotated; the old token stays valid until ${validUntil.toISOString()}`);
  }
  const written: boolean[] = [];
  for (const { scope, plan } of plans) {
    try {
      written.push(await writePlan(session as BunqSession, scope, plan, dryRun));
    } catch (error) {
      throw new OperationError(
        `The token secret was rotated, but re-registering ${scopeLabel(scope)} failed: ` +
          `${error instanceof Error ? error.message : String(error)} bunq still calls the old URL, which stays ` +
          `valid until ${validUntil.toISOString()}: run \`bunq-webhooks register\` with the same --stack before then.`,
        { cause: error },
      );
    }
  }

  const text = [
    `${dryRun ? 'Would rotate' : 'Rotated'} the callback token in ${secretId}.`,
    `  new URL:   ${context.showUrl(url)}`,
    `  old token: valid until ${validUntil.toISOString()} (${formatDuration(overlapMs)})`,
    ...plans.flatMap(({ scope, plan }) =>
      planText(
        scope,
        plan,
        context.showUrl,
        owns,
        !plan.changed ? 'unchanged' : dryRun ? 'dry-run' : 'written',
      ),
    ),
    ...(register ? [] : ['bunq was not changed (--no-register): run `bunq-webhooks register` next.']),
    ...(dryRun ? ['Dry run: nothing was written.'] : []),
  ];
  return {
    json: {
      command: 'rotate-token',
      dryRun,
      tokenSecretArn: secretId,
      callbackUrl: context.showUrl(url),
      previousTokenValidUntil: validUntil.toISOString(),
      secretWritten: !dryRun,
      registered: register,
      scopes: plans.map(({ scope, plan }, index) =>
        planJson(scope, plan, context.showUrl, owns, written[index] ?? false),
      ),
    },
    text: text.join('\n'),
  };
}

export const rotateTokenCommand = defineCommand('rotate-token', rotateToken, {
  defaultOverlap: DEFAULT_OVERLAP,
});
