/** Billing: `Invoice` (BILLING) and iDEAL deposits: `IdealMerchantTransaction` (IDEAL). */
import * as z from 'zod';
import {
  address,
  anyObject,
  bunqAmount,
  bunqId,
  identity,
  labelMonetaryAccount,
  maybe,
  maybeString,
  requestReferences,
} from './common';

/** `InvoiceRead`: an invoice bunq sent this user. */
export const invoiceSchema = z
  .looseObject({
    ...identity,
    invoice_date: maybeString(),
    invoice_number: maybeString(),
    status: maybeString(),
    category: maybeString(),
    group: maybe(z.array(anyObject)),
    total_vat_inclusive: maybe(bunqAmount),
    total_vat_exclusive: maybe(bunqAmount),
    total_vat: maybe(bunqAmount),
    alias: maybe(labelMonetaryAccount),
    address: maybe(address),
    counterparty_alias: maybe(labelMonetaryAccount),
    counterparty_address: maybe(address),
    chamber_of_commerce_number: maybeString(),
    vat_number: maybeString(),
    request_reference_split_the_bill: maybe(requestReferences),
  })
  .meta({ id: 'Invoice', description: 'An invoice bunq sent (spec: InvoiceRead).' });

/** `IdealMerchantTransactionRead`: money added to an account through iDEAL. */
export const idealMerchantTransactionSchema = z
  .looseObject({
    ...identity,
    monetary_account_id: maybe(bunqId),
    alias: maybe(labelMonetaryAccount),
    counterparty_alias: maybe(labelMonetaryAccount),
    amount_guaranteed: maybe(bunqAmount),
    amount_requested: maybe(bunqAmount),
    expiration: maybeString(),
    issuer: maybeString(),
    issuer_name: maybeString(),
    issuer_authentication_url: maybeString(),
    purchase_identifier: maybeString(),
    status: maybeString(),
    status_timestamp: maybeString(),
    transaction_identifier: maybeString(),
  })
  .meta({
    id: 'IdealMerchantTransaction',
    description: 'An iDEAL deposit (spec: IdealMerchantTransactionRead).',
  });
