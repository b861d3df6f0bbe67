/** Callback bodies for tests, as bunq sends them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type FixtureName =
  | 'partner-user-provision'
  | 'mutation-payment'
  | 'card-transaction'
  | 'request-inquiry';

/** The raw body text of a fixture, exactly as stored. */
export function fixtureText(name: FixtureName): string {
  return readFileSync(join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8');
}

export function fixtureJson(name: FixtureName): { NotificationUrl: Record<string, unknown> } {
  return JSON.parse(fixtureText(name)) as { NotificationUrl: Record<string, unknown> };
}

/** The single object inside a fixture's envelope. */
export function fixtureObject(name: FixtureName): Record<string, unknown> {
  const holder = fixtureJson(name).NotificationUrl.object as Record<string, Record<string, unknown>>;
  const [object] = Object.values(holder);
  if (object === undefined) throw new Error(`fixture ${name} has no object`);
  return object;
}

/** A callback of a Payment as bunq sends it for MUTATION and PAYMENT, for the simulator to emit. */
export function paymentCallback(payment: {
  readonly id: number;
  /** `amount.value`, e.g. "-12.00". */
  readonly value: string;
  readonly category?: string;
  readonly eventType?: string;
  readonly description?: string;
}) {
  const { id, value, category = 'MUTATION', eventType = 'MUTATION_RECEIVED', description } = payment;
  return {
    NotificationUrl: {
      target_url: 'https://placeholder.invalid/',
      category,
      event_type: eventType,
      object: {
        Payment: {
          id,
          created: '2026-01-02 03:04:05.678901',
          updated: '2026-01-02 03:04:05.678901',
          monetary_account_id: 7,
          amount: { value, currency: 'EUR' },
          ...(description === undefined ? {} : { description }),
        },
      },
    },
  };
}

/** The seed's secrets that must never appear in a log line. */
export const PARTNER_SECRETS = [
  'b967643d4c76956b550553a0ebd94f1024c734d0ebaefdca00d42d1f1bfae274',
  'a0239a79b1a8d4429062bbcbdccf30cfda06eb6a2a8effc041085135e36d63d4',
] as const;
