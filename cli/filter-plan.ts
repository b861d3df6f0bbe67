/**
 * What `register`, `unregister` and `rotate-token` write to bunq, computed without talking to bunq. bunq's
 * POST notification-filter-url replaces the whole filter set of a user or monetary account (what it is sent
 * becomes the set; `[]` clears it), so every plan starts from the set bunq has now and changes only the
 * filters that are ours; the rest is written back as it was.
 *
 * "Ours" is a filter whose target is our callback URL, or starts with our callback base URL (the same
 * endpoint with another token, e.g. before a rotation).
 *
 * {@link replaceFiltersForTarget} and {@link hasExactFilters} are the merge for one exact target URL.
 */
import type { NotificationFilterInput, NotificationFilterUrl } from '../shared/bunq/api/schemas';

/**
 * bunq's limit of callback URLs per category (bunq's API docs, "Rate limits": 2 per notification category).
 */
export const MAX_URLS_PER_CATEGORY = 2;

/** One filter: a category sent to a target. */
export interface FilterPair {
  readonly category: string;
  readonly target: string;
}

/** A change to one scope's filter set. */
export interface FilterPlan {
  /** The set bunq has now. */
  readonly before: readonly FilterPair[];
  /** The set to write (others' filters first, as they were, then ours). */
  readonly after: readonly FilterPair[];
  readonly added: readonly FilterPair[];
  readonly removed: readonly FilterPair[];
  /** False when bunq already has exactly {@link after}: nothing is written. */
  readonly changed: boolean;
}

/** Which targets are ours. */
export type Ownership = (target: string) => boolean;

/** Ours: `url` exactly, or any target under `baseUrl`. At least one of them must be given. */
export function ownership(url: string | undefined, baseUrl: string | undefined): Ownership {
  if (url === undefined && baseUrl === undefined) {
    throw new Error('ownership needs the callback URL or the callback base URL');
  }
  return (target) => target === url || (baseUrl !== undefined && target.startsWith(baseUrl));
}

function pairs(filters: readonly { category: string; notification_target?: string | null }[]): FilterPair[] {
  return filters.flatMap((filter) =>
    typeof filter.notification_target === 'string'
      ? [{ category: filter.category, target: filter.notification_target }]
      : [],
  );
}

const keyOf = (pair: FilterPair): string => `${pair.category}\u0000${pair.target}`;

/** Multiset difference `a - b`. */
function minus(a: readonly FilterPair[], b: readonly FilterPair[]): FilterPair[] {
  const remaining = new Map<string, number>();
  for (const pair of b) remaining.set(keyOf(pair), (remaining.get(keyOf(pair)) ?? 0) + 1);
  return a.filter((pair) => {
    const left = remaining.get(keyOf(pair)) ?? 0;
    if (left === 0) return true;
    remaining.set(keyOf(pair), left - 1);
    return false;
  });
}

function plan(before: FilterPair[], after: FilterPair[]): FilterPlan {
  const added = minus(after, before);
  const removed = minus(before, after);
  return { before, after, added, removed, changed: added.length > 0 || removed.length > 0 };
}

/**
 * `url` receives exactly `categories`; our filters with another target (an old token) go; everyone else's
 * stay as they are.
 */
export function planRegister(
  current: readonly NotificationFilterUrl[],
  url: string,
  categories: readonly string[],
  owns: Ownership,
): FilterPlan {
  const withoutStale = current.filter(
    (filter) =>
      !(
        typeof filter.notification_target === 'string' &&
        filter.notification_target !== url &&
        owns(filter.notification_target)
      ),
  );
  const before = pairs(current);
  if (withoutStale.length === current.length && hasExactFilters(current, url, categories)) {
    return { before, after: before, added: [], removed: [], changed: false };
  }
  return plan(before, pairs(replaceFiltersForTarget(withoutStale, url, categories)));
}

/** Our filters go (only those of `categories` when given); everyone else's stay. */
export function planUnregister(
  current: readonly NotificationFilterUrl[],
  owns: Ownership,
  categories?: readonly string[],
): FilterPlan {
  const before = pairs(current);
  const after = before.filter(
    (pair) => !(owns(pair.target) && (categories === undefined || categories.includes(pair.category))),
  );
  return plan(before, after);
}

/** The categories our filters have in a set, in bunq's order, once each. */
export function ourCategories(current: readonly NotificationFilterUrl[], owns: Ownership): string[] {
  return [
    ...new Set(
      pairs(current)
        .filter((pair) => owns(pair.target))
        .map((pair) => pair.category),
    ),
  ];
}

/** Categories that would have more distinct URLs than bunq allows, with those URLs. */
export function categoriesOverLimit(
  after: readonly FilterPair[],
): Array<{ category: string; targets: string[] }> {
  const byCategory = new Map<string, Set<string>>();
  for (const pair of after) {
    const targets = byCategory.get(pair.category) ?? new Set<string>();
    targets.add(pair.target);
    byCategory.set(pair.category, targets);
  }
  return [...byCategory]
    .filter(([, targets]) => targets.size > MAX_URLS_PER_CATEGORY)
    .map(([category, targets]) => ({ category, targets: [...targets] }));
}

/** The body of the POST for a plan. */
export function toFilterInputs(after: readonly FilterPair[]): NotificationFilterInput[] {
  return after.map((pair) => ({ category: pair.category, notification_target: pair.target }));
}

/** Whether bunq's answer (the list it now has) is the set written. */
export function sameFilterSet(
  written: readonly FilterPair[],
  answer: readonly NotificationFilterUrl[],
): boolean {
  const answered = pairs(answer);
  return minus(written, answered).length === 0 && minus(answered, written).length === 0;
}

/**
 * The filter set to write so that `target` receives exactly `categories`, every filter for another target
 * kept as is. `categories: []` removes `target` everywhere.
 */
export function replaceFiltersForTarget(
  current: readonly NotificationFilterUrl[],
  target: string,
  categories: readonly string[],
): NotificationFilterInput[] {
  const kept: NotificationFilterInput[] = [];
  for (const filter of current) {
    const existingTarget = filter.notification_target;
    if (existingTarget === null || existingTarget === undefined || existingTarget === target) continue;
    kept.push({ category: filter.category, notification_target: existingTarget });
  }
  const ours = [...new Set(categories)].map((category) => ({ category, notification_target: target }));
  return [...kept, ...ours];
}

/** Whether `current` already gives `target` exactly `categories` (then there is nothing to write). */
export function hasExactFilters(
  current: readonly NotificationFilterUrl[],
  target: string,
  categories: readonly string[],
): boolean {
  const registered = new Set(
    current.filter((filter) => filter.notification_target === target).map((filter) => filter.category),
  );
  const wanted = new Set(categories);
  return registered.size === wanted.size && [...wanted].every((category) => registered.has(category));
}
