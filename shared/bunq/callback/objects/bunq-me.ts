/**
 * bunq.me: `BunqMeTab` (a payment link), its results `BunqMeTabResultInquiry`/`BunqMeTabResultResponse` and
 * `BunqMeFundraiserResult` (payments to a fundraiser profile).
 */
import * as z from 'zod';
import {
  anyObject,
  bunqAmount,
  bunqId,
  bunqTime,
  identity,
  labelMonetaryAccount,
  maybe,
  maybeBoolean,
  maybeString,
  pointer,
} from './common';
import { paymentSchema } from './payment';

const merchantAvailable = z.array(z.looseObject({ merchant_type: maybeString(), available: maybeBoolean() }));

const bunqMeTabEntry = z
  .looseObject({
    uuid: maybeString(),
    amount_inquired: maybe(bunqAmount),
    description: maybeString(),
    redirect_url: maybeString(),
    alias: maybe(labelMonetaryAccount),
    status: maybeString(),
    merchant_available: maybe(merchantAvailable),
    invite_profile_name: maybeString(),
  })
  .meta({ id: 'BunqMeTabEntry' });

/** `BunqMeTabResultInquiry`: a payment made through a bunq.me link. */
export const bunqMeTabResultInquirySchema = z
  .looseObject({ ...identity, payment: maybe(paymentSchema), bunq_me_tab_id: maybe(bunqId) })
  .meta({ id: 'BunqMeTabResultInquiry', description: 'A payment made for a bunq.me tab.' });

/** `BunqMeTabResultResponseRead`. */
export const bunqMeTabResultResponseSchema = z
  .looseObject({ ...identity, payment: maybe(paymentSchema) })
  .meta({
    id: 'BunqMeTabResultResponse',
    description: 'A payment made for a bunq.me tab (spec: BunqMeTabResultResponseRead).',
  });

/** `BunqMeTabRead`. */
export const bunqMeTabSchema = z
  .looseObject({
    ...identity,
    time_expiry: maybe(bunqTime),
    monetary_account_id: maybe(bunqId),
    status: maybeString(),
    type: maybeString(),
    alias_monetary_account: maybe(labelMonetaryAccount),
    bunqme_tab_share_url: maybeString(),
    bunqme_tab_entry: maybe(bunqMeTabEntry),
    bunqme_tab_entries: maybe(z.array(bunqMeTabEntry)),
    result_inquiries: maybe(z.array(bunqMeTabResultInquirySchema)),
  })
  .meta({ id: 'BunqMeTab', description: 'A bunq.me payment link (spec: BunqMeTabRead).' });

/** `BunqMeFundraiserResultRead`. */
export const bunqMeFundraiserResultSchema = z
  .looseObject({
    ...identity,
    bunqme_fundraiser_profile: maybe(
      z.looseObject({
        pointer: maybe(pointer),
        color: maybeString(),
        alias: maybe(labelMonetaryAccount),
        currency: maybeString(),
        description: maybeString(),
        attachment: maybe(anyObject),
        status: maybeString(),
        redirect_url: maybeString(),
        invite_profile_name: maybeString(),
        merchant_available: maybe(merchantAvailable),
      }),
    ),
    payments: maybe(z.array(paymentSchema)),
  })
  .meta({
    id: 'BunqMeFundraiserResult',
    description: 'Payments to a bunq.me fundraiser profile (spec: BunqMeFundraiserResultRead).',
  });
