/**
 * `fleet list | status | register | unregister`: a partner's provisioned users, from the fleet registry,
 * each on its own bunq context and its own callback URL (`<callback URL>/u/<userId>`, which the ingest
 * attributes to the user). Register and unregister are `register`'s and `unregister`'s read-merge-write per
 * user: only filters under our callback URL change, every other integration's are written back as they were.
 * One user's failure is reported and the rest go on.
 */

import type { NotificationFilterUrl } from '../../shared/bunq/api/client';
import { bunqEventSchema } from '../../shared/bunq/api/events';
import { bunqTimeToRfc3339 } from '../../shared/bunq/callback/time';
import { type FleetEntry, type FleetRegistry, sameFleetEntry } from '../../shared/fleet/registry';
import { STACK_OUTPUTS } from '../../shared/wiring/stack-outputs';
import { resolveCallbackTarget } from '../callback-target';
import type { CommandOutput } from '../command';
import { defineCommand } from '../command-table';
import type { BunqSession, CliContext } from '../context';
import { EXIT, type ExitCode, NotFoundError, toCliError, UsageError } from '../errors';
import { checkPlan, planJson, planText, readScope, writePlan } from '../filter-apply';
import { type Ownership, planRegister, planUnregister } from '../filter-plan';
import { FleetSessions, fleetUserUrl, openFleetRegistry } from '../fleet-access';
import { categoriesFlag, positiveInteger } from '../options';

const ACTIONS = ['list', 'status', 'register', 'unregister'] as const;
type Action = (typeof ACTIONS)[number];

/** Ours: anything under the callback base URL (any token, any user), or under the callback URL itself. */
function fleetOwnership(url: string | undefined, baseUrl: string | undefined): Ownership {
  const prefix = baseUrl ?? (url === undefined ? undefined : `${url.replace(/\/+$/, '')}/`);
  return (target) => target === url || (prefix !== undefined && target.startsWith(prefix));
}

interface UserResult {
  readonly json: Record<string, unknown>;
  readonly lines: readonly string[];
  /** EXIT.ok, or the code of what went wrong for this user. */
  readonly exitCode: ExitCode;
}

/** Runs `work` for each entry in turn; a user's failure becomes its result, the rest go on. */
async function eachUser(
  entries: readonly FleetEntry[],
  work: (entry: FleetEntry) => Promise<UserResult>,
): Promise<UserResult[]> {
  const results: UserResult[] = [];
  for (const entry of entries) {
    try {
      results.push(await work(entry));
    } catch (error) {
      const failure = toCliError(error);
      results.push({
        json: { userId: entry.userId, error: { type: failure.name, message: failure.message } },
        lines: [`user ${entry.userId}: ${failure.message}`],
        exitCode: failure.exitCode,
      });
    }
  }
  return results;
}

/** The command's exit code: the users' one when they agree, else a plain failure. */
function overall(results: readonly UserResult[]): ExitCode {
  const codes = new Set(results.map((result) => result.exitCode).filter((code) => code !== EXIT.ok));
  if (codes.size === 0) return EXIT.ok;
  return codes.size === 1 ? ([...codes][0] as ExitCode) : EXIT.failure;
}

async function selected(context: CliContext, registry: FleetRegistry, action: Action): Promise<FleetEntry[]> {
  const user = positiveInteger(context.flags, 'user');
  const all = context.flags.boolean('all');
  if (user !== undefined && all) throw new UsageError('Give --user <id> or --all, not both.');
  if (action === 'register' && user === undefined && !all) {
    throw new UsageError('fleet register needs --all (every user in the registry) or --user <id>.');
  }
  if (action === 'unregister' && user === undefined) {
    throw new UsageError('fleet unregister needs --user <id>: it removes one user’s filters.');
  }
  if (user === undefined) return registry.list();
  const entry = await registry.get(user);
  if (entry === null)
    throw new NotFoundError(`User ${user} is not in the fleet registry (see \`fleet list\`).`);
  return [entry];
}

function listOutput(source: string, entries: readonly FleetEntry[]): CommandOutput {
  const rows = entries.map(
    (entry) =>
      `  ${String(entry.userId).padEnd(10)} ${String(entry.provisionId).padEnd(10)} ${entry.filterState.padEnd(10)} ` +
      `${(entry.categories.join(',') || '(none)').padEnd(24)} ${entry.onboardedAt}`,
  );
  return {
    json: { command: 'fleet', action: 'list', source, users: entries },
    text: [
      `Fleet registry (${source}): ${entries.length} provisioned user(s)`,
      ...(entries.length === 0
        ? []
        : [
            `  ${'user'.padEnd(10)} ${'provision'.padEnd(10)} ${'filters'.padEnd(10)} ${'categories'.padEnd(24)} onboarded`,
          ]),
      ...rows,
    ].join('\n'),
  };
}

