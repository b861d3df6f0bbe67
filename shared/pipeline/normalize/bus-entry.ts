/**
 * From an event detail to the EventBridge entry that carries it, within EventBridge's size limit.
 */
import type { CallbackEventDetail } from '../../contract/callback-event';
import { type BusEntry, busEntrySize, MAX_PUT_EVENTS_BYTES } from '../ports';

/** The largest event one PutEvents entry takes. */
export const MAX_EVENT_ENTRY_BYTES = MAX_PUT_EVENTS_BYTES;

export type BuildEntryOutcome =
  | { readonly ok: true; readonly entry: BusEntry }
  | { readonly ok: false; readonly reason: 'event-too-large'; readonly problem: string };

function entryFor(detail: CallbackEventDetail, source: string): BuildEntryOutcome {
  const json = JSON.stringify(detail);
  const size = busEntrySize({ source, detailType: detail.category, detail: json });
  if (size > MAX_EVENT_ENTRY_BYTES) {
    return {
      ok: false,
      reason: 'event-too-large',
      problem: `event is ${size} bytes; EventBridge takes at most ${MAX_EVENT_ENTRY_BYTES} per entry`,
    };
  }
  return {
    ok: true,
    entry: {
      source,
      detailType: detail.category,
      detail: json,
      time: new Date(detail.updatedAt ?? detail.receivedAt),
    },
  };
}

/**
 * The bus entry for a detail: `time` is the object's `updated` when known, else the receive time.
 *
 * A claim-checked detail (`objectRef` set) can still be too large when a typed field read from the object
 * is itself too large (a 300 KB payment description). Those fields (`description`, `counterparty`, `status`)
 * are copies of what the stored object holds, so they are left out (null) rather than the callback parked:
 * any callback too large for an event is claim-checked, never dead-lettered for its size.
 */
export function buildBusEntry(detail: CallbackEventDetail, source: string): BuildEntryOutcome {
  const built = entryFor(detail, source);
  if (built.ok || detail.objectRef === null) return built;
  return entryFor({ ...detail, description: null, counterparty: null, status: null }, source);
}
