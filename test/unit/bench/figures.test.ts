/** Bench figures: median and spread from samples, budgets decided on the medians. */
import { figure, formatSpread, spreadOf } from '../../../bench/figures';

describe('spreadOf', () => {
  it('gives the median (the mean of the middle two for an even count) and the extremes', () => {
    expect(spreadOf([5, 1, 3])).toMatchObject({ median: 3, min: 1, max: 5, samples: 3 });
    expect(spreadOf([4, 1, 3, 2]).median).toBe(2.5);
  });

  it('gives nearest-rank p5 and p95', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(spreadOf(samples)).toMatchObject({ p5: 5, p95: 95 });
  });

  it('refuses an empty set', () => {
    expect(() => spreadOf([])).toThrow(RangeError);
  });
});

describe('figure', () => {
  it('checks the budget on the median ratio to the floor', () => {
    const f = figure({
      name: 'x',
      unit: 'ms',
      samples: [10, 11, 30],
      floor: { samples: [10, 10, 10], is: 'nothing' },
      budget: '≤ 1.2x floor',
      holds: (_, ratio) => ratio !== null && ratio <= 1.2,
    });
    expect(f.value).toBe(11);
    expect(f.ratio).toBeCloseTo(1.1);
    expect(f.pass).toBe(true);
    expect(formatSpread(f.value, f.spread, f.unit)).toBe('11 ms (10–30)');
  });
});
