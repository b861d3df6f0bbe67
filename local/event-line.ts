/**
 * The line `npm start` prints per event, so a first run shows what came through without opening a file:
 * the category (detail-type), object type and id, amount, and the configured routes that matched. Only
 * identifiers and the amount: never the object, which may carry payload secrets.
 */
import type { LocalBusEvent } from './event-bus';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

/** `MUTATION  Payment 1278  -20.00 EUR  routes: payments, ledger` (or `routes: none`). */
export function formatEventLine(event: LocalBusEvent, routes: readonly string[]): string {
  const detail = event.detail as Record<string, unknown>;
  const amount = detail.amount as { value?: unknown; currency?: unknown } | null | undefined;
  const parts = [
    event['detail-type'],
    [text(detail.objectType) ?? 'unknown object', text(detail.objectId)].filter(Boolean).join(' '),
    amount && text(amount.value) !== undefined
      ? `${text(amount.value)} ${text(amount.currency) ?? ''}`.trim()
      : 'no amount',
    `routes: ${routes.length === 0 ? 'none' : routes.join(', ')}`,
  ];
  return `event  ${parts.join('  ')}`;
}
