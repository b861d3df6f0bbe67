import { hasExactFilters, replaceFiltersForTarget } from '../../../../../shared/bunq/api/filters';

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
