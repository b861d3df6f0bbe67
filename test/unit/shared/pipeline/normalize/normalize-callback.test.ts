import { callbackEventDetailSchema } from '../../../../../shared/contract/callback-event';
import { dedupeKey } from '../../../../../shared/pipeline/normalize/dedupe-key';
import { normalizeCallback } from '../../../../../shared/pipeline/normalize/normalize-callback';
import { fixtureObject, fixtureText } from '../../../../support/fixtures';

const RECEIVED_AT = '2025-09-03T08:24:15.123Z';
const normalize = (text: string) => normalizeCallback(Buffer.from(text, 'utf8'), RECEIVED_AT);

function detailOf(text: string) {
  const outcome = normalize(text);
  if (!outcome.ok) throw new Error(`expected a detail, got ${outcome.reason}: ${outcome.problem}`);
  return outcome.detail;
}

describe('normalizeCallback', () => {
  it('normalizes the seed PARTNER_USER_PROVISION example into every Contract 2 field', () => {
    const detail = detailOf(fixtureText('partner-user-provision'));
    expect(detail).toEqual({
      category: 'PARTNER_USER_PROVISION',
      eventType: 'PARTNER_USER_PROVISION_PROCESS_UPDATED',
      objectType: 'PartnerUserProvision',
      objectId: 7,
      userId: null,
      monetaryAccountId: null,
      amount: null,
      direction: null,
      counterparty: null,
      description: null,
      status: 'ACTIVE',
      objectSchema: 'MATCHED',
      createdAt: '2025-09-03T08:24:13.795007Z',
      updatedAt: '2025-09-03T08:24:14.266407Z',
      receivedAt: RECEIVED_AT,
      dedupKey: expect.stringMatching(/^v2:[0-9a-f]{64}$/),
      recoveredBy: null,
      object: fixtureObject('partner-user-provision'),
      objectRef: null,
    });
    expect(callbackEventDetailSchema.safeParse(detail).success).toBe(true);
  });

  it('normalizes a MUTATION Payment with its amount, account and times', () => {
    expect(detailOf(fixtureText('mutation-payment'))).toMatchObject({
      category: 'MUTATION',
      eventType: 'MUTATION_CREATED',
      objectType: 'Payment',
      objectId: 1278,
      monetaryAccountId: 4021,
      amount: { value: '-20.00', currency: 'EUR' },
      createdAt: '2018-04-10T20:22:11.505656Z',
      updatedAt: '2018-04-10T20:22:11.505656Z',
    });
  });

  it('uses amount_billing for a MasterCardAction and keeps a leap-day time', () => {
    expect(detailOf(fixtureText('card-transaction'))).toMatchObject({
      category: 'CARD_TRANSACTION_SUCCESSFUL',
      objectType: 'MasterCardAction',
      amount: { value: '-14.61', currency: 'EUR' },
      createdAt: '2024-02-29T23:59:59.999999Z',
    });
  });

  it('keeps a large amount as its exact decimal string', () => {
    expect(detailOf(fixtureText('request-inquiry')).amount).toEqual({
      value: '1234567890123.45',
      currency: 'EUR',
    });
  });

  it('keeps the object exactly as received (deep-equal, key order kept)', () => {
    const detail = detailOf(fixtureText('mutation-payment'));
    expect(JSON.stringify(detail.object)).toBe(JSON.stringify(fixtureObject('mutation-payment')));
  });

  it('tolerates a missing event type, id and times', () => {
    const detail = detailOf(
      '{"NotificationUrl":{"category":"CHAT","object":{"ChatMessage":{"content":"hi"}}}}',
    );
    expect(detail).toMatchObject({
      eventType: null,
      objectId: null,
      createdAt: null,
      updatedAt: null,
      amount: null,
    });
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0xc3, 0x28]), 'invalid-encoding'],
    ['text that is not JSON', Buffer.from('not json{'), 'invalid-json'],
    ['JSON that is not an envelope', Buffer.from('[1,2]'), 'invalid-envelope'],
    [
      'an envelope without category',
      Buffer.from('{"NotificationUrl":{"object":{"Payment":{}}}}'),
      'invalid-envelope',
    ],
    [
      'an envelope with two object types',
      Buffer.from('{"NotificationUrl":{"category":"X","object":{"A":{},"B":{}}}}'),
      'invalid-envelope',
    ],
    [
      'an object that is not an object',
      Buffer.from('{"NotificationUrl":{"category":"X","object":{"A":3}}}'),
      'invalid-envelope',
    ],
  ])('fails permanently on %s', (_, body, reason) => {
    const outcome = normalizeCallback(body, RECEIVED_AT);
    expect(outcome).toMatchObject({ ok: false, reason });
  });

  it('never quotes the body in a JSON problem', () => {
    const outcome = normalize('{"secret":"hunter2"');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.problem).not.toContain('hunter2');
  });
});

