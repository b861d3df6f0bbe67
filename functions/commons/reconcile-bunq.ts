/** The reconciler's AWS-free ports over the project's pieces: the bunq client, and the callbacks queue. */
import { randomUUID } from 'node:crypto';
import type { BunqApiClient } from '../../shared/bunq/api/client';
import { listEventsSince } from '../../shared/bunq/api/events';
import type { CallbackQueue } from '../../shared/pipeline/ports';
import { encodeQueuedCallback } from '../../shared/pipeline/queued-callback';
import type { ReconcileBunqApi, ReconciledCallbackSink } from '../../shared/pipeline/reconcile/ports';

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

/** Rebuilt callbacks onto the callbacks queue, marked `recoveredBy: "reconciliation"`, for the normalizer. */
export function reconciledCallbackSink(queue: CallbackQueue): ReconciledCallbackSink {
  return {
    submit: (callback) =>
      queue.send(
        encodeQueuedCallback({
          body: callback.body,
          receivedAt: callback.receivedAt,
          sourceIp: 'reconciler',
          requestId: `reconcile-${randomUUID()}`,
          recoveredBy: 'reconciliation',
          ...(callback.userId === undefined ? {} : { userId: callback.userId }),
        }),
      ),
  };
}
