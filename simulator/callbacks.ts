/**
 * Callbacks leaving the simulator: `emit` sends one to every target whose filter matches, with bunq's retry
 * schedule, and stores a failure record when the last try fails. Every delivery (new callbacks and retry
 * POSTs) is kept in a bounded log for inspection.
 */
import type { CallbackDeliverer } from './delivery';
import type { EventStore } from './events';
import type { CallbackFacts, FailureStore } from './failures';
import { DEFAULT_MAX_DELIVERY_RETRIES, type DeliveryRecord, type EmitOptions } from './model';
import type { NotificationFilterStore } from './notification-filters';
import { BunqProtocolError } from './protocol';
import { isRecord, type SimContext } from './resource';
import type { UserRegistry } from './users';

/** Bound on what a long-running simulator keeps in memory for inspection. */
const MAX_DELIVERY_RECORDS = 10_000;

/** The latest deliveries, oldest first. */
export class DeliveryLog {
  private readonly deliveries: DeliveryRecord[] = [];

  keep(delivery: DeliveryRecord): void {
    this.deliveries.push(delivery);
    if (this.deliveries.length > MAX_DELIVERY_RECORDS) this.deliveries.shift();
  }

  list(): Array<Record<string, unknown>> {
    return this.deliveries.map((delivery) => deliveryJson(delivery));
  }

  get(id: number): Record<string, unknown> | null {
    const delivery = this.deliveries.find((entry) => entry.id === id);
    return delivery === undefined ? null : deliveryJson(delivery);
  }
}

export class CallbackEmitter {
  constructor(
    private readonly context: SimContext,
    private readonly users: UserRegistry,
    private readonly filters: NotificationFilterStore,
    private readonly failures: FailureStore,
    private readonly deliverer: CallbackDeliverer,
    private readonly log: DeliveryLog,
    private readonly events: EventStore,
  ) {}

  /**
   * Delivers a callback to every filter of the user matching its category (user-level, and account-level
   * for `monetaryAccountId` or the object's `monetary_account_id`): one delivery per distinct target. The
   * object is recorded in the event listing first; with `drop`, that is all that happens.
   */
  emit(userId: number, callback: unknown, options: EmitOptions = {}): DeliveryRecord {
    this.users.require(userId);
    const facts = callbackFacts(callback);
    const accountId = options.monetaryAccountId ?? facts.monetaryAccountId;
    this.events.record(userId, facts.objectHolder, accountId);
    const matching = this.filters
      .all(userId)
      .filter(
        (filter) =>
          filter.category === facts.category &&
          (filter.monetaryAccountId === null || filter.monetaryAccountId === accountId),
      );
    const targets = [...new Set(matching.map((filter) => filter.target))];
    const delivery: DeliveryRecord = {
      id: this.context.next('delivery'),
      userId,
      source: 'emit',
      category: facts.category,
      eventType: facts.eventType,
      objectId: facts.objectId,
      created: this.context.time(),
      targets: options.drop
        ? []
        : targets.map((target) => ({ target, state: 'pending', attempts: [], failureId: null })),
      dropped: options.drop === true,
    };
    this.log.keep(delivery);
    const tries = 1 + (this.context.options.maxDeliveryRetries ?? DEFAULT_MAX_DELIVERY_RETRIES);
    for (const record of delivery.targets) {
      const body = JSON.stringify(withTargetUrl(callback, record.target));
      this.deliverer.deliver({
        record,
        body,
        tries,
        onDone: (outcome) => {
          if (outcome.ok) return;
          record.failureId = this.failures.store(userId, facts, record.target, body, outcome);
        },
      });
    }
    return delivery;
  }
}

/** Category, event type, object id and account of a `{"NotificationUrl":{...}}` body; 400 when it is not one. */
function callbackFacts(callback: unknown): CallbackFacts & { readonly objectHolder: unknown } {
  const notification = isRecord(callback) ? callback.NotificationUrl : undefined;
  if (!isRecord(notification) || typeof notification.category !== 'string' || notification.category === '') {
    throw new BunqProtocolError(
      400,
      'The callback must be a {"NotificationUrl": {"category": ..., ...}} body.',
    );
  }
  const holder = isRecord(notification.object) ? notification.object : {};
  const object = Object.values(holder)[0];
  const objectId = isRecord(object) && typeof object.id === 'number' ? object.id : null;
  const accountId =
    isRecord(object) && typeof object.monetary_account_id === 'number' ? object.monetary_account_id : null;
  return {
    category: notification.category,
    eventType: typeof notification.event_type === 'string' ? notification.event_type : null,
    objectId,
    monetaryAccountId: accountId,
    objectHolder: notification.object,
  };
}

/** The body bunq sends a target: the callback with `target_url` set to that target. */
function withTargetUrl(callback: unknown, target: string): unknown {
  if (!isRecord(callback) || !isRecord(callback.NotificationUrl)) return callback;
  return { ...callback, NotificationUrl: { ...callback.NotificationUrl, target_url: target } };
}

function deliveryJson(delivery: DeliveryRecord): Record<string, unknown> {
  const states = delivery.targets.map((target) => target.state);
  const state = delivery.dropped
    ? 'dropped'
    : states.length === 0
      ? 'no-match'
      : states.includes('pending')
        ? 'pending'
        : states.every((entry) => entry === 'delivered')
          ? 'delivered'
          : 'failed';
  return {
    id: delivery.id,
    userId: delivery.userId,
    source: delivery.source,
    category: delivery.category,
    event_type: delivery.eventType,
    object_id: delivery.objectId,
    created: delivery.created,
    state,
    dropped: delivery.dropped,
    targets: delivery.targets.map((target) => ({
      target: target.target,
      state: target.state,
      failureId: target.failureId,
      attempts: target.attempts,
    })),
  };
}
