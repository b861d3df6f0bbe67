/**
 * bunq's record of callbacks it gave up on (`/user/{u}/notification-filter-failure`): a listing, newest
 * first with bunq's pagination, and a retry POST of at most 100 ids that re-sends the stored callbacks. A
 * partner's listing also holds its provisioned users' failures, and its retry POST takes their ids.
 */
import { MAX_RETRY_IDS_PER_CALL } from '../shared/bunq/api/limits';
import type { DeliveryLog } from './callbacks';
import type { CallbackDeliverer, DeliveryOutcome, DeliveryTargetRecord } from './delivery';
import { DEFAULT_MAX_DELIVERY_RETRIES, type SeedFailureInput, type SimFailure } from './model';
import type { NotificationFilterStore } from './notification-filters';
import { BunqProtocolError, successBody } from './protocol';
import { jsonBody, paginate, type Route, type RouteContext, type SimContext } from './resource';
import type { SessionRegistry } from './sessions';
import type { UserRegistry } from './users';

/** What a failure record says about the callback it stands for. */
export interface CallbackFacts {
  readonly category: string;
  readonly eventType: string | null;
  readonly objectId: number | null;
  readonly monetaryAccountId: number | null;
}

export class FailureStore {
  /**
   * Listing owner → its failures: each failure is listed under its user and, for a provisioned user, under
   * the partner's UserCompany too (bunq's partner spec: that listing "will include failed notifications for
   * all underlying provisioned users").
   */
  private readonly listings = new Map<number, Map<number, SimFailure>>();

  constructor(
    private readonly context: SimContext,
    private readonly users: UserRegistry,
    private readonly sessions: SessionRegistry,
    private readonly filters: NotificationFilterStore,
    private readonly deliverer: CallbackDeliverer,
    private readonly log: DeliveryLog,
  ) {}

  routes(): Route[] {
    return [
      {
        pattern: /^\/user\/(\d+)\/notification-filter-failure$/,
        methods: { GET: (c) => this.getFailures(c), POST: (c) => this.postRetry(c) },
      },
    ];
  }

  /** Stores the record of a callback whose last try failed; returns its id. */
  store(
    userId: number,
    facts: CallbackFacts,
    target: string,
    body: string,
    outcome: Extract<DeliveryOutcome, { ok: false }>,
  ): number {
    const now = this.context.time();
    const failure: SimFailure = {
      id: this.context.next('failure'),
      userId,
      created: now,
      updated: now,
      category: facts.category,
      eventType: facts.eventType,
      objectId: facts.objectId,
      exceptionMessage: outcome.exceptionMessage,
      responseCode: outcome.responseCode,
      target,
      body,
      retrying: false,
    };
    for (const owner of this.ownersOf(userId)) {
      const listing = this.listings.get(owner) ?? new Map<number, SimFailure>();
      listing.set(failure.id, failure);
      this.listings.set(owner, listing);
    }
    return failure.id;
  }

  /** Stores failure records directly (e.g. 450 of them to test pagination). Returns their ids. */
  seed(userId: number, input: number | readonly SeedFailureInput[]): number[] {
    this.users.require(userId);
    const list: readonly SeedFailureInput[] =
      typeof input === 'number' ? Array.from({ length: input }, () => ({})) : input;
    return list.map((seed) => {
      const category = seed.category ?? 'MUTATION';
      const eventType = seed.event_type ?? (category === 'MUTATION' ? 'MUTATION_CREATED' : null);
      const objectId = seed.object_id ?? this.context.next('object');
      const target = seed.notification_target ?? 'https://callback.invalid/bunq';
      const body =
        seed.body === undefined
          ? {
              NotificationUrl: {
                target_url: target,
                category,
                event_type: eventType,
                object: {
                  Payment: { id: objectId, created: this.context.time(), updated: this.context.time() },
                },
              },
            }
          : seed.body;
      return this.store(
        userId,
        { category, eventType, objectId, monetaryAccountId: null },
        target,
        JSON.stringify(body),
        {
          ok: false,
          responseCode: seed.response_code === undefined ? 500 : seed.response_code,
          exceptionMessage: seed.exception_message ?? 'The callback target answered HTTP 500.',
        },
      );
    });
  }

  /** The user's failure records as bunq lists them, newest first (only those still listed). */
  list(userId: number): Array<Record<string, unknown>> {
    return this.ofUser(userId).map((failure) => this.failureJson(failure));
  }

