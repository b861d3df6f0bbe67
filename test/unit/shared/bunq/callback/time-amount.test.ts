import { primaryAmount, readAmount } from '../../../../../shared/bunq/callback/amount';
import { bunqTimeToRfc3339 } from '../../../../../shared/bunq/callback/time';

describe('bunqTimeToRfc3339', () => {
  it.each([
    ['2018-04-10 20:22:11.505656', '2018-04-10T20:22:11.505656Z'],
    ['2017-01-13 13:19:16.215235', '2017-01-13T13:19:16.215235Z'],
    ['2024-02-29 23:59:59.000001', '2024-02-29T23:59:59.000001Z'],
    ['2025-09-03 08:24:13', '2025-09-03T08:24:13Z'],
    ['2025-09-03T08:24:13.795007Z', '2025-09-03T08:24:13.795007Z'],
    ['2025-09-03 08:24:13.000000', '2025-09-03T08:24:13.000000Z'],
  ])('%s → %s (microseconds kept)', (input, expected) => {
    expect(bunqTimeToRfc3339(input)).toBe(expected);
  });

  it.each([
    '2023-02-29 00:00:00.000000',
    '2025-13-01 00:00:00.000000',
    '2025-01-01 24:00:00.000000',
    '2025-01-01 23:60:00.000000',
    '2025-01-01',
    '10/04/2018 20:22',
    '',
    null,
    undefined,
    1_523_391_731,
  ])('returns null for %j', (input) => {
    expect(bunqTimeToRfc3339(input)).toBeNull();
  });
});

describe('amounts', () => {
  it('keeps the value as the exact decimal string', () => {
    expect(readAmount({ value: '1234567890123.45', currency: 'EUR' })).toEqual({
      value: '1234567890123.45',
      currency: 'EUR',
    });
    expect(readAmount({ value: '-0.10', currency: 'EUR', extra: true })).toEqual({
      value: '-0.10',
      currency: 'EUR',
    });
  });

  it.each([
    { value: -20, currency: 'EUR' },
    { value: '1e3', currency: 'EUR' },
    { value: '1.00', currency: 'eur' },
    null,
    'x',
  ])('refuses %j', (value) => {
    expect(readAmount(value)).toBeNull();
  });

  it('picks the primary amount per object type', () => {
    expect(primaryAmount('Payment', { amount: { value: '-20.00', currency: 'EUR' } })).toEqual({
      value: '-20.00',
      currency: 'EUR',
    });
    expect(
      primaryAmount('MasterCardAction', {
        amount_local: { value: '12.50', currency: 'GBP' },
        amount_billing: { value: '14.61', currency: 'EUR' },
      }),
    ).toEqual({ value: '14.61', currency: 'EUR' });
    expect(primaryAmount('RequestInquiry', { amount_inquired: { value: '5.00', currency: 'EUR' } })).toEqual({
      value: '5.00',
      currency: 'EUR',
    });
    expect(primaryAmount('PartnerUserProvision', { id: 7 })).toBeNull();
    expect(primaryAmount('SomethingNew', { amount: { value: '1.00', currency: 'USD' } })).toEqual({
      value: '1.00',
      currency: 'USD',
    });
  });
});