/** The newest event bunq lists for the user (RFC 3339), or null: the last callback bunq had to send it. */
async function newestEvent(session: BunqSession): Promise<string | null> {
  const result = await session.client.request({
    method: 'GET',
    path: `/user/${session.userId}/event`,
    query: { count: 1 },
  });
  const parsed = bunqEventSchema.safeParse(result.items[0]?.Event);
  if (!parsed.success) return null;
  return bunqTimeToRfc3339(parsed.data.created ?? parsed.data.updated ?? null) ?? null;
}

/** One user's status: our filters at its own URL against its entry, the newest event, the onboarding. */
async function userStatus(
  entry: FleetEntry,
  current: readonly NotificationFilterUrl[],
  url: string,
  owns: Ownership,
  session: BunqSession,
): Promise<UserResult> {
  const toUs = new Set(current.filter((f) => f.notification_target === url).map((f) => f.category));
  const missing = entry.categories.filter((category) => !toUs.has(category));
  const stale = current
    .filter((f) => typeof f.notification_target === 'string' && f.notification_target !== url)
    .filter((f) => owns(f.notification_target as string))
    .map((f) => f.category);
  const filters =
    entry.categories.length === 0
      ? 'none registered'
      : missing.length + stale.length === 0
        ? 'in place'
        : 'drifted';
  const lastCallback = await newestEvent(session);
  return {
    json: {
      userId: entry.userId,
      filters,
      missing,
      stale,
      lastCallback,
      onboarding: entry.filterState,
      onboardedAt: entry.onboardedAt,
      updatedAt: entry.updatedAt,
    },
    lines: [
      `user ${entry.userId}: filters ${filters}` +
        (missing.length > 0 ? ` (missing ${missing.join(', ')})` : '') +
        (stale.length > 0 ? ` (ours elsewhere: ${stale.join(', ')})` : '') +
        `; last callback ${lastCallback ?? 'none listed'}; onboarding ${entry.filterState} since ${entry.onboardedAt}`,
    ],
    exitCode: filters === 'drifted' ? EXIT.failure : EXIT.ok,
  };
}

async function fleet(context: CliContext): Promise<CommandOutput> {
  const [actionText, ...extra] = context.positionals;
  if (actionText === undefined || !(ACTIONS as readonly string[]).includes(actionText) || extra.length > 0) {
    throw new UsageError(
      `fleet needs one of ${ACTIONS.join(', ')}${actionText === undefined ? '' : `, got "${[actionText, ...extra].join(' ')}"`}. See: bunq-webhooks fleet --help`,
    );
  }
  const action = actionText as Action;
  const source = await openFleetRegistry(context);
  try {
    const entries = await selected(context, source.registry, action);
    if (action === 'list') return listOutput(source.label, entries);
    const target = await resolveCallbackTarget(context, action !== 'unregister');
    const owns = fleetOwnership(target.url, target.baseUrl);
    const sessions = new FleetSessions(context);
    const dryRun = context.flags.boolean('dry-run');
    const categories = categoriesFlag(context.flags);
    const now = () => context.now().toISOString();
    context.progress(`fleet ${action}: ${entries.length} user(s) from the ${source.label}`);

    const results = await eachUser(entries, async (entry) => {
      const session = await sessions.open(entry);
      const scope = { userId: entry.userId, monetaryAccountId: undefined };
      const current = await readScope(session, scope);
      if (action === 'status') {
        return userStatus(entry, current, fleetUserUrl(target.url as string, entry.userId), owns, session);
      }
      const wanted = action === 'register' ? (categories ?? entry.categories) : [];
      const url = target.url === undefined ? undefined : fleetUserUrl(target.url, entry.userId);
      const plan =
        action === 'register'
          ? planRegister(current, url as string, wanted, owns)
          : planUnregister(current, owns, categories);
      checkPlan(scope, plan, context.showUrl);
      const written = await writePlan(session, scope, plan, dryRun);
      const state = !plan.changed ? 'unchanged' : dryRun ? 'dry-run' : 'written';
      const left =
        action === 'register'
          ? wanted
          : entry.categories.filter((c) => categories !== undefined && !categories.includes(c));
      const recorded: FleetEntry = {
        ...entry,
        categories: left,
        filterState: 'registered',
        updatedAt: now(),
      };
      if (!dryRun && !sameFleetEntry(entry, recorded)) await source.registry.put(recorded);
      return {
        json: planJson(scope, plan, context.showUrl, owns, written),
        lines: planText(scope, plan, context.showUrl, owns, state),
        exitCode: EXIT.ok,
      };
    });

    const exitCode = overall(results);
    return {
      json: {
        command: 'fleet',
        action,
        source: source.label,
        dryRun,
        users: results.map((result) => result.json),
      },
      text: [
        ...results.flatMap((result) => result.lines),
        `${results.length} user(s); ${results.filter((result) => result.exitCode !== EXIT.ok).length} with a problem` +
          (dryRun ? '. Dry run: nothing was written.' : ''),
      ].join('\n'),
      exitCode,
    };
  } finally {
    source.close();
  }
}

export const fleetCommand = defineCommand('fleet', fleet, {
  fleetTableOutput: STACK_OUTPUTS.fleetTableName,
});
