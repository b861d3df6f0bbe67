import { buildBusEntry, MAX_EVENT_ENTRY_BYTES } from '../../../../../shared/pipeline/normalize/bus-entry';
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
