/**
 * bunq amounts: `{"value": "-24.95", "currency": "EUR"}`, the value a decimal string. Kept as strings end to
 * end; no float ever touches them (sums are done on scaled integers).
 */
import * as z from 'zod';

export const amountSchema = z
  .object({
    value: z.string().regex(/^-?\d+(\.\d+)?$/, 'a decimal string such as "-24.95"'),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as "EUR"'),
  })
  .meta({
    id: 'Amount',
    description: 'A bunq amount: `value` is the exact decimal string bunq sent (never a float).',
  });

export type Amount = z.infer<typeof amountSchema>;

/** Which way money moved for the account in `monetaryAccountId`. */
export type Direction = 'CREDIT' | 'DEBIT';

/** The amount at `value` when it is one, with only `value` and `currency`; otherwise null. */
export function readAmount(value: unknown): Amount | null {
  const parsed = amountSchema.safeParse(value);
  return parsed.success ? { value: parsed.data.value, currency: parsed.data.currency } : null;
}

/** A path segment that stands for every element of an array: the amounts found there are summed. */
export const EVERY = '*';

/**
 * Where each object type keeps its primary amount: the money the callback is about. Paths are tried in
 * order; the first that holds an amount wins. A `*` segment sums the amounts of every array element (one
 * currency only, else no amount). An empty list means the type has no amount; object types not listed fall
 * back to a top-level `amount`.
 *
 * | Object type | Primary amount |
 * | --- | --- |
 * | Payment | `amount` (negative: money left the account) |
 * | MasterCardAction | `amount_billing` (account currency), else `amount_local` |
 * | RequestInquiry | `amount_inquired` |
 * | RequestInquiryBatch | `total_amount_inquired`, else the sum of the requests' `amount_inquired` |
 * | RequestResponse | `amount_responded`, else `amount_inquired` |
 * | BunqMeTab | `bunqme_tab_entry.amount_inquired` |
 * | BunqMeTabResultInquiry, BunqMeTabResultResponse | `payment.amount` |
 * | BunqMeFundraiserResult | `payments[0].amount` |
 * | DraftPayment | the sum of `entries[*].amount` |
 * | PaymentBatch | the sum of `payments.Payment[*].amount` (or of `payments[*].amount`, the flat list) |
 * | ScheduledPayment (SchedulePayment) | `payment.amount` |
 * | ScheduledInstance (ScheduleInstance) | `result_object.Payment.amount`, else the sum of `result_object.PaymentBatch` |
 * | IdealMerchantTransaction | `amount_guaranteed`, else `amount_requested` |
 * | Invoice | `total_vat_inclusive` |
 * | MonetaryAccount and its variants | `balance` |
 * | ShareInvite*, ChatMessage*, PartnerUserProvision, UserInformationInquiry | none |
 */
