/** The project's bunq client as the reconciler's port (the event listing comes from `listEventsSince`). */
import type { BunqApiClient } from '../../shared/bunq/api/client';
import { listEventsSince } from '../../shared/bunq/api/events';
import type { ReconcileBunqApi } from '../../shared/pipeline/reconcile/ports';

/** bunq's client as the reconciler's port. */
export function reconcileBunqApi(client: BunqApiClient): ReconcileBunqApi {
  return {
    getUserId: () => client.getUserId(),
    listEventsSince: (userId, afterId, options) => listEventsSince(client, userId, afterId, options),
    getNotificationFilterUrls: (userId, account) => client.getNotificationFilterUrls(userId, account),
    setNotificationFilterUrls: (userId, filters, account) =>
      client.setNotificationFilterUrls(userId, filters, account),
    listNotificationFilterFailures: (userId) => client.listNotificationFilterFailures(userId),
    retryNotificationFilterFailures: (userId, ids) => client.retryNotificationFilterFailures(userId, ids),
  };
}
