/**
 * `register`: the chosen categories point at our callback URL, at user level or for one monetary account.
 * Read, merge, write: every other integration's filter is written back as it was, our filters with an old
 * token are replaced, and nothing is written when bunq already has exactly that (idempotent).
 */
import { isKnownCategory } from '../../shared/bunq/callback/categories';
import { resolveCallbackTarget } from '../callback-target';
import type { CommandOutput } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { checkPlan, planJson, planText, readScope, scopeOf, writePlan } from '../filter-apply';
import { planRegister } from '../filter-plan';
import { positiveInteger, requiredCategories } from '../options';

async function register(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const categories = requiredCategories(flags, 'register');
  const monetaryAccountId = positiveInteger(flags, 'monetary-account');
  const dryRun = flags.boolean('dry-run');
  const unknown = categories.filter((category) => !isKnownCategory(category));
  if (unknown.length > 0) {
    context.warn(
      `${unknown.join(', ')}: not a category bunq documents; registering it anyway (categories are an open set).`,
    );
  }
  const target = await resolveCallbackTarget(context, true);
  const url = target.url as string;
  const session = await context.bunq();
  const scope = scopeOf(session, monetaryAccountId);
  const current = await readScope(session, scope);
  const plan = planRegister(current, url, categories, target.owns);
  checkPlan(scope, plan, context.showUrl);
  const written = await writePlan(session, scope, plan, dryRun);
  const state = !plan.changed ? 'unchanged' : dryRun ? 'dry-run' : 'written';
  return {
    json: {
      command: 'register',
      dryRun,
      callbackUrl: context.showUrl(url),
      categories,
      scopes: [planJson(scope, plan, context.showUrl, target.owns, written)],
    },
    text: [
      ...planText(scope, plan, context.showUrl, target.owns, state),
      ...(state === 'dry-run' ? ['Dry run: nothing was written.'] : []),
    ].join('\n'),
  };
}

export const registerCommand = defineCommand('register', register);
