/**
 * `unregister`: removes our filters (all, or those of `--categories`), at user level or for one monetary
 * account, writing every other integration's filter back as it was.
 */
import { resolveCallbackTarget } from '../callback-target';
import { type CommandOutput, scopeLabel } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { checkPlan, planJson, planText, readScope, scopeOf, writePlan } from '../filter-apply';
import { planUnregister } from '../filter-plan';
import { categoriesFlag, positiveInteger } from '../options';

async function unregister(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const categories = categoriesFlag(flags);
  const monetaryAccountId = positiveInteger(flags, 'monetary-account');
  const dryRun = flags.boolean('dry-run');
  const target = await resolveCallbackTarget(context, false);
  const session = await context.bunq();
  const scope = scopeOf(session, monetaryAccountId);
  const plan = planUnregister(await readScope(session, scope), target.owns, categories);
  checkPlan(scope, plan, context.showUrl);
  const written = await writePlan(session, scope, plan, dryRun);
  const state = !plan.changed ? 'unchanged' : dryRun ? 'dry-run' : 'written';
  const text = planText(scope, plan, context.showUrl, target.owns, state);
  if (state === 'unchanged')
    text[0] = `${scopeLabel(scope)}: none of our filters registered, nothing written`;
  return {
    json: {
      command: 'unregister',
      dryRun,
      scopes: [planJson(scope, plan, context.showUrl, target.owns, written)],
    },
    text: [...text, ...(state === 'dry-run' ? ['Dry run: nothing was written.'] : [])].join('\n'),
  };
}

export const unregisterCommand = defineCommand('unregister', unregister);
