import { z } from 'zod';
import { KNOWN_CATEGORIES } from '../../../../../shared/bunq/callback/categories';
import {
  BUNQ_OBJECT_TYPES,
  BUNQ_OBJECTS,
  type BunqObjectType,
  typeObject,
} from '../../../../../shared/bunq/callback/objects';
import type { CallbackEventDetail } from '../../../../../shared/contract/callback-event';
import { buildBusEntry } from '../../../../../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../../../../../shared/pipeline/normalize/normalize-callback';
import {
  busEventOf,
  definitionValidator,
  eventValidator,
  problemOf,
  schemaNameFor,
} from '../../contract/published-schemas';
import { callbackBody, OBJECT_FIXTURES, objectFixture } from './object-fixtures';

const RECEIVED_AT = '2025-09-03T08:24:15.123Z';

function normalize(text: string) {
  const outcome = normalizeCallback(Buffer.from(text, 'utf8'), RECEIVED_AT);
  if (!outcome.ok) throw new Error(`not normalized: ${outcome.problem}`);
  return outcome;
}

type Typed = Pick<CallbackEventDetail, 'amount' | 'direction' | 'counterparty' | 'description' | 'status'>;

const eur = (value: string) => ({ value, currency: 'EUR' });
const party = (iban: string | null, displayName: string | null) => ({ iban, displayName });

