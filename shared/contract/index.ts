/**
 * What teams that consume the pipeline's events may import: the event detail (Contract 2) and its zod
 * schema, the typed bunq objects, the category catalog and the zod schema of each detail-type (the source
 * of the JSON Schemas in `schemas/events/`).
 *
 * ```ts
 * import { type CallbackEventFor, typedObject } from './shared/contract';
 *
 * export const handler = async (event: CallbackEventFor<'MUTATION'>) => {
 *   const payment = typedObject(event.detail, 'Payment');
 *   if (payment && event.detail.direction === 'CREDIT') { ... }
 * };
 * ```
 */
import type { CALLBACK_CATEGORIES, KnownCategory } from '../bunq/callback/categories';
import type { BunqObjectTypes } from '../bunq/callback/objects';
import type { BusEvent, CallbackEventDetail } from './callback-event';

export { type Amount, amountSchema, type Direction } from '../bunq/callback/amount';
export {
  CALLBACK_CATEGORIES,
  type CategoryInfo,
  isKnownCategory,
  KNOWN_CATEGORIES,
  type KnownCategory,
} from '../bunq/callback/categories';
export {
  BUNQ_OBJECT_TYPES,
  BUNQ_OBJECTS,
  type BunqObjectType,
  type BunqObjectTypes,
  isBunqObjectType,
} from '../bunq/callback/objects';
export {
  type BusEvent,
  type CallbackEvent,
  type CallbackEventDetail,
  callbackEventDetailSchema,
  counterpartySchema,
  directionSchema,
  objectSchemaStatusSchema,
} from './callback-event';
export { DEFAULT_EVENT_SOURCE, DEFAULT_SCHEMA_NAME, eventSchemaFor } from './event-schemas';
export { typedObject } from './typed-object';

/** The object types a category is expected to carry. */
export type ExpectedObjectType<C extends KnownCategory> =
  (typeof CALLBACK_CATEGORIES)[C]['objectTypes'][number];

/**
 * The detail of an event of a known category: `object` is one of the category's expected types, or any object
 * (types are open sets: check `objectType` and `objectSchema`, or use {@link typedObject}).
 */
export type CallbackEventDetailFor<C extends KnownCategory> = Omit<
  CallbackEventDetail,
  'category' | 'object'
> & {
  readonly category: C;
  readonly object: BunqObjectTypes[ExpectedObjectType<C>] | Record<string, unknown> | null;
};

/** An event of a known category, as a rule target receives it. */
export type CallbackEventFor<C extends KnownCategory> = BusEvent<CallbackEventDetailFor<C>> & {
  readonly 'detail-type': C;
};

export type Payment = BunqObjectTypes['Payment'];
export type PaymentBatch = BunqObjectTypes['PaymentBatch'];
export type DraftPayment = BunqObjectTypes['DraftPayment'];
export type ScheduledPayment = BunqObjectTypes['ScheduledPayment'];
export type ScheduledInstance = BunqObjectTypes['ScheduledInstance'];
export type MasterCardAction = BunqObjectTypes['MasterCardAction'];
export type RequestInquiry = BunqObjectTypes['RequestInquiry'];
export type RequestInquiryBatch = BunqObjectTypes['RequestInquiryBatch'];
export type RequestResponse = BunqObjectTypes['RequestResponse'];
export type BunqMeTab = BunqObjectTypes['BunqMeTab'];
export type BunqMeTabResultInquiry = BunqObjectTypes['BunqMeTabResultInquiry'];
export type BunqMeTabResultResponse = BunqObjectTypes['BunqMeTabResultResponse'];
export type BunqMeFundraiserResult = BunqObjectTypes['BunqMeFundraiserResult'];
export type ShareInviteMonetaryAccountInquiry = BunqObjectTypes['ShareInviteMonetaryAccountInquiry'];
export type ShareInviteMonetaryAccountResponse = BunqObjectTypes['ShareInviteMonetaryAccountResponse'];
export type ChatMessage = BunqObjectTypes['ChatMessage'];
export type Invoice = BunqObjectTypes['Invoice'];
export type IdealMerchantTransaction = BunqObjectTypes['IdealMerchantTransaction'];
export type MonetaryAccount = BunqObjectTypes['MonetaryAccount'];
export type PartnerUserProvision = BunqObjectTypes['PartnerUserProvision'];
export type UserInformationInquiry = BunqObjectTypes['UserInformationInquiry'];
