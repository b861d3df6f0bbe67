import { buildBusEntry, MAX_EVENT_ENTRY_BYTES } from '../../../../../shared/pipeline/normalize/bus-entry';
import { claimCheckFor, withObjectRef } from '../../../../../shared/pipeline/normalize/claim-check';
import { normalizeCallback } from '../../../../../shared/pipeline/normalize/normalize-callback';
import { fixtureText } from '../../../../support/fixtures';

const RECEIVED_AT = '2025-09-03T08:24:15.123Z';

function detailOf(text: string) {
  const outcome = normalizeCallback(Buffer.from(text, 'utf8'), RECEIVED_AT);
  if (!outcome.ok) throw new Error(`expected a detail, got ${outcome.reason}: ${outcome.problem}`);
  return outcome.detail;
}

describe('buildBusEntry', () => {
  it('uses the category as detail-type and the updated time as event time', () => {
    const built = buildBusEntry(detailOf(fixtureText('mutation-payment')), 'bunq');
    expect(built).toMatchObject({ ok: true, entry: { source: 'bunq', detailType: 'MUTATION' } });
    if (built.ok) expect(built.entry.time.toISOString()).toBe('2018-04-10T20:22:11.505Z');
  });

  it('falls back to the receive time when the object has no updated time', () => {
    const built = buildBusEntry(
      detailOf('{"NotificationUrl":{"category":"CHAT","object":{"ChatMessage":{}}}}'),
      'bunq',
    );
    if (!built.ok) throw new Error('expected an entry');
    expect(built.entry.time.toISOString()).toBe(RECEIVED_AT);
  });

  it('refuses an event larger than one EventBridge entry', () => {
    const big = `{"NotificationUrl":{"category":"CHAT","object":{"ChatMessage":{"content":"${'x'.repeat(MAX_EVENT_ENTRY_BYTES)}"}}}}`;
    expect(buildBusEntry(detailOf(big), 'bunq')).toMatchObject({ ok: false, reason: 'event-too-large' });
  });
});

describe('buildBusEntry for a claim-checked detail whose typed fields alone are too large', () => {
  // A Payment with a 300 KB description: the description is also a typed field of the detail, so the event
  // is too large even without the object.
  const payment = {
    id: 7,
    updated: '2026-01-02 03:04:05.000000',
    amount: { value: '-1.00', currency: 'EUR' },
    counterparty_alias: { iban: 'NL02ABNA0123456789', display_name: 'Shop' },
    description: 'd'.repeat(300 * 1024),
  };
  const text = JSON.stringify({
    NotificationUrl: { category: 'PAYMENT', event_type: 'PAYMENT_CREATED', object: { Payment: payment } },
  });
  const check = claimCheckFor(detailOf(text));
  const referenced = withObjectRef(detailOf(text), check, 's3://bucket/objects/ab/abc.json');

  it('publishes it without the copies of the stored object, never refuses it', () => {
    const built = buildBusEntry(referenced, 'bunq');
    if (!built.ok) throw new Error(`refused: ${built.problem}`);
    const detail = JSON.parse(built.entry.detail);
    expect(detail).toMatchObject({
      object: null,
      objectRef: { uri: 's3://bucket/objects/ab/abc.json', sha256: check.sha256 },
      objectId: 7,
      amount: { value: '-1.00', currency: 'EUR' },
      description: null,
      counterparty: null,
      status: null,
    });
    // What was left out is in the stored object.
    expect(JSON.parse(check.body.toString('utf8')).description).toBe(payment.description);
  });

  it('keeps the typed fields when they fit', () => {
    const small = detailOf(text.replace(payment.description, 'Rent'));
    const built = buildBusEntry(withObjectRef(small, claimCheckFor(small), 's3://b/k'), 'bunq');
    if (!built.ok) throw new Error('refused');
    expect(JSON.parse(built.entry.detail)).toMatchObject({
      description: 'Rent',
      counterparty: { iban: 'NL02ABNA0123456789' },
    });
  });
});