/** What each fixture's typed fields must be (the table in docs/EVENTS.md "Event catalog", per object type). */
const EXPECTED: Record<string, Typed> = {
  payment: {
    amount: eur('150.00'),
    direction: 'CREDIT',
    counterparty: party('NL91ABNA0417164300', 'C. Friend'),
    description: 'Rent share June',
    status: null,
  },
  'payment-batch': {
    amount: eur('-40.00'),
    direction: 'DEBIT',
    counterparty: null,
    description: null,
    status: null,
  },
  'draft-payment': {
    amount: eur('-150.50'),
    direction: null,
    counterparty: party('NL18RABO0123459876', 'Office Supplies B.V.'),
    description: 'Invoice 2024-118',
    status: 'PENDING',
  },
  'scheduled-payment': {
    amount: eur('-800.00'),
    direction: null,
    counterparty: party('NL12INGB0009876543', 'Landlord Holding'),
    description: 'Monthly rent',
    status: 'ACTIVE',
  },
  'schedule-payment': {
    amount: eur('-800.00'),
    direction: null,
    counterparty: null,
    description: null,
    status: 'CANCELLED',
  },
  'scheduled-instance': {
    amount: eur('-800.00'),
    direction: 'DEBIT',
    counterparty: party('NL12INGB0009876543', 'Landlord Holding'),
    description: 'Monthly rent',
    status: 'FINISHED_SUCCESSFULLY',
  },
  'schedule-instance': {
    amount: eur('-22.50'),
    direction: 'DEBIT',
    counterparty: null,
    description: null,
    status: 'FINISHED_SUCCESSFULLY',
  },
  'master-card-action': {
    amount: eur('-39.12'),
    direction: 'DEBIT',
    counterparty: party(null, 'BOOKSTORE'),
    description: 'BOOKSTORE NEW YORK',
    status: 'AUTHORISED',
  },
  'request-inquiry': {
    amount: eur('12.50'),
    direction: null,
    counterparty: party(null, 'D. Colleague'),
    description: 'Lunch',
    status: 'REJECTED',
  },
  'request-inquiry-batch': {
    amount: eur('19.75'),
    direction: null,
    counterparty: null,
    description: null,
    status: null,
  },
  'request-response': {
    amount: eur('9.99'),
    direction: null,
    counterparty: party('NL91ABNA0417164300', 'C. Friend'),
    description: 'Cinema tickets',
    status: 'ACCEPTED',
  },
  'bunq-me-tab': {
    amount: eur('25.00'),
    direction: null,
    counterparty: null,
    description: 'Concert tickets',
    status: 'WAITING_FOR_PAYMENT',
  },
  'bunq-me-tab-result-inquiry': {
    amount: eur('25.00'),
    direction: 'CREDIT',
    counterparty: party('NL20INGB0001234567', 'F. Fan'),
    description: 'Concert tickets',
    status: null,
  },
  'bunq-me-tab-result-response': {
    amount: eur('-25.00'),
    direction: 'DEBIT',
    counterparty: party('NL65BUNQ2040448787', 'A. Customer'),
    description: 'Concert tickets',
    status: null,
  },
  'bunq-me-fundraiser-result': {
    amount: eur('10.00'),
    direction: 'CREDIT',
    counterparty: party('BE68539007547034', 'G. Aunt'),
    description: 'Birthday gift for Sam',
    status: null,
  },
  'share-invite-bank-inquiry': {
    amount: null,
    direction: null,
    counterparty: party(null, 'P. Partner'),
    description: null,
    status: 'ACCEPTED',
  },
  'share-invite-monetary-account-inquiry': {
    amount: null,
    direction: null,
    counterparty: party(null, 'P. Partner'),
    description: null,
    status: 'PENDING',
  },
  'share-invite-bank-response': {
    amount: null,
    direction: null,
    counterparty: party('NL33BUNQ2206543210', 'Q. Sibling'),
    description: 'Holiday fund',
    status: 'ACCEPTED',
  },
  'share-invite-monetary-account-response': {
    amount: null,
    direction: null,
    counterparty: party('NL33BUNQ2206543210', 'Q. Sibling'),
    description: 'Holiday fund',
    status: 'PENDING',
  },
  'chat-message': {
    amount: null,
    direction: null,
    counterparty: party(null, 'Sophie from bunq'),
    description: 'Your card has been shipped.',
    status: null,
  },
  'chat-message-announcement': {
    amount: null,
    direction: null,
    counterparty: null,
    description: 'Scheduled maintenance tonight 01:00-02:00 CET.',
    status: null,
  },
  'chat-message-status': {
    amount: null,
    direction: null,
    counterparty: party(null, 'A. Customer'),
    description: null,
    status: null,
  },
  'chat-message-user': {
    amount: null,
    direction: null,
    counterparty: party(null, 'bunq Support'),
    description: null,
    status: null,
  },
  invoice: {
    amount: eur('8.99'),
    direction: null,
    counterparty: party('NL12BUNQ9900000001', 'bunq B.V.'),
    description: null,
    status: 'AWAITING_PAYMENT',
  },
  'ideal-merchant-transaction': {
    amount: eur('100.00'),
    direction: 'CREDIT',
    counterparty: party('NL20INGB0001234567', 'A. Customer'),
    description: null,
    status: 'SUCCESS',
  },
  'monetary-account': {
    amount: eur('1130.45'),
    direction: null,
    counterparty: null,
    description: 'Daily spending',
    status: 'ACTIVE',
  },
  'monetary-account-bank': {
    amount: eur('1130.45'),
    direction: null,
    counterparty: null,
    description: 'Daily spending',
    status: 'ACTIVE',
  },
  'monetary-account-savings': {
    amount: eur('2400.00'),
    direction: null,
    counterparty: null,
    description: 'Holiday',
    status: 'ACTIVE',
  },
  'monetary-account-joint': {
    amount: eur('512.10'),
    direction: null,
    counterparty: null,
    description: 'Household',
    status: 'ACTIVE',
  },
  'monetary-account-external': {
    amount: eur('87.00'),
    direction: null,
    counterparty: null,
    description: 'Other bank',
    status: 'ACTIVE',
  },
  'monetary-account-external-savings': {
    amount: eur('5000.00'),
    direction: null,
    counterparty: null,
    description: 'Savings elsewhere',
    status: 'ACTIVE',
  },
  'monetary-account-card': {
    amount: eur('-12.34'),
    direction: null,
    counterparty: null,
    description: 'Prepaid credit card',
    status: 'ACTIVE',
  },
  'partner-user-provision': {
    amount: null,
    direction: null,
    counterparty: null,
    description: null,
    status: 'ACTIVE',
  },
  'user-information-inquiry': {
    amount: null,
    direction: null,
    counterparty: null,
    description: 'We need some information from you',
    status: 'EXPECTING_REPLY_FROM_USER',
  },
};

