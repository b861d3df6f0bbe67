import fc from 'fast-check';
import {
  directionOf,
  PRIMARY_AMOUNT_PATHS,
  primaryAmount,
  sumAmounts,
} from '../../../../../shared/bunq/callback/amount';
import { BUNQ_OBJECT_TYPES } from '../../../../../shared/bunq/callback/objects';

const eur = (value: string) => ({ value, currency: 'EUR' });

describe('sumAmounts', () => {
  it.each([
    [['0.10', '0.20'], '0.30'],
    [['-35.50', '-4.5'], '-40.00'],
    [['1', '2.005'], '3.005'],
    [['-1.00', '1.00'], '0.00'],
    [['-0.01', '0.005'], '-0.005'],
    [['99999999999999999.99', '0.01'], '100000000000000000.00'],
  ])('sums %j exactly to %s', (values, total) => {
    expect(sumAmounts(values.map(eur))).toEqual(eur(total));
  });

  it('gives no sum for no amounts or for mixed currencies', () => {
    expect(sumAmounts([])).toBeNull();
    expect(sumAmounts([eur('1.00'), { value: '1.00', currency: 'USD' }])).toBeNull();
  });

  it('agrees with integer arithmetic on cents', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 20 }), (cents) => {
        const text = (c: number) =>
          `${c < 0 ? '-' : ''}${Math.floor(Math.abs(c) / 100)}.${String(Math.abs(c) % 100).padStart(2, '0')}`;
        const total = cents.reduce((a, b) => a + b, 0);
        expect(sumAmounts(cents.map((c) => eur(text(c))))).toEqual(eur(text(total)));
      }),
    );
  });
});

describe('directionOf', () => {
  it.each([
    ['-20.00', 'DEBIT'],
    ['20.00', 'CREDIT'],
    ['0.01', 'CREDIT'],
    ['0.00', null],
    ['-0.00', null],
    ['0', null],
  ])('%s is %s', (value, direction) => {
    expect(directionOf(eur(value))).toBe(direction);
  });

  it('is null without an amount', () => {
    expect(directionOf(null)).toBeNull();
  });
});

describe('PRIMARY_AMOUNT_PATHS', () => {
  it('documents every known object type', () => {
    expect(Object.keys(PRIMARY_AMOUNT_PATHS).sort()).toEqual([...BUNQ_OBJECT_TYPES].sort());
  });

  it('sums every element under a * segment, and gives none when one element has no amount', () => {
    const batch = { payments: { Payment: [{ amount: eur('-1.50') }, { amount: eur('-2.25') }] } };
    expect(primaryAmount('PaymentBatch', batch)).toEqual(eur('-3.75'));
    expect(
      primaryAmount('PaymentBatch', { payments: { Payment: [{ amount: eur('-1.50') }, {}] } }),
    ).toBeNull();
    expect(primaryAmount('PaymentBatch', { payments: { Payment: [] } })).toBeNull();
  });

  it('tries the paths in order', () => {
    const batch = {
      total_amount_inquired: eur('5.00'),
      request_inquiries: [{ amount_inquired: eur('1.00') }],
    };
    expect(primaryAmount('RequestInquiryBatch', batch)).toEqual(eur('5.00'));
    expect(primaryAmount('RequestInquiryBatch', { ...batch, total_amount_inquired: null })).toEqual(
      eur('1.00'),
    );
  });

  it('treats object types named like Object.prototype members as unknown (found by a property test)', () => {
    expect(primaryAmount('constructor', { amount: eur('1.00') })).toEqual(eur('1.00'));
    expect(primaryAmount('toString', {})).toBeNull();
  });

  it('reads no amount for types that have none, even a top-level one', () => {
    expect(primaryAmount('ChatMessage', { amount: eur('1.00') })).toBeNull();
  });
});
