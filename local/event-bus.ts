/**
 * The local event bus: an {@link EventPublisher} that turns each entry into the event a rule target
 * receives, appends it to the events file as one JSON line, and logs it with the configured routes it
 * matched (the same patterns as the routes' rules in AWS).
 * PutEvents' limits are enforced so a handler that would fail in AWS fails here too.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { BusEvent } from '../shared/contract/callback-event';
import {
  busEntrySize,
  type EventPublisher,
  MAX_PUT_EVENTS_BYTES,
  type PublishResult,
} from '../shared/pipeline/ports';
import { createRouteMatcher } from '../shared/routing/event-pattern';
import type { RouteConfig } from '../shared/routing/route-config';
import { PutEventsValidationError } from './errors';

/** An event as EventBridge delivers it to a rule target. */
export type LocalBusEvent = BusEvent;

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'local';

/** PutEvents' limit of entries per call (its byte limit is `MAX_PUT_EVENTS_BYTES`). */
export const MAX_ENTRIES_PER_PUT = 10;

/**
 * The names of the configured routes an event matches, evaluated as EventBridge evaluates the routes' rules:
 * with the very patterns the stack puts on them (`shared/routing/event-pattern.ts`).
 */
export function routeMatcher(
  routes: readonly RouteConfig[],
  eventSource: string,
): (event: LocalBusEvent) => string[] {
  return createRouteMatcher(routes, eventSource);
}

/** Where the bus appends each event: a JSON Lines file, or the durable outbox in front of one. */
export interface EventSink {
  /** @param line the event as one JSON line (without the newline), when the caller has it already */
  append(event: LocalBusEvent, line?: string): Promise<void>;
  flush(): Promise<void>;
}

export interface LocalEventBusOptions {
  /** Where to append each event; events are only logged when absent. */
  readonly file?: EventSink;
  readonly logger: Logger;
  /** The routes an event matches, logged with it (see {@link routeMatcher}). @default no routes */
  readonly routes?: (event: LocalBusEvent) => string[];
  /** Called for each event put on the bus, with the routes it matched (`npm start` prints a line). */
  readonly onEvent?: (event: LocalBusEvent, routes: readonly string[]) => void;
}

export interface LocalEventBus extends EventPublisher {
  /** How many events were put on the bus. */
  readonly count: number;
  flush(): Promise<void>;
}

/** `2025-09-03T08:24:14.266Z` becomes `2025-09-03T08:24:14Z`. */
export function eventBridgeTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseDetail(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'Detail is malformed: not valid JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'Detail is malformed: must be a JSON object.' };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/**
 * The event as one JSON line, with the detail as the publisher serialized it (a JSON object, checked by
 * {@link parseDetail}) rather than serialized a second time: the detail is most of the line.
 */
function eventLine(event: LocalBusEvent, detail: string): string {
  const { detail: _parsed, ...head } = event;
  return `${JSON.stringify(head).slice(0, -1)},"detail":${detail}}`;
}

const identifier = (value: unknown): string | number | null =>
  typeof value === 'string' || typeof value === 'number' ? value : null;

export function createLocalEventBus(options: LocalEventBusOptions): LocalEventBus {
  const routesOf = options.routes ?? (() => []);
  let count = 0;

  return {
    get count() {
      return count;
    },
    async publish(entries) {
      if (entries.length === 0) return [];
      if (entries.length > MAX_ENTRIES_PER_PUT) {
        throw new RangeError(
          `PutEvents takes at most ${MAX_ENTRIES_PER_PUT} entries per call, got ${entries.length}`,
        );
      }
      const total = entries.reduce((sum, entry) => sum + busEntrySize(entry), 0);
      if (total > MAX_PUT_EVENTS_BYTES) {
        throw new PutEventsValidationError(
          `Total size of the entries in the request is over the limit: ${total} bytes, at most ${MAX_PUT_EVENTS_BYTES}`,
        );
      }

      const results: PublishResult[] = [];
      for (const entry of entries) {
        const detail = parseDetail(entry.detail);
        if (!detail.ok) {
          results.push({ ok: false, errorCode: 'MalformedDetail', errorMessage: detail.message });
          continue;
        }
        const event: LocalBusEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': entry.detailType,
          source: entry.source,
          account: LOCAL_ACCOUNT,
          time: eventBridgeTime(entry.time),
          region: LOCAL_REGION,
          resources: [],
          detail: detail.value,
        };
        try {
          await options.file?.append(event, eventLine(event, entry.detail));
        } catch (error) {
          // EventBridge reports an internal failure per entry; the publisher retries it.
          options.logger.error('event could not be written to the events file', { eventId: event.id, error });
          results.push({
            ok: false,
            errorCode: 'InternalFailure',
            errorMessage: 'the events file could not be written',
          });
          continue;
        }
        count += 1;
        const routes = routesOf(event);
        // Identifiers only: `detail.object` carries payload secrets (authorization_code, token_value, ...).
        // Debug: `npm start` prints its own line per event (onEvent), and the normalizer logs each one.
        options.logger.debug('event on local bus', {
          eventId: event.id,
          source: event.source,
          detailType: event['detail-type'],
          time: event.time,
          dedupKey: identifier(detail.value.dedupKey),
          objectType: identifier(detail.value.objectType),
          objectId: identifier(detail.value.objectId),
          routes,
        });
        options.onEvent?.(event, routes);
        results.push({ ok: true, eventId: event.id });
      }
      return results;
    },
    flush: async () => {
      await options.file?.flush();
    },
  };
}
