/**
 * A route's EventBridge event pattern, and an evaluator of the pattern syntax it uses. The stack puts
 * {@link eventPatternForRoute}'s pattern on the route's rule verbatim; the local runtime matches events with
 * {@link matchesEventPattern} on the very same pattern, so both sides route alike.
 */
import type { RouteConfig } from './route-config';

/** A JSON leaf EventBridge compares: patterns list the values a field may have. */
export type PatternValue = string | number | boolean | null;

/**
 * The subset of EventBridge's pattern syntax this module produces and evaluates: objects of fields, each a
 * list of allowed exact values or a nested pattern. Content filters (`prefix`, `anything-but`, `numeric`,
 * `exists`, ...) are deliberately absent: {@link matchesEventPattern} rejects them rather than guessing.
 */
export interface EventPattern {
  readonly [field: string]: readonly PatternValue[] | EventPattern;
}

/** The event field a route's `eventTypes` filter on (Contract 2: `detail.eventType`). */
export const EVENT_TYPE_FIELD = 'eventType';
/** The event field a route's `userIds` filter on (Contract 2: `detail.userId`). */
export const USER_ID_FIELD = 'userId';

/**
 * The event pattern of a route: events from `source` whose detail-type (the bunq category) is one of the
 * route's categories and, when it lists event types, whose `detail.eventType` is one of them.
 */
export function eventPatternForRoute(
  route: Pick<RouteConfig, 'categories' | 'eventTypes' | 'userIds'>,
  source: string,
): EventPattern {
  const pattern: Record<string, readonly PatternValue[] | EventPattern> = {
    source: [source],
    'detail-type': [...route.categories],
  };
  const detail: Record<string, readonly PatternValue[]> = {};
  if (route.eventTypes !== undefined) detail[EVENT_TYPE_FIELD] = [...route.eventTypes];
  if (route.userIds !== undefined) detail[USER_ID_FIELD] = [...route.userIds];
  if (Object.keys(detail).length > 0) pattern.detail = detail;
  return pattern;
}

export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isLeaf = (value: unknown): value is PatternValue =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** Leaves compare exactly and by type: the string `"1"` does not match the number `1`. */
function leafMatches(allowed: readonly unknown[], value: unknown): boolean {
  return allowed.some((candidate) => {
    if (!isLeaf(candidate)) {
      throw new UnsupportedPatternError(
        `content filter ${JSON.stringify(candidate)} is not supported by this evaluator; only exact values are`,
      );
    }
    return candidate === value;
  });
}

/**
 * Whether `event` (as a rule target receives it) matches `pattern`, with EventBridge's semantics for exact
 * values: every field of the pattern must be present in the event; a field matches when its value (or, for
 * an array in the event, any of its elements) is one of the listed values; nested objects match field by
 * field. An empty list matches nothing. Throws {@link UnsupportedPatternError} for syntax outside the subset.
 */
export function matchesEventPattern(
  pattern: EventPattern | Record<string, unknown>,
  event: unknown,
): boolean {
  if (!isRecord(event)) return false;
  for (const [field, expected] of Object.entries(pattern)) {
    if (!Object.hasOwn(event, field)) return false;
    const value = event[field];
    if (Array.isArray(expected)) {
      const values: unknown[] = Array.isArray(value) ? value : [value];
      if (!values.some((item) => leafMatches(expected, item))) return false;
    } else if (isRecord(expected)) {
      if (!matchesEventPattern(expected, value)) return false;
    } else {
      throw new UnsupportedPatternError(
        `pattern field "${field}" must be a list of values or a nested pattern, got ${JSON.stringify(expected)}`,
      );
    }
  }
  return true;
}

/** Whether a route takes `event` when events are published with `source`. */
export function routeMatches(
  route: Pick<RouteConfig, 'categories' | 'eventTypes' | 'userIds'>,
  event: unknown,
  source: string,
): boolean {
  return matchesEventPattern(eventPatternForRoute(route, source), event);
}

/**
 * A function giving the names of the routes an event matches, in configuration order. The patterns are
 * built once.
 */
export function createRouteMatcher(
  routes: readonly Pick<RouteConfig, 'name' | 'categories' | 'eventTypes' | 'userIds'>[],
  source: string,
): (event: unknown) => string[] {
  const compiled = routes.map((route) => ({
    name: route.name,
    pattern: eventPatternForRoute(route, source),
  }));
  return (event) =>
    compiled.filter(({ pattern }) => matchesEventPattern(pattern, event)).map(({ name }) => name);
}
