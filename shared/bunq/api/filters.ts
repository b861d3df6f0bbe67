/**
 * Merging callback filters. bunq's POST notification-filter-url replaces the whole set (what it is sent
 * becomes the set), so a tool that registers its URL must read the set, change only the filters pointing at
 * its own URL, and write everything back: other integrations' filters stay as they were.
 */
import type { NotificationFilterInput, NotificationFilterUrl } from './schemas';

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
