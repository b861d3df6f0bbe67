/**
 * The callback categories bunq documents (its "Callbacks" docs, the public OpenAPI spec and the partner API
 * spec) and the object types each is expected to carry. The expectations are documentation: categories and
 * object types are open sets, so a callback with an unexpected object type, or a category not listed here, is
 * still published (detail-type = the category as sent), and its object is still typed when its object type is
 * known.
 */
import type { BunqObjectType } from './objects';

export interface CategoryInfo {
  /** What the category notifies about. */
  readonly description: string;
  /** The object types it is expected to carry; empty when no source says. */
  readonly objectTypes: readonly BunqObjectType[];
  /** Where the category is documented. */
  readonly documentedIn: 'public docs' | 'public spec' | 'partner API';
}

const SHARE_TYPES = [
  'ShareInviteBankInquiry',
  'ShareInviteBankResponse',
  'ShareInviteMonetaryAccountInquiry',
  'ShareInviteMonetaryAccountResponse',
] as const satisfies readonly BunqObjectType[];

const CHAT_TYPES = [
  'ChatMessage',
  'ChatMessageAnnouncement',
  'ChatMessageStatus',
  'ChatMessageUser',
] as const satisfies readonly BunqObjectType[];

const ACCOUNT_TYPES = [
  'MonetaryAccount',
  'MonetaryAccountBank',
  'MonetaryAccountSavings',
  'MonetaryAccountJoint',
  'MonetaryAccountExternal',
  'MonetaryAccountExternalSavings',
  'MonetaryAccountCard',
] as const satisfies readonly BunqObjectType[];

/** Every documented category, keyed by its name (which is also the event's detail-type). */
export const CALLBACK_CATEGORIES = {
  BILLING: { description: 'Invoices from bunq.', objectTypes: ['Invoice'], documentedIn: 'public docs' },
  CARD_TRANSACTION_SUCCESSFUL: {
    description: 'Successful card transactions.',
    objectTypes: ['MasterCardAction'],
    documentedIn: 'public docs',
  },
  CARD_TRANSACTION_FAILED: {
    description: 'Failed (refused) card transactions.',
    objectTypes: ['MasterCardAction'],
    documentedIn: 'public docs',
  },
  CHAT: { description: 'Chat messages received.', objectTypes: CHAT_TYPES, documentedIn: 'public docs' },
  DRAFT_PAYMENT: {
    description: 'Draft payments created or updated.',
    objectTypes: ['DraftPayment'],
    documentedIn: 'public docs',
  },
  IDEAL: {
    description: 'iDEAL deposits to an account.',
    objectTypes: ['IdealMerchantTransaction', 'Payment'],
    documentedIn: 'public docs',
  },
  SOFORT: {
    description: 'SOFORT deposits to an account.',
    objectTypes: ['Payment'],
    documentedIn: 'public docs',
  },
  MUTATION: {
    description: 'Every change of an account balance (the category for tracking balances).',
    objectTypes: ['Payment'],
    documentedIn: 'public docs',
  },
  OAUTH: { description: 'OAuth authorizations.', objectTypes: [], documentedIn: 'public docs' },
  PAYMENT: {
    description:
      'Payments made or received, except those from paying a request, iDEAL, SOFORT or an invoice. Negative amounts are outgoing.',
    objectTypes: ['Payment', 'PaymentBatch'],
    documentedIn: 'public docs',
  },
  REQUEST: {
    description: 'Payment requests received, and updates on requests sent.',
    objectTypes: ['RequestInquiry', 'RequestInquiryBatch', 'RequestResponse'],
    documentedIn: 'public docs',
  },
  SCHEDULE_RESULT: {
    description: 'Results of scheduled payments.',
    objectTypes: ['ScheduledInstance', 'ScheduleInstance'],
    documentedIn: 'public docs',
  },
  SCHEDULE_STATUS: {
    description: 'Changes of scheduled payments.',
    objectTypes: ['ScheduledPayment', 'SchedulePayment', 'ScheduledInstance', 'ScheduleInstance'],
    documentedIn: 'public docs',
  },
  SHARE: {
    description: 'Account shares (connect) offered or received.',
    objectTypes: SHARE_TYPES,
    documentedIn: 'public docs',
  },
  TAB_RESULT: {
    description: 'Payments made for a tab or bunq.me link.',
    objectTypes: ['BunqMeTabResultInquiry', 'BunqMeTabResultResponse'],
    documentedIn: 'public docs',
  },
  BUNQME_TAB: {
    description: 'bunq.me links and the payments made for them.',
    objectTypes: ['BunqMeTab', 'BunqMeTabResultInquiry', 'BunqMeTabResultResponse', 'BunqMeFundraiserResult'],
    documentedIn: 'public docs',
  },
  SUPPORT: {
    description: 'Messages from bunq support.',
    objectTypes: CHAT_TYPES,
    documentedIn: 'public docs',
  },
  MONETARY_ACCOUNT_PROFILE: {
    description: 'Changes of an account and its profile (fill and drain settings).',
    objectTypes: ACCOUNT_TYPES,
    documentedIn: 'public spec',
  },
  PROMOTION: { description: 'Promotions.', objectTypes: [], documentedIn: 'public spec' },
  USER_APPROVAL: {
    description: 'Approvals asked of the user.',
    objectTypes: [],
    documentedIn: 'public spec',
  },
  PARTNER_USER_PROVISION: {
    description:
      'Progress of a partner user provisioning (carries an OAuth authorization code and a credential).',
    objectTypes: ['PartnerUserProvision'],
    documentedIn: 'partner API',
  },
  USER_ONBOARDING: {
    description: 'Progress of a user onboarding.',
    objectTypes: [],
    documentedIn: 'partner API',
  },
  USER_INFORMATION_INQUIRY: {
    description: 'bunq asking the user for information, and its progress.',
    objectTypes: ['UserInformationInquiry'],
    documentedIn: 'partner API',
  },
  CARD: { description: 'Changes of cards.', objectTypes: [], documentedIn: 'partner API' },
  CARD_TRANSACTION_UPDATED: {
    description: 'Updates of card transactions.',
    objectTypes: ['MasterCardAction'],
    documentedIn: 'partner API',
  },
  CARD_TRANSACTION_REFUND: {
    description: 'Refunds of card transactions.',
    objectTypes: ['MasterCardAction'],
    documentedIn: 'partner API',
  },
  CARD_TOKENIZATION: {
    description: 'Card tokenizations (e.g. adding a card to a wallet).',
    objectTypes: ['MasterCardAction'],
    documentedIn: 'partner API',
  },
} as const satisfies Record<string, CategoryInfo>;

/** A documented category. Others may arrive: the category is an open set. */
export type KnownCategory = keyof typeof CALLBACK_CATEGORIES;

export const KNOWN_CATEGORIES = Object.keys(CALLBACK_CATEGORIES) as KnownCategory[];

export function isKnownCategory(category: string): category is KnownCategory {
  return Object.hasOwn(CALLBACK_CATEGORIES, category);
}
