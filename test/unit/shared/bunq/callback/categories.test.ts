import { CALLBACK_CATEGORIES, KNOWN_CATEGORIES } from '../../../../../shared/bunq/callback/categories';
import { BUNQ_OBJECT_TYPES } from '../../../../../shared/bunq/callback/objects';
import { DEFAULT_SCHEMA_NAME } from '../../../../../shared/contract/event-schemas';
import { buildBusEntry } from '../../../../../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../../../../../shared/pipeline/normalize/normalize-callback';
import { busEventOf, eventValidator, problemOf, publishedDocument } from '../../contract/published-schemas';
import { callbackBody } from './object-fixtures';

/** The categories bunq documents: its callback docs, its public OpenAPI spec and its partner API spec. */
const DOCUMENTED_CATEGORIES = [
  'BILLING',
  'CARD_TRANSACTION_SUCCESSFUL',
  'CARD_TRANSACTION_FAILED',
  'CHAT',
  'DRAFT_PAYMENT',
  'IDEAL',
  'SOFORT',
  'MUTATION',
  'OAUTH',
  'PAYMENT',
  'REQUEST',
  'SCHEDULE_RESULT',
  'SCHEDULE_STATUS',
  'SHARE',
  'TAB_RESULT',
  'BUNQME_TAB',
  'SUPPORT',
  'MONETARY_ACCOUNT_PROFILE',
  'PROMOTION',
  'USER_APPROVAL',
  'PARTNER_USER_PROVISION',
  'USER_ONBOARDING',
  'USER_INFORMATION_INQUIRY',
  'CARD',
  'CARD_TRANSACTION_UPDATED',
  'CARD_TRANSACTION_REFUND',
  'CARD_TOKENIZATION',
];

function entryFor(category: string, objectType = 'Payment', object: unknown = { id: 1 }) {
  const outcome = normalizeCallback(
    Buffer.from(callbackBody(category, objectType, object)),
    '2025-01-01T00:00:00Z',
  );
  if (!outcome.ok) throw new Error(outcome.problem);
  const built = buildBusEntry(outcome.detail, 'bunq');
  if (!built.ok) throw new Error(built.problem);
  return built.entry;
}

describe('callback categories', () => {
  it('are every category bunq documents', () => {
    expect([...KNOWN_CATEGORIES].sort()).toEqual([...DOCUMENTED_CATEGORIES].sort());
  });

  it.each(DOCUMENTED_CATEGORIES)(
    '%s routes to the detail-type %s and has its own published schema',
    (category) => {
      const entry = entryFor(category);
      expect(entry.detailType).toBe(category);
      expect(publishedDocument(category)['x-amazon-events-detail-type']).toBe(category);
      expect(problemOf(eventValidator(category), busEventOf(entry))).toBeNull();
    },
  );

  it('expect only known object types', () => {
    for (const info of Object.values(CALLBACK_CATEGORIES)) {
      for (const objectType of info.objectTypes) expect(BUNQ_OBJECT_TYPES).toContain(objectType);
    }
  });

  it.each(['SOMETHING_NEW', 'card_transaction_successful', 'Ünïcode category', 'constructor'])(
    'an unknown category %j still routes verbatim and fits _default',
    (category) => {
      const entry = entryFor(category);
      expect(entry.detailType).toBe(category);
      expect(problemOf(eventValidator(DEFAULT_SCHEMA_NAME), busEventOf(entry))).toBeNull();
    },
  );

  it('tolerates an object type the category does not expect, and still types it', () => {
    const entry = entryFor('MUTATION', 'MasterCardAction', {
      id: 7,
      amount_billing: { value: '-1.00', currency: 'EUR' },
    });
    expect(JSON.parse(entry.detail)).toMatchObject({ objectSchema: 'MATCHED', direction: 'DEBIT' });
    expect(problemOf(eventValidator('MUTATION'), busEventOf(entry))).toBeNull();
  });
});