  private getFailures(context: RouteContext): unknown {
    const userId = this.sessions.authorize(context);
    const { page, pagination } = paginate(
      this.ofUser(userId),
      context.query,
      `/v1/user/${userId}/notification-filter-failure`,
    );
    return successBody(
      page.map((failure) => ({ NotificationFilterFailure: this.failureJson(failure) })),
      pagination,
    );
  }

  private postRetry(context: RouteContext): unknown {
    const userId = this.sessions.authorize(context);
    const body = jsonBody(context.request, ['notification_filter_failed_ids']);
    const text = body.notification_filter_failed_ids;
    if (typeof text !== 'string' || !/^[0-9]+(,[0-9]+)*$/.test(text)) {
      throw new BunqProtocolError(
        400,
        'The field "notification_filter_failed_ids" must be a comma-separated list of ids, e.g. "1,2,3".',
      );
    }
    const ids = [...new Set(text.split(',').map(Number))];
    if (text.split(',').length > MAX_RETRY_IDS_PER_CALL) {
      throw new BunqProtocolError(400, `A maximum of ${MAX_RETRY_IDS_PER_CALL} ids is allowed per request.`);
    }
    const listing = this.listings.get(userId);
    const found = ids.map((id) => listing?.get(id));
    if (found.some((failure) => failure === undefined)) {
      throw new BunqProtocolError(404, 'NotificationFilterFailure not found.');
    }
    for (const failure of found) if (failure !== undefined) this.redeliver(failure);
    // bunq answers an empty list; its public spec says an Id (see `specVariant`).
    return successBody(this.publicSpec() ? [{ Id: { id: ids[0] } }] : []);
  }

  /** A retry POST: re-send the stored body to the stored target; delivered → the failure leaves the listing. */
  private redeliver(failure: SimFailure): void {
    if (failure.retrying) return; // already being re-sent
    failure.retrying = true;
    const record: DeliveryTargetRecord = {
      target: failure.target,
      state: 'pending',
      attempts: [],
      failureId: failure.id,
    };
    this.log.keep({
      id: this.context.next('delivery'),
      userId: failure.userId,
      source: 'retry',
      category: failure.category,
      eventType: failure.eventType,
      objectId: failure.objectId,
      created: this.context.time(),
      targets: [record],
      dropped: false,
    });
    const { options } = this.context;
    const fullSchedule = options.redelivery === 'full-schedule';
    this.deliverer.deliver({
      record,
      body: failure.body,
      tries: fullSchedule ? 1 + (options.maxDeliveryRetries ?? DEFAULT_MAX_DELIVERY_RETRIES) : 1,
      onDone: (outcome) => {
        failure.retrying = false;
        if (outcome.ok) {
          for (const owner of this.ownersOf(failure.userId)) this.listings.get(owner)?.delete(failure.id);
          return;
        }
        failure.updated = this.context.time();
        failure.exceptionMessage = outcome.exceptionMessage;
        failure.responseCode = outcome.responseCode;
      },
    });
  }

  private publicSpec(): boolean {
    return this.context.options.specVariant === 'public-spec';
  }

  /** The failures listed under the user (its own, and for a partner its provisioned users'), newest first. */
  private ofUser(userId: number): SimFailure[] {
    return [...(this.listings.get(userId)?.values() ?? [])].sort((a, b) => b.id - a.id);
  }

  private ownersOf(userId: number): number[] {
    const partner = this.users.partnerOf(userId);
    return partner === null ? [userId] : [userId, partner];
  }

  private failureJson(failure: SimFailure): Record<string, unknown> {
    // Filters are looked up now, as bunq's listing shows the failure's filters: one deleted since the
    // failure no longer shows.
    const filters = this.filters
      .all(failure.userId)
      .filter((filter) => filter.target === failure.target && filter.category === failure.category);
    const unique = new Map(filters.map((filter) => [`${filter.category} ${filter.target}`, filter]));
    return {
      // bunq and its partner spec list the id a retry needs; the public spec has no such field.
      ...(this.publicSpec() ? {} : { id: failure.id }),
      created: failure.created,
      updated: failure.updated,
      category: failure.category,
      event_type: failure.eventType,
      object_id: failure.objectId,
      exception_message: failure.exceptionMessage,
      response_code: failure.responseCode,
      notification_filters: [...unique.values()].map((filter) => ({
        notification_delivery_method: 'URL',
        notification_target: filter.target,
        category: filter.category,
      })),
    };
  }
}