/** The definition id of an object type's schema in the published JSON Schemas. */
const definitionId = (objectType: BunqObjectType): string => {
  const id = z.globalRegistry.get(BUNQ_OBJECTS[objectType].schema)?.id;
  if (id === undefined) throw new Error(`${objectType} has no schema id`);
  return id;
};

describe('object fixtures', () => {
  it('cover every known object type and are all described here', () => {
    expect(new Set(OBJECT_FIXTURES.map((fixture) => fixture.objectType))).toEqual(new Set(BUNQ_OBJECT_TYPES));
    expect(Object.keys(EXPECTED).sort()).toEqual(OBJECT_FIXTURES.map((fixture) => fixture.name).sort());
  });

  it('carry nulls and leave optional fields out, as bunq does', () => {
    const withNull = OBJECT_FIXTURES.filter((fixture) => Object.values(fixture.object).includes(null));
    expect(withNull.length).toBeGreaterThan(OBJECT_FIXTURES.length / 2);
    const payment = objectFixture('payment').object;
    expect(Object.keys(payment)).not.toContain('bunqto_status');
  });
});

describe.each(OBJECT_FIXTURES.map((fixture) => [fixture.name, fixture] as const))('%s', (name, fixture) => {
  const outcome = normalize(fixture.text);
  const { detail } = outcome;

  it(`types the ${fixture.objectType} object and reads its fields`, () => {
    expect(outcome.schemaMismatch).toBeNull();
    expect(detail).toMatchObject({
      objectType: fixture.objectType,
      objectSchema: 'MATCHED',
      ...EXPECTED[name],
    });
    expect(detail.object).toEqual(fixture.object);
  });

  it('becomes an event valid against the published JSON Schema of its detail-type', () => {
    const built = buildBusEntry(detail, 'bunq');
    if (!built.ok) throw new Error(built.problem);
    expect(built.entry.detailType).toBe(fixture.category);
    const schemaName = schemaNameFor(fixture.category, KNOWN_CATEGORIES);
    expect(problemOf(eventValidator(schemaName), busEventOf(built.entry))).toBeNull();
  });

  it("matches its object type's definition in the published JSON Schema", () => {
    const objectType = fixture.objectType as BunqObjectType;
    expect(
      problemOf(definitionValidator(fixture.category, definitionId(objectType)), fixture.object),
    ).toBeNull();
    expect(problemOf(definitionValidator('_default', definitionId(objectType)), fixture.object)).toBeNull();
  });
});

describe('objects that do not match their schema', () => {
  const payment = objectFixture('payment');

  it.each([
    ['amount.value', { amount: { value: 150, currency: 'EUR' } }],
    ['description', { description: ['not', 'text'] }],
    ['counterparty_alias.iban', { counterparty_alias: { iban: 42 } }],
    ['id', { id: '2261' }],
  ])('are published untyped, with the first failing path %s', (path, change) => {
    const outcome = normalize(callbackBody('PAYMENT', 'Payment', { ...payment.object, ...change }));
    expect(outcome.schemaMismatch).toMatchObject({ objectType: 'Payment', path });
    expect(outcome.detail).toMatchObject({
      objectSchema: 'MISMATCH',
      amount: null,
      direction: null,
      counterparty: null,
      description: null,
      status: null,
      object: { ...payment.object, ...change },
    });
    const built = buildBusEntry(outcome.detail, 'bunq');
    if (!built.ok) throw new Error(built.problem);
    expect(problemOf(eventValidator('PAYMENT'), busEventOf(built.entry))).toBeNull();
  });

  it('keep the identity fields, which do not depend on the schema', () => {
    const outcome = normalize(
      callbackBody('PAYMENT', 'Payment', { ...payment.object, geolocation: 'Amsterdam' }),
    );
    expect(outcome.detail).toMatchObject({
      objectSchema: 'MISMATCH',
      objectId: 2261,
      monetaryAccountId: 4021,
      updatedAt: '2024-06-14T09:12:45.118233Z',
    });
  });
});

