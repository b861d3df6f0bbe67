/**
 * Reading, showing and writing one scope's filter plan at bunq: the safety checks before the write (bunq's
 * 2-URLs-per-category limit), the write itself, and the check that bunq now has exactly what was written.
 */
import type { FilterScope } from './command';
import { scopeLabel } from './command';
import type { BunqSession } from './context';
import { OperationError, RefusedError } from './errors';
import {
  categoriesOverLimit,
  type FilterPair,
  type FilterPlan,
  MAX_URLS_PER_CATEGORY,
  type Ownership,
  sameFilterSet,
  toFilterInputs,
} from './filter-plan';
import type { UrlShower } from './urls';

/** The filter scopes named by the flags: user level, or the one `--monetary-account`. */
export function scopeOf(session: BunqSession, monetaryAccountId: number | undefined): FilterScope {
  return { userId: session.userId, monetaryAccountId };
}

export function readScope(session: BunqSession, scope: FilterScope) {
  return session.client.getNotificationFilterUrls(scope.userId, scope.monetaryAccountId);
}

/** Refuses a plan bunq would refuse (more than 2 URLs for a category), naming the URLs in the way. */
export function checkPlan(scope: FilterScope, plan: FilterPlan, show: UrlShower): void {
  const over = categoriesOverLimit(plan.after);
  if (over.length === 0) return;
  const detail = over
    .map(({ category, targets }) => `${category}: ${targets.map((target) => show(target)).join(', ')}`)
    .join('; ');
  throw new RefusedError(
    `${scopeLabel(scope)}: bunq allows at most ${MAX_URLS_PER_CATEGORY} callback URLs per category, and the ` +
      `result would have more (${detail}). Nothing was changed. Remove another integration's filter for ` +
      'that category first, or register fewer categories.',
  );
}

/** Writes the plan unless it changes nothing or this is a dry run; returns whether it wrote. */
export async function writePlan(
  session: BunqSession,
  scope: FilterScope,
  plan: FilterPlan,
  dryRun: boolean,
): Promise<boolean> {
  if (!plan.changed || dryRun) return false;
  const answer = await session.client.setNotificationFilterUrls(
    scope.userId,
    toFilterInputs(plan.after),
    scope.monetaryAccountId,
  );
  if (!sameFilterSet(plan.after, answer)) {
    throw new OperationError(
      `${scopeLabel(scope)}: bunq accepted the filters but answered a different set (${answer.length} ` +
        `filters, ${plan.after.length} written). Run \`bunq-webhooks status\` to see what bunq has now.`,
    );
  }
  return true;
}

const pairJson = (pair: FilterPair, show: UrlShower, owns: Ownership) => ({
  category: pair.category,
  target: show(pair.target),
  ours: owns(pair.target),
});

/** The plan as JSON (URLs shown through `show`). */
export function planJson(
  scope: FilterScope,
  plan: FilterPlan,
  show: UrlShower,
  owns: Ownership,
  written: boolean,
): Record<string, unknown> {
  return {
    userId: scope.userId,
    monetaryAccountId: scope.monetaryAccountId ?? null,
    changed: plan.changed,
    written,
    before: plan.before.map((pair) => pairJson(pair, show, owns)),
    after: plan.after.map((pair) => pairJson(pair, show, owns)),
    added: plan.added.map((pair) => pairJson(pair, show, owns)),
    removed: plan.removed.map((pair) => pairJson(pair, show, owns)),
  };
}

/** The plan as lines: `+` added, `-` removed, ` ` ours unchanged, `=` another integration's, kept. */
export function planText(
  scope: FilterScope,
  plan: FilterPlan,
  show: UrlShower,
  owns: Ownership,
  state: 'written' | 'dry-run' | 'unchanged',
): string[] {
  const others = plan.after.filter((pair) => !owns(pair.target)).length;
  const head =
    state === 'unchanged'
      ? `${scopeLabel(scope)}: already as wanted, nothing written (${others} other integrations' filter(s) untouched)`
      : `${scopeLabel(scope)}: ${state === 'dry-run' ? 'would add' : 'added'} ${plan.added.length}, ` +
        `${state === 'dry-run' ? 'would remove' : 'removed'} ${plan.removed.length}; ` +
        `${others} other integrations' filter(s) kept as they were`;
  const width = Math.max(0, ...[...plan.after, ...plan.removed].map((pair) => pair.category.length));
  const added = new Set(plan.added);
  const line = (mark: string, pair: FilterPair, note = '') =>
    `  ${mark} ${pair.category.padEnd(width)} -> ${show(pair.target)}${note}`;
  return [
    head,
    ...plan.after.map((pair) =>
      added.has(pair)
        ? line('+', pair)
        : owns(pair.target)
          ? line(' ', pair)
          : line('=', pair, '  (another integration)'),
    ),
    ...plan.removed.map((pair) => line('-', pair)),
  ];
}
