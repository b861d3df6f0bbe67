/**
 * Money movements: `Payment` (MUTATION, PAYMENT, ...), `PaymentBatch`, `DraftPayment` and the scheduled ones
 * (`ScheduledPayment`, `ScheduledInstance`; the spec calls them `SchedulePaymentRead`, `ScheduleInstanceRead`).
 */
import * as z from 'zod';
import {
  anyObject,
  attachments,
  bunqAmount,
  bunqId,
  identity,
  labelUser,
  maybe,
  maybeString,
  paymentParties,
  requestReferences,
  shippingAndPlace,
} from './common';

/** `PaymentRead`. `amount` is negative when money left `monetary_account_id`. */
export const paymentSchema = z
  .looseObject({
    ...identity,
    monetary_account_id: maybe(bunqId),
    ...paymentParties,
    type: maybeString(),
    sub_type: maybeString(),
    payment_arrival_expected: maybe(anyObject),
    bunqto_status: maybeString(),
    bunqto_sub_status: maybeString(),
    bunqto_share_url: maybeString(),
    bunqto_expiry: maybeString(),
    bunqto_time_responded: maybeString(),
    attachment: maybe(attachments),
    merchant_reference: maybeString(),
    batch_id: maybe(bunqId),
    scheduled_id: maybe(bunqId),
    ...shippingAndPlace,
    request_reference_split_the_bill: maybe(requestReferences),
    balance_after_mutation: maybe(bunqAmount),
    payment_auto_allocate_instance: maybe(anyObject),
    payment_suspended_outgoing: maybe(anyObject),
    payment_fee: maybe(anyObject),
  })
  .meta({ id: 'Payment', description: 'bunq Payment (spec: PaymentRead).' });

/**
 * `PaymentBatchRead`. The spec puts the payments under `payments.Payment` (`PaymentBatchAnchoredPayment`);
 * bunq's SDKs model `payments` as a flat list of payments, and their fixtures have it so: both are accepted.
 */
export const paymentBatchSchema = z
  .looseObject({
    ...identity,
    payments: maybe(
      z.union([z.looseObject({ Payment: maybe(z.array(paymentSchema)) }), z.array(paymentSchema)]),
    ),
  })
  .meta({ id: 'PaymentBatch', description: 'bunq PaymentBatch (spec: PaymentBatchRead).' });

/** A Payment or a PaymentBatch, wrapped in its type name (`ScheduleAnchorObject`, `DraftPaymentAnchorObject`). */
const paymentOrBatch = z.looseObject({
  Payment: maybe(paymentSchema),
  PaymentBatch: maybe(paymentBatchSchema),
});

const schedule = z
  .looseObject({
    time_start: maybeString(),
    time_end: maybeString(),
    recurrence_unit: maybeString(),
    recurrence_size: maybe(z.number().int()),
    status: maybeString(),
    object: maybe(paymentOrBatch),
  })
  .meta({ id: 'Schedule' });

const draftPaymentEntry = z.looseObject({
  id: maybe(bunqId),
  ...paymentParties,
  merchant_reference: maybeString(),
  attachment: maybe(attachments),
  type: maybeString(),
});

/** `DraftPaymentRead`: a payment that waits for acceptance; `object` holds the result once accepted. */
export const draftPaymentSchema = z
  .looseObject({
    ...identity,
    monetary_account_id: maybe(bunqId),
    user_alias_created: maybe(labelUser),
    responses: maybe(z.array(z.looseObject({ status: maybeString(), user_alias_created: maybe(labelUser) }))),
    status: maybeString(),
    type: maybeString(),
    entries: maybe(z.array(draftPaymentEntry)),
    object: maybe(paymentOrBatch),
    request_reference_split_the_bill: maybe(requestReferences),
    schedule: maybe(schedule),
  })
  .meta({ id: 'DraftPayment', description: 'bunq DraftPayment (spec: DraftPaymentRead).' });

/** `SchedulePaymentRead` (callback key `ScheduledPayment`): a payment that will run on a schedule. */
export const scheduledPaymentSchema = z
  .looseObject({
    ...identity,
    monetary_account_id: maybe(bunqId),
    payment: maybe(
      z.looseObject({
        ...paymentParties,
        attachment: maybe(attachments),
        merchant_reference: maybeString(),
      }),
    ),
    schedule: maybe(schedule),
    status: maybeString(),
    purpose: maybeString(),
  })
  .meta({ id: 'ScheduledPayment', description: 'bunq scheduled payment (spec: SchedulePaymentRead).' });

/** `ScheduleInstanceRead` (callback key `ScheduledInstance`): one run of a schedule and its result. */
export const scheduledInstanceSchema = z
  .looseObject({
    ...identity,
    state: maybeString(),
    time_start: maybeString(),
    time_end: maybeString(),
    error_message: maybe(
      z.array(
        z.looseObject({ error_description: maybeString(), error_description_translated: maybeString() }),
      ),
    ),
    scheduled_object: maybe(paymentOrBatch),
    result_object: maybe(paymentOrBatch),
    request_reference_split_the_bill: maybe(requestReferences),
  })
  .meta({ id: 'ScheduledInstance', description: 'One run of a bunq schedule (spec: ScheduleInstanceRead).' });
