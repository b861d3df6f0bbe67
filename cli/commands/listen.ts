/**
 * `bunq-webhooks listen`: receive real callbacks from bunq (the sandbox) on this machine. The user runs the
 * local runtime (`npm start`) and a tunnel of their choice that gives it a public HTTPS address; `listen`
 * registers that URL at bunq for the chosen categories (read-merge-write: every other filter stays), waits
 * until Ctrl+C (SIGINT or SIGTERM), then removes exactly the filters it added for that URL.
 */
import type { Command } from '../command';
import { scopeLabel } from '../command';
import { UsageError } from '../errors';
import { checkPlan, planText, readScope, scopeOf, writePlan } from '../filter-apply';
import { ownership, planRegister, planUnregister } from '../filter-plan';
import { BUNQ_OPTIONS, COMMON_OPTIONS, categoriesFlag, positiveInteger } from '../options';
import { checkCallbackUrl } from '../urls';

const OPTIONS = {
  url: {
    type: 'string',
    value: '<url>',
    env: 'BUNQ_CALLBACK_URL',
    description:
      "the public HTTPS URL of your tunnel to the local runtime, with the runtime's callback path and token: https://<tunnel>/callbacks/<token> (required)",
  },
  categories: {
    type: 'string',
    value: '<list>',
    description: 'comma-separated bunq categories to receive, e.g. MUTATION,PAYMENT (required)',
  },
  'monetary-account': {
    type: 'string',
    value: '<id>',
    description: 'register for this monetary account instead of at user level',
  },
} as const;

/** GET <origin>/healthz through the tunnel: does it reach the local runtime? Only a warning when not. */
async function reachesRuntime(url: string): Promise<string | undefined> {
  const health = new URL('/healthz', url).toString();
  try {
    const response = await fetch(health, { signal: AbortSignal.timeout(10_000) });
    return response.ok ? undefined : `${health} answered ${response.status}`;
  } catch (error) {
    return `${health} did not answer (${error instanceof Error ? error.message : String(error)})`;
  }
}

export const listenCommand: Command = {
  name: 'listen',
  summary: 'receive real bunq callbacks on the local runtime through your tunnel; unregisters on exit',
  description:
    'Registers --url (your tunnel to `npm start`, with its /callbacks/<token> path) at bunq for --categories, ' +
    'keeping every other filter (read-merge-write), then waits. On Ctrl+C (SIGINT) or SIGTERM it removes the ' +
    'filters for that URL and exits. bunq calls from changing AWS addresses, which the local runtime accepts ' +
    'by default (no --allowed-cidrs). Use the sandbox: --bunq-base-url sandbox with a sandbox API key. If ' +
    'the process is killed, remove the filters with `bunq-webhooks unregister --callback-url <url>`.',
  sections: [
    { title: 'Options', options: OPTIONS },
    { title: 'bunq', options: BUNQ_OPTIONS },
    { title: 'Common', options: COMMON_OPTIONS },
  ],
  examples: [
    'BUNQ_API_KEY=<sandbox key> bunq-webhooks listen --bunq-base-url sandbox \\\n' +
      "    --url 'https://<tunnel>/callbacks/<token>' --categories MUTATION,PAYMENT",
  ],
  exitCodes: [
    '0  registered, then unregistered on SIGINT/SIGTERM',
    '1  bunq failed (registering or unregistering; the message says which filters may remain)',
    '2  a flag is missing or wrong (no --url, no --categories, no API key)',
    '4  refused: an http:// URL without --allow-http, or more than 2 URLs for a category',
  ],
  async run(context) {
    const { flags } = context;
    const categories = categoriesFlag(flags);
    if (categories === undefined || categories.length === 0) {
      throw new UsageError(
        'Missing --categories <list>: the bunq categories to receive, e.g. MUTATION,PAYMENT.',
      );
    }
    const text = flags.string('url');
    if (text === undefined) {
      throw new UsageError(
        'Missing --url <url>: the public HTTPS address of your tunnel to `npm start`, followed by the ' +
          'callback path it prints, e.g. https://<tunnel>/callbacks/<token>.',
      );
    }
    const url = checkCallbackUrl(text, flags.label('url'), flags.boolean('allow-http'));
    if (!/\/callbacks\/[^/]+$/.test(new URL(url).pathname)) {
      context.warn(
        `${context.showUrl(url)} has no /callbacks/<token> path: the local runtime answers 404 there.`,
      );
    }
    const unreachable = await reachesRuntime(url);
    if (unreachable !== undefined) {
      context.warn(`${unreachable}: is the tunnel up and pointing at the local runtime (npm start)?`);
    }
    const owns = ownership(url, undefined);
    const session = await context.bunq();
    const scope = scopeOf(session, positiveInteger(flags, 'monetary-account'));
    const plan = planRegister(await readScope(session, scope), url, categories, owns);
    checkPlan(scope, plan, context.showUrl);
    await writePlan(session, scope, plan, false);
    for (const line of planText(scope, plan, context.showUrl, owns, plan.changed ? 'written' : 'unchanged')) {
      context.progress(line);
    }
    context.progress(
      `listening: bunq sends ${categories.join(', ')} to ${context.showUrl(url)}. Ctrl+C removes these filters.`,
    );

    const signal = await context.interrupted();
    context.progress(`${signal}: removing the filters for ${context.showUrl(url)}...`);
    const removal = planUnregister(await readScope(session, scope), owns);
    await writePlan(session, scope, removal, false);
    return {
      json: {
        command: 'listen',
        url: context.showUrl(url),
        categories,
        registered: plan.after.filter((pair) => pair.target === url).map((pair) => pair.category),
        unregistered: removal.removed.map((pair) => pair.category),
      },
      text: `${scopeLabel(scope)}: unregistered ${removal.removed.length} filter(s) for ${context.showUrl(url)}; other filters kept.`,
    };
  },
};