export const PRIMARY_AMOUNT_PATHS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  Payment: [['amount']],
  MasterCardAction: [['amount_billing'], ['amount_local']],
  RequestInquiry: [['amount_inquired']],
  RequestInquiryBatch: [['total_amount_inquired'], ['request_inquiries', EVERY, 'amount_inquired']],
  RequestResponse: [['amount_responded'], ['amount_inquired']],
  BunqMeTab: [['bunqme_tab_entry', 'amount_inquired']],
  BunqMeTabResultInquiry: [['payment', 'amount']],
  BunqMeTabResultResponse: [['payment', 'amount']],
  BunqMeFundraiserResult: [['payments', '0', 'amount']],
  DraftPayment: [['entries', EVERY, 'amount']],
  PaymentBatch: [
    ['payments', 'Payment', EVERY, 'amount'],
    ['payments', EVERY, 'amount'],
  ],
  ScheduledPayment: [['payment', 'amount']],
  SchedulePayment: [['payment', 'amount']],
  ScheduledInstance: [
    ['result_object', 'Payment', 'amount'],
    ['result_object', 'PaymentBatch', 'payments', 'Payment', EVERY, 'amount'],
    ['result_object', 'PaymentBatch', 'payments', EVERY, 'amount'],
  ],
  ScheduleInstance: [
    ['result_object', 'Payment', 'amount'],
    ['result_object', 'PaymentBatch', 'payments', 'Payment', EVERY, 'amount'],
    ['result_object', 'PaymentBatch', 'payments', EVERY, 'amount'],
  ],
  IdealMerchantTransaction: [['amount_guaranteed'], ['amount_requested']],
  Invoice: [['total_vat_inclusive']],
  MonetaryAccount: [['balance']],
  MonetaryAccountBank: [['balance']],
  MonetaryAccountSavings: [['balance']],
  MonetaryAccountJoint: [['balance']],
  MonetaryAccountExternal: [['balance']],
  MonetaryAccountExternalSavings: [['balance']],
  MonetaryAccountCard: [['balance']],
  ShareInviteBankInquiry: [],
  ShareInviteBankResponse: [],
  ShareInviteMonetaryAccountInquiry: [],
  ShareInviteMonetaryAccountResponse: [],
  ChatMessage: [],
  ChatMessageAnnouncement: [],
  ChatMessageStatus: [],
  ChatMessageUser: [],
  PartnerUserProvision: [],
  UserInformationInquiry: [],
};

/** Every value at `path`; a `*` segment fans out over an array. `many` says whether one did. */
function valuesAt(object: unknown, path: readonly string[]): { values: unknown[]; many: boolean } {
  let current: unknown[] = [object];
  let many = false;
  for (const key of path) {
    const next: unknown[] = [];
    for (const value of current) {
      const isObject = value !== null && typeof value === 'object';
      if (key === EVERY) {
        many = true;
        if (Array.isArray(value)) next.push(...value);
      } else {
        // A missing value stays as undefined: one element without an amount spoils a sum.
        next.push(
          isObject && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined,
        );
      }
    }
    current = next;
  }
  return { values: current, many };
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** The exact sum of amounts in one currency; null for none or for mixed currencies. */
export function sumAmounts(amounts: readonly Amount[]): Amount | null {
  const [first] = amounts;
  if (first === undefined || amounts.some((amount) => amount.currency !== first.currency)) return null;
  const parts = amounts.map((amount) => DECIMAL.exec(amount.value));
  if (parts.some((part) => part === null)) return null;
  const scale = Math.max(...parts.map((part) => part?.[3]?.length ?? 0));
  let total = 0n;
  for (const part of parts) {
    if (part === null) return null;
    const [, sign, whole, fraction = ''] = part;
    const units = BigInt(`${whole}${fraction.padEnd(scale, '0')}`);
    total += sign === '-' ? -units : units;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const value =
    scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return { value: `${negative ? '-' : ''}${value}`, currency: first.currency };
}

function amountAt(object: unknown, path: readonly string[]): Amount | null {
  const { values, many } = valuesAt(object, path);
  if (!many) return readAmount(values[0]);
  const amounts = values.map(readAmount);
  if (amounts.length === 0 || amounts.some((amount) => amount === null)) return null;
  return sumAmounts(amounts as Amount[]);
}

export function primaryAmount(objectType: string, object: unknown): Amount | null {
  // Own keys only: an object type named like an Object.prototype member (`constructor`) is just unknown.
  const paths = Object.hasOwn(PRIMARY_AMOUNT_PATHS, objectType)
    ? PRIMARY_AMOUNT_PATHS[objectType]
    : undefined;
  for (const path of paths ?? [['amount']]) {
    const amount = amountAt(object, path);
    if (amount !== null) return amount;
  }
  return null;
}

/**
 * The direction bunq's sign gives an amount: negative is money that left the account (DEBIT), positive money
 * that came in (CREDIT). Zero says neither: null.
 */
export function directionOf(amount: Amount | null): Direction | null {
  if (amount === null || /^-?0*(\.0*)?$/.test(amount.value)) return null;
  return amount.value.startsWith('-') ? 'DEBIT' : 'CREDIT';
}
