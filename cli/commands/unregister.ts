/**
 * `unregister`: removes our filters (all, or those of `--categories`), at user level or for one monetary
 * account, writing every other integration's filter back as it was.
 */
import { resolveCallbackTarget } from '../callback-target';
import { type Command, scopeLabel } from '../command';
import { checkPlan, planJson, planText, readScope, scopeOf, writePlan } from '../filter-apply';
import { planUnregister } from '../filter-plan';
import { BUNQ_OPTIONS, COMMON_OPTIONS, categoriesFlag, positiveInteger, TARGET_OPTIONS } from '../options';

export const UNREGISTER_OPTIONS = {
  categories: {
    type: 'string',
    value: '<list>',
    description: 'remove only these categories of ours (default: every filter of ours)',
  },
  'dry-run': { type: 'boolean', description: 'print the change without making it' },
} as const;

export const unregisterCommand: Command = {
  name: 'unregister',
  summary: 'remove our filters only (other integrations keep theirs)',
  description:
    'Removes the filters that point at our callback URL, or at any URL under the callback base URL (with ' +
    '--stack: CallbackBaseUrl, so filters with an old token go too). Every other filter is written back ' +
    'unchanged. Nothing is written when none of ours is there.',
  sections: [
    { title: 'Options', options: UNREGISTER_OPTIONS },
    { title: 'Callback URL', options: TARGET_OPTIONS },
    { title: 'bunq', options: BUNQ_OPTIONS },
    { title: 'Common', options: COMMON_OPTIONS },
  ],
  examples: [
    'bunq-webhooks unregister --stack BunqWebhooks',
    'bunq-webhooks unregister --stack BunqWebhooks --categories PAYMENT --monetary-account 4021 --dry-run',
  ],
  exitCodes: [
    '0  removed, nothing of ours registered, or dry run',
    '1  bunq failed, or answered a set other than the one written',
    '2  a flag is missing or wrong',
    '3  the stack or one of its outputs does not exist',
  ],
  async run(context) {
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
  },
};
