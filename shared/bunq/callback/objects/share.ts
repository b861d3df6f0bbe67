/**
 * Account sharing (connect): `ShareInviteMonetaryAccountInquiry`/`...Response`. bunq called them
 * `ShareInviteBankInquiry`/`ShareInviteBankResponse` until late 2020; callbacks may use either name, so both
 * keys map to the same schemas.
 */
import * as z from 'zod';
import { anyObject, bunqId, identity, labelMonetaryAccount, labelUser, maybe, maybeString } from './common';

/** `ShareInviteMonetaryAccountInquiryRead`: a share this user offered. */
export const shareInviteInquirySchema = z
  .looseObject({
    ...identity,
    alias: maybe(labelMonetaryAccount),
    user_alias_created: maybe(labelUser),
    user_alias_revoked: maybe(labelUser),
    counter_user_alias: maybe(labelUser),
    monetary_account_id: maybe(bunqId),
    draft_share_invite_bank_id: maybe(bunqId),
    share_detail: maybe(anyObject),
    status: maybeString(),
    access_type: maybeString(),
    relationship: maybeString(),
    share_type: maybeString(),
    start_date: maybeString(),
    end_date: maybeString(),
  })
  .meta({
    id: 'ShareInviteMonetaryAccountInquiry',
    description:
      'A monetary account share offered (spec: ShareInviteMonetaryAccountInquiryRead; formerly ShareInviteBankInquiry).',
  });

/** `ShareInviteMonetaryAccountResponseRead`: a share this user received. */
export const shareInviteResponseSchema = z
  .looseObject({
    ...identity,
    counter_alias: maybe(labelMonetaryAccount),
    user_alias_cancelled: maybe(labelUser),
    monetary_account_id: maybe(bunqId),
    draft_share_invite_bank_id: maybe(bunqId),
    share_detail: maybe(anyObject),
    access_type: maybeString(),
    status: maybeString(),
    relation_user: maybe(anyObject),
    share_type: maybeString(),
    start_date: maybeString(),
    end_date: maybeString(),
    description: maybeString(),
  })
  .meta({
    id: 'ShareInviteMonetaryAccountResponse',
    description:
      'A monetary account share received (spec: ShareInviteMonetaryAccountResponseRead; formerly ShareInviteBankResponse).',
  });
