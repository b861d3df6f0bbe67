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

/** The bus entry for a detail: `time` is the object's `updated` when known, else the receive time. */
export function buildBusEntry(detail: CallbackEventDetail, source: string): BuildEntryOutcome {
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
