/** Reading an event's object as its bunq type, for consumers. */
import type { BunqObjectType, BunqObjectTypes } from '../bunq/callback/objects';
import type { CallbackEventDetail } from './callback-event';

/**
 * The event's object typed as `objectType`, when it is that type and matched its schema; otherwise null
 * (another type, a mismatch, or an object stored by reference: see `objectRef`).
 *
 * ```ts
 * const payment = typedObject(event.detail, 'Payment');
 * if (payment) console.log(payment.counterparty_alias?.iban);
 * ```
 */
export function typedObject<T extends BunqObjectType>(
  detail: Pick<CallbackEventDetail, 'objectType' | 'objectSchema' | 'object'>,
  objectType: T,
): BunqObjectTypes[T] | null {
  return detail.objectType === objectType && detail.objectSchema === 'MATCHED' && detail.object !== null
    ? (detail.object as BunqObjectTypes[T])
    : null;
}
