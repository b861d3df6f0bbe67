/**
 * Every bunq callback object type the pipeline knows (from bunq's callback docs and both OpenAPI specs), with
 * its tolerant schema and how its typed event fields are read: primary amount (`PRIMARY_AMOUNT_PATHS`),
 * direction, counterparty, description, status. Object types not listed here still become events, with the
 * raw object only.
 */
import type { z } from 'zod';
import { type Amount, type Direction, directionOf, primaryAmount } from '../amount';
import {
  bunqMeFundraiserResultSchema,
  bunqMeTabResultInquirySchema,
  bunqMeTabResultResponseSchema,
  bunqMeTabSchema,
} from './bunq-me';
import { masterCardActionSchema } from './card';
import { CHAT_MESSAGE_VARIANTS, chatMessageSchema, chatMessageVariantSchema } from './chat';
import { idealMerchantTransactionSchema, invoiceSchema } from './invoice';
import {
  MONETARY_ACCOUNT_VARIANTS,
  monetaryAccountBankSchema,
  monetaryAccountCardSchema,
  monetaryAccountExternalSavingsSchema,
  monetaryAccountExternalSchema,
  monetaryAccountJointSchema,
  monetaryAccountSavingsSchema,
  monetaryAccountSchema,
} from './monetary-account';
import { partnerUserProvisionSchema, userInformationInquirySchema } from './partner';
import {
  draftPaymentSchema,
  paymentBatchSchema,
  paymentSchema,
  scheduledInstanceSchema,
  scheduledPaymentSchema,
} from './payment';
import { requestInquiryBatchSchema, requestInquirySchema, requestResponseSchema } from './request';
import { shareInviteInquirySchema, shareInviteResponseSchema } from './share';

/** A label as found in bunq objects (`LabelMonetaryAccount` or `LabelUser`). */
interface LabelLike {
  readonly iban?: string | null | undefined;
  readonly display_name?: string | null | undefined;
  readonly label_user?: { readonly display_name?: string | null | undefined } | null | undefined;
}

type Maybe<T> = T | null | undefined;

/** How one object type is typed. The readers get the schema's output (every field possibly missing). */
export interface BunqObjectDefinition<S extends z.ZodType = z.ZodType> {
  /** The tolerant schema, from the spec's read schema. */
  readonly schema: S;
  /** Whether money moves: then the primary amount's sign gives the direction (negative = DEBIT). */
  readonly movesMoney: boolean;
  /** For a wrapper that may hold one variant under its type name: the variant keys. */
  readonly variants?: readonly string[];
  /** The other party (a label with IBAN and/or display name). */
  counterparty?(object: z.output<S>): Maybe<LabelLike>;
  description?(object: z.output<S>): Maybe<string>;
  status?(object: z.output<S>): Maybe<string>;
}

const define = <S extends z.ZodType>(definition: BunqObjectDefinition<S>): BunqObjectDefinition<S> =>
  definition;

/** Readers for objects that keep these fields at the top level. */
const topLevel = {
  counterparty: (o: { counterparty_alias?: Maybe<LabelLike> }) => o.counterparty_alias,
  description: (o: { description?: Maybe<string> }) => o.description,
  status: (o: { status?: Maybe<string> }) => o.status,
} as const;

/** Readers for objects that wrap the payment they are about (`payment`). */
const wrappedPayment = {
  movesMoney: true,
  counterparty: (o: { payment?: Maybe<{ counterparty_alias?: Maybe<LabelLike> }> }) =>
    o.payment?.counterparty_alias,
  description: (o: { payment?: Maybe<{ description?: Maybe<string> }> }) => o.payment?.description,
} as const;

const scheduledPayment = define({
  schema: scheduledPaymentSchema,
  movesMoney: false,
  counterparty: (o) => o.payment?.counterparty_alias,
  description: (o) => o.payment?.description,
  status: (o) => o.status,
});

const scheduledInstance = define({
  schema: scheduledInstanceSchema,
  movesMoney: true,
  counterparty: (o) =>
    o.result_object?.Payment?.counterparty_alias ?? o.scheduled_object?.Payment?.counterparty_alias,
  description: (o) => o.result_object?.Payment?.description ?? o.scheduled_object?.Payment?.description,
  status: (o) => o.state,
});

const shareInviteInquiry = define({
  schema: shareInviteInquirySchema,
  movesMoney: false,
  counterparty: (o) => o.counter_user_alias,
  status: (o) => o.status,
});

