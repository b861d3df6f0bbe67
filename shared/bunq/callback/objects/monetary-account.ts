/**
 * Accounts (MONETARY_ACCOUNT_PROFILE and others): `MonetaryAccount` and its variants, from the spec's
 * `MonetaryAccountBankRead`, `...SavingsRead`, `...JointRead`, `...ExternalRead`, `...ExternalSavingsRead`,
 * `...CardRead`. The spec's `MonetaryAccountRead` wraps one variant under its type name; a callback keyed
 * `MonetaryAccount` may send that wrapper or the flat account, so the schema accepts both.
 */
import * as z from 'zod';
import { anyObject, avatar, bunqAmount, bunqId, identity, maybe, maybeString, pointer } from './common';

const accountFields = {
  ...identity,
  avatar: maybe(avatar),
  currency: maybeString(),
  description: maybeString(),
  daily_limit: maybe(bunqAmount),
  overdraft_limit: maybe(bunqAmount),
  balance: maybe(bunqAmount),
  alias: maybe(z.array(pointer)),
  public_uuid: maybeString(),
  status: maybeString(),
  sub_status: maybeString(),
  reason: maybeString(),
  reason_description: maybeString(),
  user_id: maybe(bunqId),
  monetary_account_profile: maybe(anyObject),
  display_name: maybeString(),
  setting: maybe(anyObject),
  all_auto_save_id: maybe(z.array(z.looseObject({ id: maybe(bunqId) }))),
};

const coOwners = z.array(z.looseObject({ alias: maybe(anyObject), status: maybeString() }));

const savingsFields = {
  savings_goal: maybe(bunqAmount),
  savings_goal_progress: maybe(z.number()),
  number_of_payment_remaining: maybeString(),
};

export const monetaryAccountBankSchema = z.looseObject(accountFields).meta({
  id: 'MonetaryAccountBank',
  description: 'A bunq current account (spec: MonetaryAccountBankRead).',
});

export const monetaryAccountSavingsSchema = z
  .looseObject({ ...accountFields, ...savingsFields, all_co_owner: maybe(coOwners) })
  .meta({
    id: 'MonetaryAccountSavings',
    description: 'A bunq savings account (spec: MonetaryAccountSavingsRead).',
  });

export const monetaryAccountJointSchema = z
  .looseObject({ ...accountFields, all_co_owner: maybe(coOwners) })
  .meta({
    id: 'MonetaryAccountJoint',
    description: 'A bunq joint account (spec: MonetaryAccountJointRead).',
  });

export const monetaryAccountExternalSchema = z
  .looseObject({ ...accountFields, service: maybeString(), open_banking_account: maybe(anyObject) })
  .meta({
    id: 'MonetaryAccountExternal',
    description: 'An account at another bank connected to bunq (spec: MonetaryAccountExternalRead).',
  });

export const monetaryAccountExternalSavingsSchema = z
  .looseObject({ ...accountFields, ...savingsFields })
  .meta({
    id: 'MonetaryAccountExternalSavings',
    description: 'An external savings account (spec: MonetaryAccountExternalSavingsRead).',
  });

export const monetaryAccountCardSchema = z
  .looseObject({ ...accountFields, balance_real: maybe(bunqAmount) })
  .meta({
    id: 'MonetaryAccountCard',
    description: 'A prepaid card account (spec: MonetaryAccountCardRead).',
  });

/** The variant keys of the spec's `MonetaryAccountRead` wrapper that have a schema here. */
export const MONETARY_ACCOUNT_VARIANTS = {
  MonetaryAccountBank: monetaryAccountBankSchema,
  MonetaryAccountSavings: monetaryAccountSavingsSchema,
  MonetaryAccountJoint: monetaryAccountJointSchema,
  MonetaryAccountExternal: monetaryAccountExternalSchema,
  MonetaryAccountExternalSavings: monetaryAccountExternalSavingsSchema,
  MonetaryAccountCard: monetaryAccountCardSchema,
} as const;

/** `MonetaryAccount`: a flat account, or the spec's wrapper holding one variant. */
export const monetaryAccountSchema = z
  .looseObject({
    ...accountFields,
    MonetaryAccountBank: maybe(monetaryAccountBankSchema),
    MonetaryAccountSavings: maybe(monetaryAccountSavingsSchema),
    MonetaryAccountJoint: maybe(monetaryAccountJointSchema),
    MonetaryAccountExternal: maybe(monetaryAccountExternalSchema),
    MonetaryAccountExternalSavings: maybe(monetaryAccountExternalSavingsSchema),
    MonetaryAccountCard: maybe(monetaryAccountCardSchema),
    MonetaryAccountLight: maybe(anyObject),
    MonetaryAccountInvestment: maybe(anyObject),
    MonetaryAccountSwitchService: maybe(anyObject),
  })
  .meta({
    id: 'MonetaryAccount',
    description: 'A bunq monetary account, flat or wrapping one variant (spec: MonetaryAccountRead).',
  });
