/**
 * Building blocks of the bunq object schemas, from the read schemas in bunq's OpenAPI spec
 * (`components.schemas`): amounts, labels, pointers, addresses. Every schema here is tolerant: unknown fields
 * pass through (`z.looseObject`) and every field may be missing or null, because bunq adds fields over time
 * and leaves many empty. Each reusable part has a schema `id`, so the published JSON Schemas define it once
 * (`#/definitions/<id>`).
 */
import * as z from 'zod';

/** A field bunq may leave out or send as null. */
export const maybe = <T extends z.ZodType>(schema: T) => schema.nullish();

/** Any JSON object (fields the pipeline does not model further). */
export const anyObject = z.looseObject({});

export const maybeString = () => z.string().nullish();
export const maybeBoolean = () => z.boolean().nullish();

/** bunq's UTC time text, `YYYY-MM-DD hh:mm:ss.ssssss` (the detail carries it as RFC 3339). */
export const bunqTime = z.string().meta({
  id: 'BunqTime',
  description: 'UTC time in bunq format, e.g. "2017-01-13 13:19:16.215235".',
});

/** A bunq object id. */
export const bunqId = z.number().int().meta({ id: 'BunqId', description: 'A bunq object id.' });

/** An amount as bunq sends it (the detail's own `amount` is checked strictly). */
export const bunqAmount = z
  .looseObject({ value: z.string(), currency: z.string() })
  .meta({ id: 'BunqAmount', description: 'A bunq Amount: the value is a decimal string, e.g. "-24.95".' });

export const image = z.looseObject({
  attachment_public_uuid: maybeString(),
  content_type: maybeString(),
  height: maybe(z.number()),
  width: maybe(z.number()),
});

export const avatar = z
  .looseObject({
    uuid: maybeString(),
    anchor_uuid: maybeString(),
    image: maybe(z.array(image)),
    style: maybeString(),
  })
  .meta({ id: 'Avatar' });

export const labelUser = z
  .looseObject({
    uuid: maybeString(),
    display_name: maybeString(),
    country: maybeString(),
    avatar: maybe(avatar),
    public_nick_name: maybeString(),
    type: maybeString(),
  })
  .meta({ id: 'LabelUser', description: 'Public information about a bunq user.' });

export const pointer = z
  .looseObject({ type: maybeString(), value: maybeString(), name: maybeString(), service: maybeString() })
  .meta({ id: 'Pointer', description: 'An alias: EMAIL, PHONE_NUMBER or IBAN, with its value.' });

export const labelMonetaryAccount = z
  .looseObject({
    iban: maybeString(),
    display_name: maybeString(),
    avatar: maybe(avatar),
    label_user: maybe(labelUser),
    country: maybeString(),
    bunq_me: maybe(pointer),
    is_light: maybeBoolean(),
    swift_bic: maybeString(),
    swift_account_number: maybeString(),
    transferwise_account_number: maybeString(),
    transferwise_bank_code: maybeString(),
    merchant_category_code: maybeString(),
  })
  .meta({
    id: 'LabelMonetaryAccount',
    description: 'Public information about a monetary account: IBAN, display name and owner.',
  });

export const labelCard = z
  .looseObject({
    uuid: maybeString(),
    type: maybeString(),
    second_line: maybeString(),
    expiry_date: maybeString(),
    status: maybeString(),
    label_user: maybe(labelUser),
  })
  .meta({ id: 'LabelCard' });

export const address = z
  .looseObject({
    street: maybeString(),
    house_number: maybeString(),
    po_box: maybeString(),
    postal_code: maybeString(),
    city: maybeString(),
    country: maybeString(),
    extra: maybeString(),
    mailbox_name: maybeString(),
    province: maybeString(),
    is_user_address_updated: maybeBoolean(),
  })
  .meta({ id: 'Address' });

/** The spec types these as integers; real coordinates have decimals, so any number is accepted. */
export const geolocation = z
  .looseObject({
    latitude: maybe(z.number()),
    longitude: maybe(z.number()),
    altitude: maybe(z.number()),
    radius: maybe(z.number()),
  })
  .meta({ id: 'Geolocation' });

/** References to attachments (`AttachmentMonetaryAccountPayment`, `BunqId`, ...). */
export const attachments = z.array(z.looseObject({ id: maybe(bunqId), monetary_account_id: maybe(bunqId) }));

/** `request_reference_split_the_bill`: RequestInquiry or RequestInquiryBatch references. */
export const requestReferences = z.array(z.looseObject({ type: maybeString(), id: maybe(bunqId) }));

/** The fields most bunq objects share. */
export const identity = {
  id: maybe(bunqId),
  created: maybe(bunqTime),
  updated: maybe(bunqTime),
};

/**
 * Who paid whom how much, and why: the fields a payment shares with the entries that make one
 * (`PaymentRead`, `SchedulePaymentEntry`, `DraftPaymentEntry`).
 */
export const paymentParties = {
  amount: maybe(bunqAmount),
  alias: maybe(labelMonetaryAccount),
  counterparty_alias: maybe(labelMonetaryAccount),
  description: maybeString(),
};

/** Where a payment or a request ships and bills to, and where it was made (`PaymentRead`, `RequestInquiryRead`). */
export const shippingAndPlace = {
  address_shipping: maybe(address),
  address_billing: maybe(address),
  geolocation: maybe(geolocation),
};
