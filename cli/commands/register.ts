/**
 * `register`: the chosen categories point at our callback URL, at user level or for one monetary account.
 * Read, merge, write: every other integration's filter is written back as it was, our filters with an old
 * token are replaced, and nothing is written when bunq already has exactly that (idempotent).
 */
import { isKnownCategory } from '../../shared/bunq/callback/categories';
import { resolveCallbackTarget } from '../callback-target';
import type { Command } from '../command';
import { UsageError } from '../errors';
import { checkPlan, planJson, planText, readScope, scopeOf, writePlan } from '../filter-apply';
import { planRegister } from '../filter-plan';
import { BUNQ_OPTIONS, COMMON_OPTIONS, categoriesFlag, positiveInteger, TARGET_OPTIONS } from '../options';

export const REGISTER_OPTIONS = {
  categories: {
    type: 'string',
    value: '<list>',
    description:
      'comma-separated bunq categories to send to the callback URL, e.g. MUTATION,PAYMENT (required)',
  },
  'dry-run': { type: 'boolean', description: 'print the change without making it' },
} as const;

export const registerCommand: Command = {
  name: 'register',
  summary: 'point categories at the callback URL (read-merge-write; other filters kept)',
  description:
    'Makes bunq send exactly --categories to the callback URL. bunq replaces the whole filter set on every ' +
    'write, so this reads the set, changes only our filters (the callback URL, or any URL under the callback ' +
    'base URL, such as one with an old token) and writes everything else back unchanged. Nothing is written ' +
    'when bunq already has exactly that. HTTPS only, unless --allow-http (local targets).',
  sections: [
    { title: 'Options', options: REGISTER_OPTIONS },
    { title: 'Callback URL', options: TARGET_OPTIONS },
    { title: 'bunq', options: BUNQ_OPTIONS },
    { title: 'Common', options: COMMON_OPTIONS },
  ],
  examples: [
    'bunq-webhooks register --stack BunqWebhooks --categories MUTATION,PAYMENT --dry-run',
    'BUNQ_API_KEY=... bunq-webhooks register --stack BunqWebhooks --bunq-base-url sandbox --categories MUTATION',
    'bunq-webhooks register --bunq-base-url http://127.0.0.1:3100 --api-key <key> \\\n' +
      '    --callback-url http://127.0.0.1:3000/callbacks/<token> --categories MUTATION,PAYMENT --allow-http',
  ],
  exitCodes: [
    '0  registered, already registered, or dry run',
    '1  bunq failed, or answered a set other than the one written',
    '2  a flag is missing or wrong (e.g. no --categories, no API key)',
    '3  the stack or one of its outputs does not exist',
    '4  refused: non-HTTPS callback URL without --allow-http, or more than 2 URLs for a category',
  ],
  async run(context) {
    const { flags } = context;
    const categories = categoriesFlag(flags);
    if (categories === undefined || categories.length === 0) {
      throw new UsageError(
        'Missing --categories <list>: the bunq categories to register, e.g. --categories MUTATION,PAYMENT.',
      );
    }
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
  },
};
