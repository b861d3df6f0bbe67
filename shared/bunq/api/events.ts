/**
 * bunq's activity list, `GET /v1/user/{userID}/event` (operation `List_all_Event_for_User` in bunq's public
 * OpenAPI spec): `Event` items (`EventListing`: `id`, `created`, `updated`, `action` CREATE or UPDATE,
 * `user_id`, `monetary_account_id`, `object` holding one `{"<Type>": {...}}`, `status` FINALIZED or
 * AWAITING_REPLY), newest first, paginated with `count` (at most 200) and `older_id` / `newer_id`. The spec's
 * description names the filters `monetary_account_id` (`id,id`), `status` and `display_user_event`.
 *
 * The call goes through {@link BunqApiClient.request}, so it keeps to bunq's rate limits (GET 3 per 3 s per
 * endpoint) and renews the session like every other call.
 */
import { z } from 'zod';
import type { BunqRequest } from './client';
import { BunqInputError, BunqResponseFormatError } from './errors';
import { describeIssues } from './schemas';
import type { BunqResult } from './transport';

/** bunq's largest page. */
const MAX_EVENT_PAGE = 200;

/** An id as bunq sends it: the spec types `user_id` and `monetary_account_id` as strings, bunq sends numbers. */
const idLike = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).nullish();

export const bunqEventSchema = z.looseObject({
  id: z.number().int().positive(),
  created: z.string().nullish(),
  updated: z.string().nullish(),
  action: z.string().nullish(),
  user_id: idLike,
  monetary_account_id: idLike,
  /** `{"Payment": {...}}`: one type key around the object. */
  object: z.record(z.string(), z.unknown()).nullish(),
  status: z.string().nullish(),
});
export type BunqEvent = z.infer<typeof bunqEventSchema>;

/** The filters bunq's event listing takes. */
export interface EventListingFilters {
  /** Only events of these accounts. */
  readonly monetaryAccountIds?: readonly number[];
  readonly status?: 'AWAITING_REPLY' | 'FINALIZED';
  /** `false` leaves out user events (those without a monetary account). @default bunq's: shown */
  readonly displayUserEvent?: boolean;
}

export interface EventsSinceOptions extends EventListingFilters {
  /** Pages read at most (200 events each); what lies beyond is read by the next call. @default 5 */
  readonly maxPages?: number;
}

/** What {@link listEventsSince} found. */
export interface EventsSince {
  /** Events with an id above the cursor, oldest first. */
  readonly events: readonly BunqEvent[];
  /**
   * False when `maxPages` ran out before the cursor was reached: `events` then holds the newest ones only,
   * and the older part of the gap is still unread.
   */
  readonly complete: boolean;
}

/** The client call this module needs ({@link BunqApiClient} has it). */
export interface BunqRequester {
  request(call: BunqRequest): Promise<BunqResult>;
}

/**
 * Every event of the user with an id above `afterId`, oldest first. Reads newest first and steps back with
 * `older_id` until a page reaches the cursor (this reads correctly whichever end of the gap bunq's
 * `newer_id` page would start from, which its docs do not say).
 */
export async function listEventsSince(
  client: BunqRequester,
  userId: number,
  afterId: number,
  options: EventsSinceOptions = {},
): Promise<EventsSince> {
  if (!Number.isSafeInteger(userId) || userId <= 0) {
    throw new BunqInputError(`userId must be a positive integer; got ${String(userId)}.`);
  }
  if (!Number.isSafeInteger(afterId) || afterId < 0) {
    throw new BunqInputError(`afterId must be a whole number of at least 0; got ${String(afterId)}.`);
  }
  const maxPages = options.maxPages ?? 5;
  const path = `/user/${userId}/event`;
  const found = new Map<number, BunqEvent>();
  let olderId: number | null = null;
  for (let page = 1; page <= maxPages; page += 1) {
    const result = await client.request({
      method: 'GET',
      path,
      query: {
        ...filterQuery(options),
        count: MAX_EVENT_PAGE,
        ...(olderId === null ? {} : { older_id: olderId }),
      },
    });
    const events = result.items
      .filter((item) => 'Event' in item)
      .map((item, index) => parseEvent(item.Event, `GET ${path} Event[${index}]`));
    for (const event of events) if (event.id > afterId) found.set(event.id, event);
    const lowest = Math.min(...events.map((event) => event.id));
    const more = typeof result.pagination?.older_url === 'string' && result.pagination.older_url !== '';
    if (events.length === 0 || lowest <= afterId + 1 || !more)
      return { events: sorted(found), complete: true };
    if (olderId !== null && lowest >= olderId) {
      throw new BunqResponseFormatError(`bunq GET ${path}: older_id=${olderId} answered no older events.`);
    }
    olderId = lowest;
  }
  return { events: sorted(found), complete: false };
}

function filterQuery(filters: EventListingFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.monetaryAccountIds !== undefined && filters.monetaryAccountIds.length > 0) {
    query.monetary_account_id = filters.monetaryAccountIds.join(',');
  }
  if (filters.status !== undefined) query.status = filters.status;
  if (filters.displayUserEvent !== undefined) query.display_user_event = String(filters.displayUserEvent);
  return query;
}

function parseEvent(value: unknown, where: string): BunqEvent {
  const parsed = bunqEventSchema.safeParse(value);
  if (!parsed.success) {
    throw new BunqResponseFormatError(`${where}: unexpected shape (${describeIssues(parsed.error)}).`);
  }
  return parsed.data;
}

const sorted = (events: ReadonlyMap<number, BunqEvent>): BunqEvent[] =>
  [...events.values()].sort((a, b) => a.id - b.id);
