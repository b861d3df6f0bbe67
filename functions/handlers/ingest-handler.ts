/**
 * The ingest Lambda's handler: maps API Gateway (HTTP API, payload 2.0) to the admission core
 * (`shared/pipeline/ingest/admit-callback.ts`) and its decision back to a response: 200 only after the queue
 * accepted the message, 5xx when it did not.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { countWithDimension } from '../../shared/logging/observability';
import type { Admission, ArrivingCallback } from '../../shared/pipeline/ingest/admit-callback';
import type { CallbackQueue } from '../../shared/pipeline/ports';
import { INGEST_METRICS, METRIC_DIMENSIONS } from '../../shared/wiring/metrics';

export interface IngestHandlerDependencies {
  /** Decides each callback (see `createCallbackAdmission`). */
  readonly admit: (callback: ArrivingCallback) => Promise<Admission>;
  readonly queue: CallbackQueue;
  /** Where provision callbacks' onboarding jobs go (partner onboarding on). @default none */
  readonly onboardingQueue?: CallbackQueue;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
}

export type IngestHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const respond = (statusCode: number, message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ message }),
});

const MESSAGES: Record<number, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  503: 'Service Unavailable',
};

export function createIngestHandler(deps: IngestHandlerDependencies): IngestHandler {
  const { logger, metrics } = deps;
  const now = deps.now ?? (() => new Date());

  return async function ingestHandler(event) {
    const { http, requestId, timeEpoch } = event.requestContext;
    const log = { requestId, sourceIp: http.sourceIp };
    const receivedAt = new Date(timeEpoch || now().getTime()).toISOString();
    const admission = await deps.admit({
      method: http.method,
      token: event.pathParameters?.token,
      userId: event.pathParameters?.userId,
      sourceIp: http.sourceIp,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      receivedAt,
      requestId,
      headers: event.headers,
    });
    if (admission.signature !== undefined) {
      const { signature, signatureKeyError } = admission;
      countWithDimension(metrics, INGEST_METRICS.callbackSignatures, METRIC_DIMENSIONS.result, signature);
      if (signatureKeyError !== undefined)
        logger.warn('no server public key', { ...log, error: signatureKeyError });
    }

    if (!admission.accepted) {
      // Nothing of the body or the presented token is logged for a rejected request.
      const { reason, status, bodyBytes } = admission;
      logger.warn('callback rejected', { ...log, reason, status, bytes: bodyBytes });
      countWithDimension(metrics, INGEST_METRICS.callbacksRejected, METRIC_DIMENSIONS.reason, reason);
      return respond(status, MESSAGES[status] ?? 'Rejected');
    }

    try {
      // The job first: a 200 means both are queued, and a repeat of either is harmless.
      if (admission.onboarding !== undefined && deps.onboardingQueue !== undefined) {
        await deps.onboardingQueue.send(admission.onboarding);
      }
      await deps.queue.send(admission.message);
    } catch (error) {
      logger.error('callback could not be enqueued; answering 503 so bunq retries', { ...log, error });
      metrics.addMetric(INGEST_METRICS.enqueueFailed, MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      return respond(503, 'Service Unavailable');
    }

    // Debug, not info: the API access log already records every request, and at one line per callback this
    // would be most of the ingest's log bill. Rejections and failures stay at warn and error.
    logger.debug('callback accepted', { ...log, bytes: admission.bodyBytes });
    metrics.addMetric(INGEST_METRICS.callbacksAccepted, MetricUnit.Count, 1);
    metrics.addMetric(
      INGEST_METRICS.timeToAcknowledge,
      MetricUnit.Milliseconds,
      Math.max(0, now().getTime() - Date.parse(receivedAt)),
    );
    metrics.publishStoredMetrics();
    return respond(200, 'Accepted');
  };
}
