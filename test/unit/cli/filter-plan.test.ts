import {
  categoriesOverLimit,
  hasExactFilters,
  ourCategories,
  ownership,
  planRegister,
  planUnregister,
  replaceFiltersForTarget,
  sameFilterSet,
} from '../../../cli/filter-plan';
import type { NotificationFilterUrl } from '../../../shared/bunq/api/schemas';

const BASE = 'https://abc.execute-api.eu-west-1.amazonaws.com/callbacks/';
const OURS = `${BASE}${'n'.repeat(43)}`;
const OLD = `${BASE}${'o'.repeat(43)}`;
const FOREIGN = 'https://ynab-sync.example/hooks/secret-foreign-token';

const filter = (category: string, target: string, id?: number): NotificationFilterUrl => ({
  category,
  notification_target: target,
  ...(id === undefined ? {} : { id }),
});

describe('planRegister', () => {
  it('adds our categories and writes every foreign filter back as it was', () => {
    const current = [filter('MUTATION', FOREIGN, 1), filter('PAYMENT', FOREIGN, 2)];
    const plan = planRegister(current, OURS, ['MUTATION', 'PAYMENT'], ownership(OURS, undefined));
    expect(plan.changed).toBe(true);
    expect(plan.after).toEqual([
      { category: 'MUTATION', target: FOREIGN },
      { category: 'PAYMENT', target: FOREIGN },
      { category: 'MUTATION', target: OURS },
      { category: 'PAYMENT', target: OURS },
    ]);
    expect(plan.removed).toEqual([]);
    expect(plan.added).toHaveLength(2);
  });

  it('changes nothing when bunq already has exactly our categories (idempotent)', () => {
    const current = [filter('MUTATION', FOREIGN), filter('MUTATION', OURS), filter('PAYMENT', OURS)];
    const plan = planRegister(current, OURS, ['PAYMENT', 'MUTATION'], ownership(OURS, BASE));
    expect(plan).toMatchObject({ changed: false, added: [], removed: [] });
    expect(plan.after).toEqual(plan.before);
  });

  it('replaces our filters with an old token (same base URL) and drops categories no longer wanted', () => {
    const current = [
      filter('MUTATION', OLD),
      filter('CARD_TRANSACTION_FAILED', OURS),
      filter('MUTATION', FOREIGN),
    ];
    const plan = planRegister(current, OURS, ['MUTATION'], ownership(OURS, BASE));
    expect(plan.after).toEqual([
      { category: 'MUTATION', target: FOREIGN },
      { category: 'MUTATION', target: OURS },
    ]);
    expect(plan.removed).toEqual([
      { category: 'MUTATION', target: OLD },
      { category: 'CARD_TRANSACTION_FAILED', target: OURS },
    ]);
  });

  it('does not count an old-token filter as ours without the base URL', () => {
    const plan = planRegister([filter('MUTATION', OLD)], OURS, ['MUTATION'], ownership(OURS, undefined));
    expect(plan.after).toEqual([
      { category: 'MUTATION', target: OLD },
      { category: 'MUTATION', target: OURS },
    ]);
  });
});

describe('planUnregister', () => {
  const current = [
    filter('MUTATION', FOREIGN),
    filter('MUTATION', OURS),
    filter('PAYMENT', OURS),
    filter('PAYMENT', OLD),
  ];

  it('removes every filter of ours (any token under the base URL) and keeps the foreign ones', () => {
    const plan = planUnregister(current, ownership(undefined, BASE));
    expect(plan.after).toEqual([{ category: 'MUTATION', target: FOREIGN }]);
    expect(plan.removed).toHaveLength(3);
  });

  it('removes only the categories asked for', () => {
    const plan = planUnregister(current, ownership(OURS, undefined), ['PAYMENT']);
    expect(plan.removed).toEqual([{ category: 'PAYMENT', target: OURS }]);
  });

  it('has nothing to do when none of ours is there', () => {
    expect(planUnregister([filter('MUTATION', FOREIGN)], ownership(OURS, BASE)).changed).toBe(false);
  });
});

describe('helpers', () => {
  it('finds the categories of our filters once each', () => {
    const current = [filter('PAYMENT', OLD), filter('MUTATION', FOREIGN), filter('PAYMENT', OURS)];
    expect(ourCategories(current, ownership(OURS, BASE))).toEqual(['PAYMENT']);
  });

  it('names categories that would exceed 2 URLs', () => {
    const after = [
      { category: 'MUTATION', target: FOREIGN },
      { category: 'MUTATION', target: 'https://b.example/x' },
      { category: 'MUTATION', target: OURS },
      { category: 'PAYMENT', target: OURS },
    ];
    expect(categoriesOverLimit(after)).toEqual([
      { category: 'MUTATION', targets: [FOREIGN, 'https://b.example/x', OURS] },
    ]);
  });

  it('compares filter sets as multisets, whatever the order and ids', () => {
    const written = [
      { category: 'MUTATION', target: OURS },
      { category: 'PAYMENT', target: OURS },
    ];
    expect(sameFilterSet(written, [filter('PAYMENT', OURS, 9), filter('MUTATION', OURS, 8)])).toBe(true);
    expect(sameFilterSet(written, [filter('PAYMENT', OURS)])).toBe(false);
  });
});

describe('the merge for one exact target', () => {
  const current = [
    { id: 1, category: 'MUTATION', notification_target: 'https://other.example/a' },
    { id: 2, category: 'PAYMENT', notification_target: 'https://ours.example/cb' },
    { id: 3, category: 'CARD_TRANSACTION_SUCCESSFUL', notification_target: null },
  ];

  describe('replaceFiltersForTarget', () => {
    it('keeps other targets and gives ours exactly the categories asked for', () => {
      expect(
        replaceFiltersForTarget(current, 'https://ours.example/cb', ['MUTATION', 'MUTATION', 'REQUEST']),
      ).toEqual([
        { category: 'MUTATION', notification_target: 'https://other.example/a' },
        { category: 'MUTATION', notification_target: 'https://ours.example/cb' },
        { category: 'REQUEST', notification_target: 'https://ours.example/cb' },
      ]);
    });

    it('removes our target everywhere with no categories', () => {
      expect(replaceFiltersForTarget(current, 'https://ours.example/cb', [])).toEqual([
        { category: 'MUTATION', notification_target: 'https://other.example/a' },
      ]);
    });
  });

  describe('hasExactFilters', () => {
    it('is true only for the same category set', () => {
      expect(hasExactFilters(current, 'https://ours.example/cb', ['PAYMENT'])).toBe(true);
      expect(hasExactFilters(current, 'https://ours.example/cb', ['PAYMENT', 'MUTATION'])).toBe(false);
      expect(hasExactFilters(current, 'https://new.example', [])).toBe(true);
    });
  });
});
