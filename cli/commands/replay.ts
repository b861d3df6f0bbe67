/**
 * `replay`: an EventBridge archive replay of a time window, optionally for some categories only.
 *
 * A replay sends every archived event of the window to the bus; `Destination.FilterArns` limits it to some
 * rules, and each rule still applies its own pattern. So "replay MUTATION" means: replay to the rules whose
 * pattern routes MUTATION (their `detail-type` lists it). A chosen rule that also routes other categories
 * receives those too for the window: the plan says so before anything starts. Rules that match every
 * category (no `detail-type`) or use content filters on it are left out unless named with `--rules`.
 */
import { randomBytes } from 'node:crypto';
import {
  DescribeReplayCommand,
  type DescribeReplayCommandOutput,
  ListRulesCommand,
  type Rule,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { isRouteRuleOutput, routeOutputKey, STACK_OUTPUTS } from '../../shared/wiring/stack-outputs';
import type { CommandOutput } from '../command';
import { defineCommand } from '../command-table';
import type { CliContext } from '../context';
import { formatDuration, parseDuration, parseTimestamp } from '../duration';
import { EXIT, NotFoundError, UsageError } from '../errors';
import { categoriesFlag } from '../options';

const FINISHED = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

/** A rule chosen for the replay, and the categories it routes that were not asked for. */
export interface ChosenRule {
  readonly name: string;
  readonly arn: string;
  readonly categories: readonly string[];
  readonly alsoRoutes: readonly string[];
}

export interface RulePlan {
  readonly chosen: readonly ChosenRule[];
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly arn: string; readonly reason: string }>;
}

/** The rules of a bus that route any of `categories` (by their pattern's `detail-type`). */
export function chooseRules(rules: readonly Rule[], categories: readonly string[]): RulePlan {
  const chosen: ChosenRule[] = [];
  const skipped: Array<{ name: string; arn: string; reason: string }> = [];
  for (const rule of rules) {
    const name = rule.Name ?? '(unnamed)';
    const arn = rule.Arn;
    if (arn === undefined) continue;
    if (rule.ManagedBy !== undefined) continue; // e.g. the archive's own rule, managed by EventBridge
    if (rule.State === 'DISABLED') {
      skipped.push({ name, arn, reason: 'disabled' });
      continue;
    }
    let pattern: unknown;
    try {
      pattern = rule.EventPattern === undefined ? undefined : JSON.parse(rule.EventPattern);
    } catch {
      pattern = undefined;
    }
    if (typeof pattern !== 'object' || pattern === null) {
      skipped.push({ name, arn, reason: 'no event pattern (a schedule?)' });
      continue;
    }
    const detailType = (pattern as Record<string, unknown>)['detail-type'];
    if (detailType === undefined) {
      skipped.push({
        name,
        arn,
        reason: 'matches every category (no detail-type in its pattern); name it with --rules to include it',
      });
      continue;
    }
    if (!Array.isArray(detailType) || !detailType.every((item) => typeof item === 'string')) {
      skipped.push({
        name,
        arn,
        reason: 'filters detail-type with content filters; name it with --rules to include it',
      });
      continue;
    }
    const routed = detailType as string[];
    const matching = routed.filter((category) => categories.includes(category));
    if (matching.length > 0) {
      chosen.push({
        name,
        arn,
        categories: matching,
        alsoRoutes: routed.filter((category) => !categories.includes(category)),
      });
    }
  }
  return { chosen, skipped };
}