const shareInviteResponse = define({
  schema: shareInviteResponseSchema,
  movesMoney: false,
  counterparty: (o) => o.counter_alias,
  description: (o) => o.description,
  status: (o) => o.status,
});

const chatMessageReaders = {
  movesMoney: false,
  counterparty: (o: z.output<typeof chatMessageVariantSchema>) => o.displayed_sender ?? o.creator,
  description: (o: z.output<typeof chatMessageVariantSchema>) => o.content?.ChatMessageContentText?.text,
} as const;

const account = { movesMoney: false, description: topLevel.description, status: topLevel.status } as const;

const counterpartyAndStatus = { counterparty: topLevel.counterparty, status: topLevel.status } as const;

/**
 * The known object types, keyed as they appear under `NotificationUrl.object`. Aliases share a schema:
 * `ShareInviteBank*` and `ShareInviteMonetaryAccount*` (renamed in late 2020), `ScheduledPayment` and
 * `SchedulePayment`, `ScheduledInstance` and `ScheduleInstance` (callback key and spec name).
 */
export const BUNQ_OBJECTS = {
  Payment: define({
    schema: paymentSchema,
    movesMoney: true,
    counterparty: topLevel.counterparty,
    description: topLevel.description,
  }),
  PaymentBatch: define({ schema: paymentBatchSchema, movesMoney: true }),
  DraftPayment: define({
    schema: draftPaymentSchema,
    movesMoney: false,
    counterparty: (o) => o.entries?.[0]?.counterparty_alias,
    description: (o) => o.entries?.[0]?.description,
    status: (o) => o.status,
  }),
  ScheduledPayment: scheduledPayment,
  SchedulePayment: scheduledPayment,
  ScheduledInstance: scheduledInstance,
  ScheduleInstance: scheduledInstance,
  MasterCardAction: define({
    schema: masterCardActionSchema,
    // UNVERIFIED: bunq documents the sign for Payment only; card amounts are read the same way.
    movesMoney: true,
    counterparty: (o) => o.counterparty_alias,
    description: (o) => o.description,
    status: (o) => o.authorisation_status ?? o.decision,
  }),
  RequestInquiry: define({ schema: requestInquirySchema, movesMoney: false, ...topLevel }),
  RequestInquiryBatch: define({ schema: requestInquiryBatchSchema, movesMoney: false }),
  RequestResponse: define({ schema: requestResponseSchema, movesMoney: false, ...topLevel }),
  BunqMeTab: define({
    schema: bunqMeTabSchema,
    movesMoney: false,
    description: (o) => o.bunqme_tab_entry?.description,
    status: (o) => o.status,
  }),
  BunqMeTabResultInquiry: define({ schema: bunqMeTabResultInquirySchema, ...wrappedPayment }),
  BunqMeTabResultResponse: define({ schema: bunqMeTabResultResponseSchema, ...wrappedPayment }),
  BunqMeFundraiserResult: define({
    schema: bunqMeFundraiserResultSchema,
    movesMoney: true,
    counterparty: (o) => o.payments?.[0]?.counterparty_alias,
    description: (o) => o.bunqme_fundraiser_profile?.description ?? o.payments?.[0]?.description,
  }),
  ShareInviteBankInquiry: shareInviteInquiry,
  ShareInviteBankResponse: shareInviteResponse,
  ShareInviteMonetaryAccountInquiry: shareInviteInquiry,
  ShareInviteMonetaryAccountResponse: shareInviteResponse,
  ChatMessage: define({ schema: chatMessageSchema, variants: CHAT_MESSAGE_VARIANTS, ...chatMessageReaders }),
  ChatMessageAnnouncement: define({ schema: chatMessageVariantSchema, ...chatMessageReaders }),
  ChatMessageStatus: define({ schema: chatMessageVariantSchema, ...chatMessageReaders }),
  ChatMessageUser: define({ schema: chatMessageVariantSchema, ...chatMessageReaders }),
  Invoice: define({ schema: invoiceSchema, movesMoney: false, ...counterpartyAndStatus }),
  IdealMerchantTransaction: define({
    schema: idealMerchantTransactionSchema,
    movesMoney: true,
    ...counterpartyAndStatus,
  }),
  MonetaryAccount: define({
    schema: monetaryAccountSchema,
    variants: Object.keys(MONETARY_ACCOUNT_VARIANTS),
    ...account,
  }),
  MonetaryAccountBank: define({ schema: monetaryAccountBankSchema, ...account }),
  MonetaryAccountSavings: define({ schema: monetaryAccountSavingsSchema, ...account }),
  MonetaryAccountJoint: define({ schema: monetaryAccountJointSchema, ...account }),
  MonetaryAccountExternal: define({ schema: monetaryAccountExternalSchema, ...account }),
  MonetaryAccountExternalSavings: define({ schema: monetaryAccountExternalSavingsSchema, ...account }),
  MonetaryAccountCard: define({ schema: monetaryAccountCardSchema, ...account }),
  PartnerUserProvision: define({
    schema: partnerUserProvisionSchema,
    movesMoney: false,
    status: topLevel.status,
  }),
  UserInformationInquiry: define({
    schema: userInformationInquirySchema,
    movesMoney: false,
    description: (o) => o.title,
    status: topLevel.status,
  }),
} as const;

