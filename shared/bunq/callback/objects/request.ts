/** Payment requests: `RequestInquiry` (sent), `RequestInquiryBatch`, `RequestResponse` (received). */
import * as z from 'zod';
import {
  address,
  anyObject,
  attachments,
  bunqAmount,
  bunqId,
  bunqTime,
  geolocation,
  identity,
  labelMonetaryAccount,
  labelUser,
  maybe,
  maybeString,
  requestReferences,
  shippingAndPlace,
} from './common';

/** `RequestInquiryRead`: a request for money this account sent. */
export const requestInquirySchema = z
  .looseObject({
    ...identity,
    time_responded: maybe(bunqTime),
    time_expiry: maybe(bunqTime),
    monetary_account_id: maybe(bunqId),
    amount_inquired: maybe(bunqAmount),
    amount_responded: maybe(bunqAmount),
    user_alias_created: maybe(labelUser),
    user_alias_revoked: maybe(labelUser),
    counterparty_alias: maybe(labelMonetaryAccount),
    description: maybeString(),
    merchant_reference: maybeString(),
    attachment: maybe(attachments),
    status: maybeString(),
    batch_id: maybe(bunqId),
    scheduled_id: maybe(bunqId),
    minimum_age: maybe(z.number().int()),
    require_address: maybeString(),
    bunqme_share_url: maybeString(),
    redirect_url: maybeString(),
    ...shippingAndPlace,
    reference_split_the_bill: maybe(anyObject),
  })
  .meta({ id: 'RequestInquiry', description: 'A bunq payment request sent (spec: RequestInquiryRead).' });

/** `RequestInquiryBatchRead`: several requests sent at once. */
export const requestInquiryBatchSchema = z
  .looseObject({
    ...identity,
    request_inquiries: maybe(z.array(requestInquirySchema)),
    total_amount_inquired: maybe(bunqAmount),
    reference_split_the_bill: maybe(anyObject),
  })
  .meta({
    id: 'RequestInquiryBatch',
    description: 'bunq RequestInquiryBatch (spec: RequestInquiryBatchRead).',
  });

/** `RequestResponseRead`: a request for money this account received. */
export const requestResponseSchema = z
  .looseObject({
    ...identity,
    time_responded: maybe(bunqTime),
    time_expiry: maybe(bunqTime),
    time_refund_requested: maybe(bunqTime),
    time_refunded: maybe(bunqTime),
    user_refund_requested: maybe(labelUser),
    monetary_account_id: maybe(bunqId),
    amount_inquired: maybe(bunqAmount),
    amount_responded: maybe(bunqAmount),
    status: maybeString(),
    description: maybeString(),
    alias: maybe(labelMonetaryAccount),
    counterparty_alias: maybe(labelMonetaryAccount),
    attachment: maybe(attachments),
    minimum_age: maybe(z.number().int()),
    require_address: maybeString(),
    geolocation: maybe(geolocation),
    type: maybeString(),
    sub_type: maybeString(),
    redirect_url: maybeString(),
    address_billing: maybe(address),
    address_shipping: maybe(address),
    credit_scheme_identifier: maybeString(),
    mandate_identifier: maybeString(),
    registration_action: maybeString(),
    eligible_whitelist_id: maybe(bunqId),
    request_reference_split_the_bill: maybe(requestReferences),
    event_id: maybe(bunqId),
    monetary_account_preferred_id: maybe(bunqId),
  })
  .meta({
    id: 'RequestResponse',
    description: 'A bunq payment request received (spec: RequestResponseRead).',
  });