describe('typeObject', () => {
  it('reads a wrapper from the variant it holds', () => {
    const account = objectFixture('monetary-account-bank').object;
    expect(typeObject('MonetaryAccount', { MonetaryAccountBank: account })).toEqual(
      typeObject('MonetaryAccountBank', account),
    );
  });

  it('reads a flat wrapper type as itself', () => {
    const typing = typeObject('ChatMessage', { id: 1, content: { ChatMessageContentText: { text: 'hi' } } });
    expect(typing).toMatchObject({ schema: 'MATCHED', fields: { description: 'hi' } });
  });

  it('says UNKNOWN for types without a schema, including inherited property names', () => {
    expect(typeObject('SomethingNew', { id: 1 })).toEqual({ schema: 'UNKNOWN' });
    expect(typeObject('toString', {})).toEqual({ schema: 'UNKNOWN' });
  });

  it('reads no direction from a zero amount', () => {
    const payment = { ...objectFixture('payment').object, amount: eur('0.00') };
    expect(typeObject('Payment', payment)).toMatchObject({
      fields: { amount: eur('0.00'), direction: null },
    });
  });
});

describe('unknown object types', () => {
  it('are published with the raw object, typed fields null but a top-level amount', () => {
    const object = {
      id: 9,
      amount: eur('-1.00'),
      description: 'new',
      status: 'NEW',
      counterparty_alias: { iban: 'X' },
    };
    const outcome = normalize(callbackBody('MUTATION', 'PaymentNextGen', object));
    expect(outcome.schemaMismatch).toBeNull();
    expect(outcome.detail).toMatchObject({
      objectType: 'PaymentNextGen',
      objectSchema: 'UNKNOWN',
      amount: eur('-1.00'),
      direction: null,
      counterparty: null,
      description: null,
      status: null,
      object,
    });
  });
});

describe('PaymentBatch with a flat payments list', () => {
  // bunq's spec nests the payments under `payments.Payment`; bunq's SDK fixtures (and its SDK models, a
  // `Payment[] payments`) have them as a flat list. Both shapes are typed alike.
  const batch = objectFixture('payment-batch');
  const nested = batch.object as { payments: { Payment: unknown[] } };
  const flatBody = (object: Record<string, unknown>, objectType = 'PaymentBatch') =>
    JSON.stringify({
      NotificationUrl: {
        target_url: 'https://example.com/callbacks/REDACTED',
        category: batch.category,
        event_type: 'PAYMENT_BATCH_CREATED',
        object: { [objectType]: object },
      },
    });

  it('is MATCHED with the summed amount, like the nested shape', () => {
    const flat = normalize(flatBody({ ...nested, payments: nested.payments.Payment }));
    expect(flat.schemaMismatch).toBeNull();
    expect(flat.detail.objectSchema).toBe('MATCHED');
    expect(flat.detail.amount).toEqual(eur('-40.00'));
    expect(flat.detail.direction).toBe('DEBIT');
    expect(normalize(batch.text).detail.amount).toEqual(flat.detail.amount);
  });

  it('is summed inside a ScheduledInstance result too', () => {
    const instance = normalize(
      flatBody(
        {
          id: 9,
          state: 'FINISHED_SUCCESSFULLY',
          result_object: { PaymentBatch: { id: 77, payments: nested.payments.Payment } },
        },
        'ScheduledInstance',
      ),
    );
    expect(instance.detail.objectSchema).toBe('MATCHED');
    expect(instance.detail.amount).toEqual(eur('-40.00'));
  });
});