/** A known object type (a key under `NotificationUrl.object`). */
export type BunqObjectType = keyof typeof BUNQ_OBJECTS;

/** The TypeScript type of each known object, as its schema reads it. */
export type BunqObjectTypes = { [K in BunqObjectType]: z.output<(typeof BUNQ_OBJECTS)[K]['schema']> };

export const BUNQ_OBJECT_TYPES = Object.keys(BUNQ_OBJECTS) as BunqObjectType[];

export function isBunqObjectType(objectType: string): objectType is BunqObjectType {
  return Object.hasOwn(BUNQ_OBJECTS, objectType);
}

/** The counterparty of an event: who the money or message is with. */
export interface CounterpartyFields {
  readonly iban: string | null;
  readonly displayName: string | null;
}

/** The fields an event gets from an object that matched its schema. */
export interface TypedFields {
  readonly amount: Amount | null;
  readonly direction: Direction | null;
  readonly counterparty: CounterpartyFields | null;
  readonly description: string | null;
  readonly status: string | null;
}

/**
 * What the schema check found: MATCHED (typed fields read), MISMATCH (a known type whose object does not
 * match: where it first failed), UNKNOWN (no schema for this type).
 */
export type ObjectTyping =
  | { readonly schema: 'MATCHED'; readonly fields: TypedFields }
  | { readonly schema: 'MISMATCH'; readonly path: string; readonly code: string }
  | { readonly schema: 'UNKNOWN' };

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function counterpartyOf(label: Maybe<LabelLike>): CounterpartyFields | null {
  if (label === null || label === undefined) return null;
  const iban = text(label.iban);
  const displayName = text(label.display_name) ?? text(label.label_user?.display_name);
  return iban === null && displayName === null ? null : { iban, displayName };
}

/** The variant a wrapper holds when it holds exactly one. */
function soleVariant(
  object: Record<string, unknown>,
  variants: readonly string[],
): { type: string; object: Record<string, unknown> } | null {
  const held = variants.filter((key) => {
    const value = object[key];
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  });
  const [type] = held;
  return held.length === 1 && type !== undefined
    ? { type, object: object[type] as Record<string, unknown> }
    : null;
}

/**
 * Checks an object against its type's schema and reads its typed fields. Never throws: an unknown type or a
 * mismatch is a result, not an error.
 */
export function typeObject(objectType: string, object: Record<string, unknown>): ObjectTyping {
  if (!isBunqObjectType(objectType)) return { schema: 'UNKNOWN' };
  const definition = BUNQ_OBJECTS[objectType] as BunqObjectDefinition;
  const parsed = definition.schema.safeParse(object);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    return { schema: 'MISMATCH', path: path === '' ? '(root)' : path, code: issue?.code ?? 'invalid' };
  }
  const variant = definition.variants ? soleVariant(object, definition.variants) : null;
  if (variant !== null) {
    const inner = typeObject(variant.type, variant.object);
    if (inner.schema === 'MATCHED') return inner;
  }
  const amount = primaryAmount(objectType, object);
  return {
    schema: 'MATCHED',
    fields: {
      amount,
      direction: definition.movesMoney ? directionOf(amount) : null,
      counterparty: counterpartyOf(definition.counterparty?.(parsed.data)),
      description: text(definition.description?.(parsed.data)),
      status: text(definition.status?.(parsed.data)),
    },
  };
}
