/**
 * bunq's activity list, `GET /user/{u}/event`: one `Event` per thing that happened to a user's accounts,
 * newest first, with bunq's pagination (`count`, `older_id`, `newer_id`) and the filters bunq's spec
 * describes on that endpoint: `monetary_account_id` (one id or `id,id`), `status` (`AWAITING_REPLY` or
 * `FINALIZED`) and `display_user_event` (`false` leaves out events without a monetary account).
 *
 * Every emitted callback's object lands here, whether bunq delivered it, failed to, or never tried (a
 * dropped callback), so a reconciler can find what never arrived.
 */
import type { SimEvent } from './model';
import { BunqProtocolError, successBody } from './protocol';
import { isRecord, paginate, type Route, type RouteContext, type SimContext } from './resource';
import type { SessionRegistry } from './sessions';

/** Bound on what a long-running simulator keeps in memory. */
const MAX_EVENTS = 100_000;
const STATUSES = ['AWAITING_REPLY', 'FINALIZED'] as const;

export class EventStore {
  /** Every event, oldest first (to drop the oldest past the bound), and each user's, oldest first. */
  private readonly events: SimEvent[] = [];
  private readonly byUser = new Map<number, SimEvent[]>();
  /** `<type>#<id>` of every object seen, so a second event for it is an UPDATE. */
  private readonly seenObjects = new Set<string>();

  constructor(
    private readonly context: SimContext,
    private readonly sessions: SessionRegistry,
  ) {}

  routes(): Route[] {
    return [{ pattern: /^\/user\/(\d+)\/event$/, methods: { GET: (c) => this.list(c) } }];
  }

  /**
   * Records the object of a callback (`{"<Type>": {...}}`) as an event of the user; returns it, or null when
   * the callback carries no object.
   */
  record(userId: number, objectHolder: unknown, monetaryAccountId: number | null): SimEvent | null {
    if (!isRecord(objectHolder)) return null;
    const [objectType, object] = Object.entries(objectHolder)[0] ?? [];
    if (objectType === undefined || !isRecord(object)) return null;
    const key = `${userId}#${objectType}#${String(object.id)}`;
    const action = this.seenObjects.has(key) ? 'UPDATE' : 'CREATE';
    this.seenObjects.add(key);
    const now = this.context.time();
    const event: SimEvent = {
      id: this.context.next('event'),
      userId,
      monetaryAccountId,
      created: now,
      updated: now,
      action,
      objectType,
      object,
      status: statusOf(objectType, object),
    };
    this.events.push(event);
    const own = this.byUser.get(userId) ?? [];
    own.push(event);
    this.byUser.set(userId, own);
    if (this.events.length > MAX_EVENTS) {
      const oldest = this.events.shift();
      if (oldest !== undefined) this.byUser.get(oldest.userId)?.shift();
    }
    return event;
  }

  /** The user's events, newest first. */
  ofUser(userId: number): SimEvent[] {
    return [...(this.byUser.get(userId) ?? [])].reverse();
  }

  private list(context: RouteContext): unknown {
    const userId = this.sessions.authorize(context);
    const { query } = context;
    const accounts = accountFilter(query.get('monetary_account_id'));
    const status = query.get('status');
    if (status !== null && !(STATUSES as readonly string[]).includes(status)) {
      throw new BunqProtocolError(400, `The parameter "status" must be one of ${STATUSES.join(', ')}.`);
    }
    const displayUserEvent = query.get('display_user_event');
    if (displayUserEvent !== null && displayUserEvent !== 'true' && displayUserEvent !== 'false') {
      throw new BunqProtocolError(400, 'The parameter "display_user_event" must be true or false.');
    }
    const matching = this.ofUser(userId).filter(
      (event) =>
        (accounts === null ||
          (event.monetaryAccountId !== null && accounts.includes(event.monetaryAccountId))) &&
        (status === null || event.status === status) &&
        (displayUserEvent !== 'false' || event.monetaryAccountId !== null),
    );
    const { page, pagination } = paginate(matching, query, `/v1/user/${userId}/event`, [
      'monetary_account_id',
      'status',
      'display_user_event',
    ]);
    return successBody(
      page.map((event) => ({ Event: eventJson(event) })),
      pagination,
    );
  }
}

/** `monetary_account_id=1` or `1,2`; null when absent. */
function accountFilter(text: string | null): number[] | null {
  if (text === null) return null;
  if (!/^\d+(,\d+)*$/.test(text)) {
    throw new BunqProtocolError(
      400,
      'The parameter "monetary_account_id" must be an id or a comma-separated list of ids, e.g. "1,2".',
    );
  }
  return text.split(',').map(Number);
}

/** bunq's example: a payment received is FINALIZED, a request received waits for a reply. */
function statusOf(objectType: string, object: Record<string, unknown>): SimEvent['status'] {
  const waits =
    (objectType === 'RequestResponse' || objectType === 'DraftPayment') && object.status === 'PENDING';
  return waits ? 'AWAITING_REPLY' : 'FINALIZED';
}

/** The `EventListing` fields of bunq's spec. */
function eventJson(event: SimEvent): Record<string, unknown> {
  return {
    id: event.id,
    created: event.created,
    updated: event.updated,
    action: event.action,
    user_id: event.userId,
    monetary_account_id: event.monetaryAccountId,
    object: { [event.objectType]: event.object },
    status: event.status,
  };
}
