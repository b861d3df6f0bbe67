/** Route patterns and the evaluator the local runtime matches events with. */
import {
  createRouteMatcher,
  type EventPattern,
  eventPatternForRoute,
  matchesEventPattern,
  routeMatches,
  UnsupportedPatternError,
} from '../../../../shared/routing/event-pattern';
import type { RouteConfig } from '../../../../shared/routing/route-config';

/** An event as a rule target receives it (Contract 2). */
function busEvent(detailType: string, detail: Record<string, unknown> = {}, source = 'bunq') {
  return {
    version: '0',
    id: 'e1',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2025-09-03T08:24:14Z',
    region: 'eu-west-1',
    resources: [],
    detail: { category: detailType, eventType: `${detailType}_CREATED`, ...detail },
  };
}

type RouteShape = Pick<RouteConfig, 'name' | 'categories' | 'eventTypes'>;

describe('eventPatternForRoute', () => {
  it('matches the source and the categories as detail-types', () => {
    expect(eventPatternForRoute({ categories: ['PAYMENT', 'MUTATION'] }, 'bunq')).toEqual({
      source: ['bunq'],
      'detail-type': ['PAYMENT', 'MUTATION'],
    });
  });

  it('narrows to detail.eventType when the route lists event types', () => {
    expect(
      eventPatternForRoute({ categories: ['MUTATION'], eventTypes: ['MUTATION_CREATED'] }, 'bunq.sandbox'),
    ).toEqual({
      source: ['bunq.sandbox'],
      'detail-type': ['MUTATION'],
      detail: { eventType: ['MUTATION_CREATED'] },
    });
  });

  it('narrows to detail.userId when the route lists users, and matches only their events', () => {
    const route = { categories: ['MUTATION'], eventTypes: ['MUTATION_CREATED'], userIds: [4711] };
    expect(eventPatternForRoute(route, 'bunq')).toEqual({
      source: ['bunq'],
      'detail-type': ['MUTATION'],
      detail: { eventType: ['MUTATION_CREATED'], userId: [4711] },
    });
    expect(routeMatches(route, busEvent('MUTATION', { userId: 4711 }), 'bunq')).toBe(true);
    expect(routeMatches(route, busEvent('MUTATION', { userId: 4712 }), 'bunq')).toBe(false);
    expect(routeMatches(route, busEvent('MUTATION', { userId: null }), 'bunq')).toBe(false);
    expect(routeMatches(route, busEvent('MUTATION', { userId: '4711' }), 'bunq')).toBe(false);
  });
});

describe('matchesEventPattern (EventBridge semantics for exact values)', () => {
  const cases: Array<[string, EventPattern, unknown, boolean]> = [
    ['a listed value', { source: ['bunq'] }, { source: 'bunq' }, true],
    ['an unlisted value', { source: ['bunq'] }, { source: 'other' }, false],
    ['a missing field', { source: ['bunq'] }, {}, false],
    [
      'every field must match',
      { source: ['bunq'], 'detail-type': ['A'] },
      { source: 'bunq', 'detail-type': 'B' },
      false,
    ],
    ['nested fields', { detail: { eventType: ['X'] } }, { detail: { eventType: 'X', other: 1 } }, true],
    ['a nested pattern on a scalar', { detail: { eventType: ['X'] } }, { detail: 'X' }, false],
    ['any element of an array in the event', { resources: ['b'] }, { resources: ['a', 'b'] }, true],
    ['no element of an array in the event', { resources: ['c'] }, { resources: ['a', 'b'] }, false],
    ['an empty list matches nothing', { source: [] }, { source: 'bunq' }, false],
    ['null matches a null field', { detail: { objectId: [null] } }, { detail: { objectId: null } }, true],
    ['null does not match an absent field', { detail: { objectId: [null] } }, { detail: {} }, false],
    ['types are not coerced', { detail: { objectId: ['1'] } }, { detail: { objectId: 1 } }, false],
    ['numbers match numbers', { detail: { objectId: [1] } }, { detail: { objectId: 1 } }, true],
    ['matching is case-sensitive', { 'detail-type': ['MUTATION'] }, { 'detail-type': 'mutation' }, false],
    ['an empty pattern matches any event', {}, { source: 'bunq' }, true],
    ['a non-object never matches', { source: ['bunq'] }, 'bunq', false],
  ];
  it.each(cases)('%s', (_name, pattern, event, expected) => {
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });

  it('refuses content filters rather than guessing their meaning', () => {
    const pattern = { source: [{ prefix: 'bu' }] } as unknown as EventPattern;
    expect(() => matchesEventPattern(pattern, { source: 'bunq' })).toThrow(UnsupportedPatternError);
  });
});

describe('routeMatches', () => {
  const payments = { categories: ['PAYMENT', 'MUTATION'] };
  const created = { categories: ['MUTATION'], eventTypes: ['MUTATION_CREATED'] };

  it('takes events of its categories from the pipeline source', () => {
    expect(routeMatches(payments, busEvent('PAYMENT'), 'bunq')).toBe(true);
    expect(routeMatches(payments, busEvent('MUTATION'), 'bunq')).toBe(true);
    expect(routeMatches(payments, busEvent('CARD_TRANSACTION_FAILED'), 'bunq')).toBe(false);
  });

  it('ignores events from another source', () => {
    expect(routeMatches(payments, busEvent('PAYMENT', {}, 'bunq.sandbox'), 'bunq')).toBe(false);
  });

  it('filters on the event type when it lists event types', () => {
    expect(routeMatches(created, busEvent('MUTATION', { eventType: 'MUTATION_CREATED' }), 'bunq')).toBe(true);
    expect(routeMatches(created, busEvent('MUTATION', { eventType: 'MUTATION_RECEIVED' }), 'bunq')).toBe(
      false,
    );
  });
});

describe('createRouteMatcher', () => {
  const routes: RouteShape[] = [
    { name: 'payments', categories: ['PAYMENT', 'MUTATION'] },
    { name: 'cards', categories: ['CARD_TRANSACTION_SUCCESSFUL'] },
    { name: 'ledger', categories: ['MUTATION'], eventTypes: ['MUTATION_CREATED'] },
  ];
  const match = createRouteMatcher(routes, 'bunq');

  it('names every route an event matches, in configuration order', () => {
    expect(match(busEvent('MUTATION', { eventType: 'MUTATION_CREATED' }))).toEqual(['payments', 'ledger']);
    expect(match(busEvent('CARD_TRANSACTION_SUCCESSFUL'))).toEqual(['cards']);
  });

  it('gives no route for an event nobody routes (a new category still becomes an event)', () => {
    expect(match(busEvent('SOME_NEW_CATEGORY'))).toEqual([]);
  });

  it('gives no route when none is configured', () => {
    expect(createRouteMatcher([], 'bunq')(busEvent('PAYMENT'))).toEqual([]);
  });
});