async function listRules(context: CliContext, busName: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let nextToken: string | undefined;
  do {
    const page = await context
      .eventBridge()
      .send(new ListRulesCommand({ EventBusName: busName, NextToken: nextToken }));
    rules.push(...(page.Rules ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return rules;
}

/** `arn:aws:events:<region>:<account>:event-bus/<name>` → `<name>`. */
export function busNameOf(busArn: string): string {
  const match = /^arn:[^:]+:events:[^:]*:\d*:event-bus\/(.+)$/.exec(busArn);
  if (match?.[1] === undefined) {
    throw new UsageError(
      `--event-bus-arn must be an event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>), got "${busArn}"`,
    );
  }
  return match[1];
}

/** Events reach an archive some minutes after they were put on the bus. */
const ARCHIVE_DELAY_MS = 5 * 60_000;

async function routeRuleArns(
  context: CliContext,
  routes: string[] | undefined,
): Promise<string[] | undefined> {
  if (routes === undefined) return undefined;
  if (context.stackName === undefined) {
    throw new UsageError(
      '--routes reads the rule ARNs from the stack outputs: add --stack <name>, or use --rules <arn>.',
    );
  }
  const outputs = await context.outputs();
  return routes.map((route) => {
    const arn = outputs.get(routeOutputKey(route, 'ruleArn'));
    if (arn === undefined) {
      const known = [...outputs.keys()].filter(isRouteRuleOutput);
      throw new NotFoundError(
        `Stack "${context.stackName}" has no route "${route}" (no output ${routeOutputKey(route, 'ruleArn')}); route outputs: ${known.join(', ') || 'none'}.`,
      );
    }
    return arn;
  });
}

function defaultReplayName(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `bunq-webhooks-${stamp}-${randomBytes(3).toString('hex')}`;
}

async function replay(context: CliContext): Promise<CommandOutput> {
  const { flags } = context;
  const fromText = flags.string('from');
  const toText = flags.string('to');
  if (fromText === undefined || toText === undefined) {
    throw new UsageError(
      'Missing the window: pass --from <time> and --to <time> (RFC 3339, e.g. 2026-01-31T08:00:00Z).',
    );
  }
  const from = parseTimestamp(fromText, '--from');
  const to = parseTimestamp(toText, '--to');
  const now = context.now();
  if (from >= to)
    throw new UsageError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()}).`);
  if (to > now)
    throw new UsageError(`--to (${to.toISOString()}) is in the future; a replay window must have ended.`);
  if (now.getTime() - to.getTime() < ARCHIVE_DELAY_MS) {
    context.warn(
      'events reach the archive a few minutes after they are published: the last minutes of the window may not replay.',
    );
  }
  const categories = categoriesFlag(flags);
  const routeRules = await routeRuleArns(context, flags.list('routes'));
  const explicitRules =
    flags.list('rules') === undefined && routeRules === undefined
      ? undefined
      : [...(flags.list('rules') ?? []), ...(routeRules ?? [])];
  const name = flags.string('name') ?? defaultReplayName(now);
  if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(name)) {
    throw new UsageError(`--name must be 1 to 64 of A-Z a-z 0-9 . - _, got "${name}"`);
  }
  const pollMs = parseDuration(flags.string('poll-interval') ?? '5s', '--poll-interval');
  const archiveArn = await context.required(
    'archive-arn',
    STACK_OUTPUTS.eventArchiveArn,
    'the event archive',
  );
  const busArn = await context.required('event-bus-arn', STACK_OUTPUTS.eventBusArn, 'the event bus ARN');

  let filterArns: string[] | undefined;
  let plan: RulePlan | null = null;
  if (categories !== undefined) {
    plan = chooseRules(await listRules(context, busNameOf(busArn)), categories);
    filterArns = [...new Set([...plan.chosen.map((rule) => rule.arn), ...(explicitRules ?? [])])];
    if (filterArns.length === 0) {
      throw new NotFoundError(
        `No rule on ${busNameOf(busArn)} routes ${categories.join(', ')}: a replay would reach nobody. ` +
          `${plan.skipped.length > 0 ? `Left out: ${plan.skipped.map((rule) => `${rule.name} (${rule.reason})`).join('; ')}. ` : ''}` +
          'Name rules with --rules, or replay without --categories.',
      );
    }
  } else if (explicitRules !== undefined) {
    filterArns = explicitRules;
  }

  const input = {
    ReplayName: name,
    Description: `bunq-webhooks replay${categories ? ` of ${categories.join(',')}` : ''}`.slice(0, 512),
    EventSourceArn: archiveArn,
    EventStartTime: from,
    EventEndTime: to,
    Destination: { Arn: busArn, ...(filterArns === undefined ? {} : { FilterArns: filterArns }) },
  };
  const planLines = [
    `Replay ${name}: ${from.toISOString()} .. ${to.toISOString()} (${formatDuration(to.getTime() - from.getTime())}) from ${archiveArn}`,
    filterArns === undefined ? '  to every rule on the bus' : `  to ${filterArns.length} rule(s):`,
    ...(plan?.chosen ?? []).map(
      (rule) =>
        `    ${rule.name} (${rule.categories.join(', ')})${rule.alsoRoutes.length > 0 ? ` -- also gets ${rule.alsoRoutes.join(', ')} of the window` : ''}`,
    ),
    ...(explicitRules ?? []).map((arn) => `    ${arn} (named)`),
    ...(plan?.skipped ?? []).map((rule) => `  left out: ${rule.name}: ${rule.reason}`),
  ];
  const planJson = {
    name,
    archiveArn,
    eventBusArn: busArn,
    from: from.toISOString(),
    to: to.toISOString(),
    categories: categories ?? null,
    filterArns: filterArns ?? null,
    rules: plan?.chosen ?? null,
    skippedRules: plan?.skipped ?? null,
  };
  if (flags.boolean('dry-run')) {
    return {
      json: { command: 'replay', dryRun: true, ...planJson, state: null },
      text: [...planLines, 'Dry run: no replay started.'].join('\n'),
    };
  }

  for (const line of planLines) context.progress(line);
  await context.eventBridge().send(new StartReplayCommand(input));
  context.progress(`replay ${name} started`);
  if (flags.boolean('no-wait')) {
    return {
      json: { command: 'replay', dryRun: false, ...planJson, state: 'STARTING' },
      text: `Replay ${name} started; follow it with: aws events describe-replay --replay-name ${name}`,
    };
  }

  let described: DescribeReplayCommandOutput;
  for (;;) {
    await context.sleep(pollMs);
    described = await context.eventBridge().send(new DescribeReplayCommand({ ReplayName: name }));
    const state = described.State ?? 'UNKNOWN';
    const last = described.EventLastReplayedTime;
    const percent =
      last === undefined
        ? 0
        : Math.min(
            100,
            Math.round(((last.getTime() - from.getTime()) / (to.getTime() - from.getTime())) * 100),
          );
    context.progress(
      `${state}: ${percent}% of the window replayed${last ? ` (up to ${last.toISOString()})` : ''}`,
    );
    if (FINISHED.has(state)) break;
  }
  const state = described.State as string;
  const ok = state === 'COMPLETED';
  return {
    exitCode: ok ? EXIT.ok : EXIT.failure,
    json: {
      command: 'replay',
      dryRun: false,
      ...planJson,
      state,
      stateReason: described.StateReason ?? null,
    },
    text: ok
      ? `Replay ${name} completed.`
      : `Replay ${name} ${state}: ${described.StateReason ?? 'no reason given'}`,
  };
}

export const replayCommand = defineCommand('replay', replay, {
  eventArchiveArn: STACK_OUTPUTS.eventArchiveArn,
});
