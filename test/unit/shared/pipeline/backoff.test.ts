import { backoffSeconds } from '../../../../shared/pipeline/backoff';

const policy = { baseSeconds: 10, maxSeconds: 300 };
const noJitter = () => 0.5;

describe('backoffSeconds', () => {
  it('doubles per failed delivery from the base, up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffSeconds(policy, n, noJitter))).toEqual([
      10, 20, 40, 80, 160, 300, 300,
    ]);
  });

  it('spreads retries by ±20 % and never exceeds the maximum', () => {
    expect(backoffSeconds(policy, 1, () => 0)).toBe(8);
    expect(backoffSeconds(policy, 1, () => 0.999)).toBe(12);
    expect(backoffSeconds(policy, 10, () => 0.999)).toBe(300);
  });

  it('treats a missing or nonsensical receive count as the first failure', () => {
    expect(backoffSeconds(policy, 0, noJitter)).toBe(10);
    expect(backoffSeconds(policy, Number.NaN, noJitter)).toBe(10);
  });

  it('stays within what SQS accepts for a huge receive count', () => {
    expect(backoffSeconds({ baseSeconds: 60, maxSeconds: 100_000 }, 1_000, noJitter)).toBe(43_200);
  });
});
