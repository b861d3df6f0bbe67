/**
 * Filter drift: our notification filters at bunq compared with what `register` set. bunq's POST
 * notification-filter-url replaces the whole set of a scope, so another integration that registers its own
 * URL naively removes ours, and from then on bunq sends us nothing and records no failure.
 *
 * The repair is `register`'s read-merge-write: read the scope, keep every filter that is not ours exactly as
 * it is, put ours back (with the current URL), write, and check bunq answered that set.
 */
import type { NotificationFilterInput, NotificationFilterUrl } from '../../bunq/api/client';
import type { ExpectedFilters, ReconcileBunqApi } from './ports';

/** One scope's drift. */
export interface ScopeDrift {
  readonly monetaryAccountId: number | null;
  /** Registered categories with no filter sending them to our URL. */
  readonly missing: readonly string[];
  /** Filters of ours pointing somewhere else than our URL (e.g. an old token), by category. */
  readonly changed: readonly string[];
}

/** The drift of every expected scope (scopes without drift left out). */
export async function detectFilterDrift(
  bunq: ReconcileBunqApi,
  userId: number,
  expected: ExpectedFilters,
): Promise<{ drift: ScopeDrift[]; current: Map<number | null, NotificationFilterUrl[]> }> {
  const drift: ScopeDrift[] = [];
  const current = new Map<number | null, NotificationFilterUrl[]>();
  for (const scope of expected.scopes) {
    const filters = await bunq.getNotificationFilterUrls(userId, scope.monetaryAccountId ?? undefined);
    current.set(scope.monetaryAccountId, filters);
    const isOurs = (target: string | null | undefined): boolean =>
      typeof target === 'string' &&
      (expected.target === null ? expected.owns(target) : target === expected.target);
    const toUs = new Set(
      filters.filter((filter) => isOurs(filter.notification_target)).map((f) => f.category),
    );
    const missing = [...new Set(scope.categories)].filter((category) => !toUs.has(category));
    const changed =
      expected.target === null
        ? []
        : filters
            .filter(
              (filter) =>
                typeof filter.notification_target === 'string' &&
                filter.notification_target !== expected.target &&
                expected.owns(filter.notification_target),
            )
            .map((filter) => filter.category);
    if (missing.length > 0 || changed.length > 0) {
      drift.push({ monetaryAccountId: scope.monetaryAccountId, missing, changed });
    }
  }
  return { drift, current };
}

/** The set to write: others' filters as they are, then ours, exactly the registered categories. */
export function repairedFilterSet(
  current: readonly NotificationFilterUrl[],
  expected: ExpectedFilters & { readonly target: string },
  categories: readonly string[],
): NotificationFilterInput[] {
  const others = current.flatMap((filter) =>
    typeof filter.notification_target === 'string' && !expected.owns(filter.notification_target)
      ? [{ category: filter.category, notification_target: filter.notification_target }]
      : [],
  );
  const ours = [...new Set(categories)].map((category) => ({
    category,
    notification_target: expected.target,
  }));
  return [...others, ...ours];
}

/** Thrown when bunq accepted a repair but answered another set than the one written. */
export class FilterRepairMismatchError extends Error {
  override readonly name = 'FilterRepairMismatchError';
}

/** Re-applies our filters in one drifted scope. */
export async function repairScope(
  bunq: ReconcileBunqApi,
  userId: number,
  expected: ExpectedFilters,
  drift: ScopeDrift,
  current: readonly NotificationFilterUrl[],
): Promise<void> {
  if (expected.target === null) {
    throw new FilterRepairMismatchError(
      'cannot repair the filters without our callback URL: give the reconciler the callback token (repairFilters does in the stack), or run `bunq-webhooks register`.',
    );
  }
  const target = expected.target;
  const categories =
    expected.scopes.find((scope) => scope.monetaryAccountId === drift.monetaryAccountId)?.categories ?? [];
  const wanted = repairedFilterSet(current, { ...expected, target }, categories);
  const answer = await bunq.setNotificationFilterUrls(userId, wanted, drift.monetaryAccountId ?? undefined);
  const key = (filter: { category: string; notification_target?: string | null }) =>
    `${filter.category} ${filter.notification_target ?? ''}`;
  const answered = new Set(answer.map(key));
  if (answer.length !== wanted.length || !wanted.every((filter) => answered.has(key(filter)))) {
    throw new FilterRepairMismatchError(
      `bunq accepted the repaired filters of user ${userId}${drift.monetaryAccountId === null ? '' : `, monetary account ${drift.monetaryAccountId}`} but answered ${answer.length} filters where ${wanted.length} were written; run \`bunq-webhooks status\` to see what bunq has now.`,
    );
  }
}