describe('dedupe key', () => {
  const parts = {
    category: 'MUTATION',
    eventType: 'MUTATION_CREATED',
    objectType: 'Payment',
    objectId: 1278,
    updated: '2018-04-10 20:22:11.505656',
    object: { id: 1278 },
  };

  it('is stable for the same callback, whatever the target URL it was sent to', () => {
    const text = fixtureText('mutation-payment');
    const rotated = text.replace('/callbacks/REDACTED', '/callbacks/NEWTOKEN');
    expect(detailOf(text).dedupKey).toBe(detailOf(rotated).dedupKey);
  });

  it('differs when the category, object type, id or updated time differs', () => {
    const base = dedupeKey(parts);
    expect(dedupeKey({ ...parts, category: 'PAYMENT' })).not.toBe(base);
    expect(dedupeKey({ ...parts, objectType: 'MasterCardAction' })).not.toBe(base);
    expect(dedupeKey({ ...parts, objectId: 1279 })).not.toBe(base);
    expect(dedupeKey({ ...parts, updated: '2018-04-10 20:22:11.505657' })).not.toBe(base);
  });

  it('is one key per (category, object, update) whatever the event type, so a rebuilt callback matches the real one', () => {
    expect(dedupeKey({ ...parts, eventType: null })).toBe(dedupeKey(parts));
    expect(dedupeKey({ ...parts, eventType: 'MUTATION_RECEIVED' })).toBe(dedupeKey(parts));
  });

  it('falls back to the content (and the event type) when the object has no id or no updated time', () => {
    const anonymous = { ...parts, objectId: null, object: { content: 'a' } };
    expect(dedupeKey({ ...anonymous, eventType: 'MUTATION_RECEIVED' })).not.toBe(dedupeKey(anonymous));

    const a = dedupeKey({ ...parts, objectId: null, object: { content: 'a' } });
    expect(dedupeKey({ ...parts, objectId: null, object: { content: 'a' } })).toBe(a);
    expect(dedupeKey({ ...parts, objectId: null, object: { content: 'b' } })).not.toBe(a);
  });
});

describe('object ids beyond 2^53', () => {
  // 2^53 + 1 and 2^53 are the same IEEE double: JSON.parse alone turns both into 9007199254740992.
  const body = (id: string, extra = '') =>
    `{"NotificationUrl":{"category":"MUTATION","event_type":"MUTATION_CREATED","object":{"Payment":{"id":${id},${extra}"updated":"2026-01-02 03:04:05.000000","description":"{\\"id\\":1}"}}}}`;

  it('keeps them exact, as decimal strings, so two callbacks stay two', () => {
    const above = detailOf(body('9007199254740993'));
    const at = detailOf(body('9007199254740992'));
    expect(above.objectId).toBe('9007199254740993');
    expect(at.objectId).toBe('9007199254740992');
    expect(above.dedupKey).not.toBe(at.dedupKey);
    expect(callbackEventDetailSchema.safeParse(above).success).toBe(true);
  });

  it('reads the id of the object itself, not a nested one, and the last of duplicate keys as JSON.parse does', () => {
    const nested = body('12345678901234567891', '"alias":{"id":98765432109876543210},');
    expect(detailOf(nested).objectId).toBe('12345678901234567891');
    const duplicate = body('11111111111111111111,"id":22222222222222222222');
    expect(detailOf(duplicate).objectId).toBe('22222222222222222222');
  });

  it('leaves ids up to 2^53 - 1 numbers, so existing dedupe keys do not change', () => {
    expect(detailOf(body('9007199254740991')).objectId).toBe(9_007_199_254_740_991);
    expect(detailOf(body('1278')).dedupKey).toBe(
      dedupeKey({
        category: 'MUTATION',
        eventType: 'MUTATION_CREATED',
        objectType: 'Payment',
        objectId: 1278,
        updated: '2026-01-02 03:04:05.000000',
        object: {},
      }),
    );
  });
});
