/**
 * From an entry of bunq's event listing to the callbacks bunq would have sent for it: which categories the
 * object belongs to, the event type a callback would carry (inferred: the listing has none), and the
 * callback body the reconciler hands to the normalizer.
 *
 * The categories follow bunq's callback docs (see `shared/bunq/callback/categories.ts`): a Payment is a
 * MUTATION (every balance change) and also an IDEAL, SOFORT or PAYMENT callback by its `type`; a
 * MasterCardAction is a successful or failed card transaction by its `authorisation_status`; the other
 * object types have one category each. Objects of other types are not reconciled.
 */
import { CALLBACK_CATEGORIES } from '../../bunq/callback/categories';

/** One callback bunq would have sent for an event's object. */
export interface ExpectedCallback {
  readonly category: string;
  /** Inferred from the object; bunq's own callback may carry another (see the README). */
  readonly eventType: string | null;
}

const SINGLE_CATEGORY: Readonly<Record<string, string>> = {
  PaymentBatch: 'PAYMENT',
  RequestInquiry: 'REQUEST',
  RequestInquiryBatch: 'REQUEST',
  RequestResponse: 'REQUEST',
  BunqMeTab: 'BUNQME_TAB',
  DraftPayment: 'DRAFT_PAYMENT',
  ScheduledInstance: 'SCHEDULE_RESULT',
  ScheduleInstance: 'SCHEDULE_RESULT',
  ScheduledPayment: 'SCHEDULE_STATUS',
  SchedulePayment: 'SCHEDULE_STATUS',
  Invoice: 'BILLING',
  IdealMerchantTransaction: 'IDEAL',
  ShareInviteBankInquiry: 'SHARE',
  ShareInviteBankResponse: 'SHARE',
  ShareInviteMonetaryAccountInquiry: 'SHARE',
  ShareInviteMonetaryAccountResponse: 'SHARE',
};

/** The callbacks bunq sends for this object, before looking at which categories we registered. */
export function callbacksFor(
  objectType: string,
  object: Readonly<Record<string, unknown>>,
): ExpectedCallback[] {
  if (objectType === 'Payment') {
    const incoming = amountSign(object) > 0;
    const kind = object.type === 'IDEAL' ? 'IDEAL' : object.type === 'SOFORT' ? 'SOFORT' : 'PAYMENT';
    return [
      { category: 'MUTATION', eventType: incoming ? 'MUTATION_RECEIVED' : 'MUTATION_CREATED' },
      {
        category: kind,
        eventType: kind === 'PAYMENT' ? (incoming ? 'PAYMENT_RECEIVED' : 'PAYMENT_CREATED') : null,
      },
    ];
  }
  if (objectType === 'MasterCardAction') {
    const approved =
      object.authorisation_status === 'AUTHORISED' || object.authorisation_status === 'APPROVED';
    const category = approved ? 'CARD_TRANSACTION_SUCCESSFUL' : 'CARD_TRANSACTION_FAILED';
    return [{ category, eventType: category }];
  }
  const category = SINGLE_CATEGORY[objectType];
  if (category === undefined || !Object.hasOwn(CALLBACK_CATEGORIES, category)) return [];
  return [{ category, eventType: null }];
}

/** The callback body bunq would have sent: `{"NotificationUrl": {...}}` around the listed object. */
export function reconstructedCallback(
  expected: ExpectedCallback,
  objectType: string,
  object: Readonly<Record<string, unknown>>,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      NotificationUrl: {
        target_url: null,
        category: expected.category,
        event_type: expected.eventType,
        object: { [objectType]: object },
      },
    }),
    'utf8',
  );
}

/** +1 for money in, -1 for money out, 0 when the object has no readable amount. */
function amountSign(object: Readonly<Record<string, unknown>>): number {
  const amount = object.amount;
  if (typeof amount !== 'object' || amount === null) return 0;
  const value = Number((amount as Record<string, unknown>).value);
  return Number.isFinite(value) ? Math.sign(value) : 0;
}
