import { KNOWN_CATEGORIES } from '../../../../../shared/bunq/callback/categories';
import { metricCategory, OTHER_CATEGORY } from '../../../../../shared/pipeline/normalize/metric-category';

describe('metricCategory', () => {
  it('keeps every documented category as its own dimension value', () => {
    for (const category of KNOWN_CATEGORIES) expect(metricCategory(category)).toBe(category);
  });

  it.each(['INVENTED_1', 'mutation', '', '__proto__', 'toString', 'constructor', 'MUTATION '])(
    'counts %j as OTHER',
    (category) => {
      expect(metricCategory(category)).toBe(OTHER_CATEGORY);
    },
  );

  it('bounds the dimension values: 3,000 invented categories make one value', () => {
    const values = new Set(Array.from({ length: 3_000 }, (_, i) => metricCategory(`INVENTED_${i}`)));
    values.add(metricCategory('PAYMENT'));
    expect([...values]).toEqual([OTHER_CATEGORY, 'PAYMENT']);
  });
});
