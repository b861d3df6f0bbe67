import {
  type CallbackEventFor,
  eventSchemaFor,
  type Payment,
  typedObject,
} from '../../../../shared/contract';
import { buildBusEntry } from '../../../../shared/pipeline/normalize/bus-entry';
import { normalizeCallback } from '../../../../shared/pipeline/normalize/normalize-callback';
import { fixtureText } from '../../../support/fixtures';
import { busEventOf } from './published-schemas';

function mutationEvent(text = fixtureText('mutation-payment')): CallbackEventFor<'MUTATION'> {
  const outcome = normalizeCallback(Buffer.from(text, 'utf8'), '2025-01-01T00:00:00.000Z');
  if (!outcome.ok) throw new Error(outcome.problem);
  const built = buildBusEntry(outcome.detail, 'bunq');
  if (!built.ok) throw new Error(built.problem);
  // What a consumer does with the event it receives: parse it with the zod schema of its detail-type.
  return eventSchemaFor('MUTATION').parse(busEventOf(built.entry)) as CallbackEventFor<'MUTATION'>;
}

describe('the consumer contract (shared/contract)', () => {
  it('types the object of a matched event', () => {
    const event = mutationEvent();
    const payment: Payment | null = typedObject(event.detail, 'Payment');
    expect(payment?.counterparty_alias?.iban).toBe('NL02ABNA0123456789');
    expect(event.detail.direction).toBe('DEBIT');
  });

  it('gives no typed object for another type or a mismatch', () => {
    const event = mutationEvent();
    expect(typedObject(event.detail, 'MasterCardAction')).toBeNull();
    const mismatch = mutationEvent(
      fixtureText('mutation-payment').replace('"description": "Groceries"', '"description": 5'),
    );
    expect(mismatch.detail.objectSchema).toBe('MISMATCH');
    expect(typedObject(mismatch.detail, 'Payment')).toBeNull();
  });
});
