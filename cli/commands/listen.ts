/**
 * `bunq-webhooks listen`: receive real callbacks from bunq (the sandbox) on this machine. The user runs the
 * local runtime (`npm start`) and a tunnel of their choice that gives it a public HTTPS address; `listen`
 * registers that URL at bunq for the chosen categories (read-merge-write: every other filter stays), waits
 * until Ctrl+C (SIGINT or SIGTERM), then removes exactly the filters it added for that URL.
 */

import { type CommandOutput, scopeLabel } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { checkPlan, planText, readScope, scopeOf, writePlan } from '../filter-apply';
import { ownership, planRegister, planUnregister } from '../filter-plan';
import { positiveInteger, requiredCategories } from '../options';
import { checkCallbackUrl } from '../urls';

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

async function listen(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const categories = requiredCategories(flags, 'receive');
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
}

export const listenCommand = defineCommand('listen', listen);
