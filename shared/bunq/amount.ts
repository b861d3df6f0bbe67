/**
 * bunq amounts: `{"value": "-24.95", "currency": "EUR"}`, the value a decimal string. Kept as strings end to
 * end; no float ever touches them.
 */
import { z } from 'zod';

export const amountSchema = z.object({
  value: z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string such as "-24.95"'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "EUR"'),
});

export type Amount = z.infer<typeof amountSchema>;

/** The amount at `value` when it is one, with only `value` and `currency`; otherwise null. */
export function readAmount(value: unknown): Amount | null {
  const parsed = amountSchema.safeParse(value);
  return parsed.success ? { value: parsed.data.value, currency: parsed.data.currency } : null;
}

/**
 * Where each object type keeps its primary amount: the money the callback is about. Paths are tried in
 * order; the first that holds an amount wins. Object types not listed fall back to a top-level `amount`.
 */
export const PRIMARY_AMOUNT_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  Payment: [['amount']],
  MasterCardAction: [['amount_billing'], ['amount_local']],
  RequestInquiry: [['amount_inquired']],
  RequestResponse: [['amount_responded'], ['amount_inquired']],
  BunqMeTab: [['bunqme_tab_entry', 'amount_inquired']],
  BunqMeTabResultInquiry: [['payment', 'amount']],
  BunqMeTabResultResponse: [['payment', 'amount']],
  BunqMeFundraiserResult: [['payments', '0', 'amount']],
  ScheduledPayment: [['payment', 'amount']],
  ScheduledInstance: [['result_object', 'Payment', 'amount']],
  IdealMerchantTransaction: [['amount_guaranteed'], ['amount_requested']],
  Invoice: [['total_vat_inclusive']],
};

function at(object: unknown, path: readonly string[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

export function primaryAmount(objectType: string, object: unknown): Amount | null {
  const paths = PRIMARY_AMOUNT_PATHS[objectType] ?? [['amount']];
  for (const path of paths) {
    const amount = readAmount(at(object, path));
    if (amount !== null) return amount;
  }
  return null;
}
