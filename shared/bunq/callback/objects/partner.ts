/**
 * Partner API objects (`partner-api-swagger.yaml`): `PartnerUserProvision` (PARTNER_USER_PROVISION) and
 * `UserInformationInquiry` (USER_INFORMATION_INQUIRY). A provision carries the OAuth `authorization_code` and
 * a `credential.token_value`: secrets that stay in the event's raw object for its owner but never reach a log
 * (see `shared/logging/redact.ts`).
 */
import * as z from 'zod';
import { anyObject, bunqId, bunqTime, identity, labelUser, maybe, maybeString } from './common';

export const partnerUserProvisionSchema = z
  .looseObject({
    ...identity,
    external_uuid: maybeString(),
    status: maybeString(),
    sub_status: maybeString(),
    action_required: maybeString(),
    products: maybe(z.array(z.string())),
    label_user: maybe(labelUser),
    oauth_request: maybe(
      z.looseObject({
        id: maybe(bunqId),
        uuid: maybeString(),
        created: maybe(bunqTime),
        updated: maybe(bunqTime),
        oauth_client_id: maybe(bunqId),
        oauth_client_display_name: maybeString(),
        response_type: maybeString(),
        callback_url: maybeString(),
        status: maybeString(),
        state: maybeString(),
        authorization_code: maybeString(),
        user_alias_created: maybe(labelUser),
        redirect_url: maybeString(),
        type: maybeString(),
      }),
    ),
    credential: maybe(
      z.looseObject({
        ...identity,
        status: maybeString(),
        expiry_time: maybe(bunqTime),
        token_value: maybeString(),
        permitted_device: maybe(anyObject),
      }),
    ),
  })
  .meta({
    id: 'PartnerUserProvision',
    description: 'A partner user provisioning process (partner spec: PartnerUserProvision).',
  });

const userInformationInquiryEntry = z.looseObject({
  ...identity,
  type: maybeString(),
  status: maybeString(),
  all_data_submitted: maybe(z.array(anyObject)),
  assistant_conversation: maybe(anyObject),
  context: maybe(anyObject),
  reject_reason: maybeString(),
  entry_description: maybeString(),
});

export const userInformationInquirySchema = z
  .looseObject({
    ...identity,
    user_id: maybe(bunqId),
    title: maybeString(),
    subtitle: maybeString(),
    purpose: maybeString(),
    status: maybeString(),
    all_entry: maybe(z.array(userInformationInquiryEntry)),
    assistant_conversation: maybe(anyObject),
    finn_conversation: maybe(anyObject),
    time_expiry: maybe(bunqTime),
    external_model_name: maybeString(),
    external_model_id: maybe(bunqId),
  })
  .meta({
    id: 'UserInformationInquiry',
    description: 'bunq asking a user for information (partner spec: UserInformationInquiry).',
  });
