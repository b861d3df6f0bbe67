/**
 * The ingest Lambda's handler, built from injected dependencies so the local runtime runs the very same code
 * with local stand-ins. It maps API Gateway (HTTP API, payload 2.0) to the verification core and the
 * verdict back to a response: 200 only after the queue accepted the body, 5xx when it did not.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SQS_MAX_MESSAGE_BYTES } from '../../shared/contract/limits';
import { createSourceMatcher } from '../../shared/pipeline/ingest/cidr';
import { verifyCallback } from '../../shared/pipeline/ingest/verify';
import type { CallbackQueue } from '../../shared/pipeline/ports';
import { encodeQueuedCallback, queueMessageSize } from '../../shared/pipeline/queued-callback';
import { INGEST_METRICS, METRIC_DIMENSIONS } from '../../shared/wiring/metrics';
import { countWithDimension } from '../commons/observability';
import type { TokenSource } from '../commons/token-source';

export interface IngestDependencies {
  readonly queue: CallbackQueue;
  readonly tokens: TokenSource;
  readonly allowedSourceCidrs: readonly string[];
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Minimum milliseconds between forced re-reads of the token secret after a mismatch. @default 5000 */
  readonly tokenRefreshIntervalMs?: number;
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
};

export function createIngestHandler(deps: IngestDependencies): IngestHandler {
  const isAllowedSource = createSourceMatcher(deps.allowedSourceCidrs);
  const now = deps.now ?? (() => new Date());
  const refreshIntervalMs = deps.tokenRefreshIntervalMs ?? 5_000;
  let lastForcedRefresh = Number.NEGATIVE_INFINITY;

  return async (event) => {
    const http = event.requestContext.http;
    const request = {
      method: http.method,
      token: event.pathParameters?.token,
      sourceIp: http.sourceIp,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
    };
    const log = { requestId: event.requestContext.requestId, sourceIp: http.sourceIp };

    let verdict = verifyCallback(request, {
      isAllowedSource,
      validTokens: await deps.tokens.validTokens(),
      maxBodyBytes: deps.maxBodyBytes,
    });
    // A token rotated moments ago may not be in this instance's cache yet: re-read the secret, at most once
    // per interval so a flood of bad tokens cannot turn into a flood of Secrets Manager calls.
    const nowMs = now().getTime();
    if (
      !verdict.accepted &&
      verdict.reason === 'invalid-token' &&
      nowMs - lastForcedRefresh >= refreshIntervalMs
    ) {
      lastForcedRefresh = nowMs;
      verdict = verifyCallback(request, {
        isAllowedSource,
        validTokens: await deps.tokens.validTokens({ refresh: true }),
        maxBodyBytes: deps.maxBodyBytes,
      });
    }

    if (!verdict.accepted) {
      // Nothing of the body or the presented token is logged for a rejected request.
      deps.logger.warn('callback rejected', { ...log, reason: verdict.reason, status: verdict.status });
      countWithDimension(
        deps.metrics,
        INGEST_METRICS.callbacksRejected,
        METRIC_DIMENSIONS.reason,
        verdict.reason,
      );
      return respond(verdict.status, MESSAGES[verdict.status] ?? 'Rejected');
    }

    const receivedAt = new Date(event.requestContext.timeEpoch || nowMs).toISOString();
    const message = encodeQueuedCallback({
      body: verdict.body,
      receivedAt,
      sourceIp: http.sourceIp,
      requestId: event.requestContext.requestId,
    });
    if (queueMessageSize(message) > SQS_MAX_MESSAGE_BYTES) {
      deps.logger.warn('callback rejected', { ...log, reason: 'body-too-large', bytes: verdict.body.length });
      countWithDimension(
        deps.metrics,
        INGEST_METRICS.callbacksRejected,
        METRIC_DIMENSIONS.reason,
        'body-too-large',
      );
      return respond(413, MESSAGES[413] ?? 'Payload Too Large');
    }

    try {
      await deps.queue.send(message);
    } catch (error) {
      deps.logger.error('callback could not be enqueued; answering 503 so bunq retries', { ...log, error });
      deps.metrics.addMetric(INGEST_METRICS.enqueueFailed, MetricUnit.Count, 1);
      deps.metrics.publishStoredMetrics();
      return respond(503, 'Service Unavailable');
    }

    // Debug, not info: the API access log already records every request, and at one line per callback this
    // would be most of the ingest's log bill. Rejections and failures stay at warn and error.
    deps.logger.debug('callback accepted', { ...log, bytes: verdict.body.length });
    deps.metrics.addMetric(INGEST_METRICS.callbacksAccepted, MetricUnit.Count, 1);
    deps.metrics.addMetric(
      INGEST_METRICS.timeToAcknowledge,
      MetricUnit.Milliseconds,
      Math.max(0, now().getTime() - Date.parse(receivedAt)),
    );
    deps.metrics.publishStoredMetrics();
    return respond(200, 'Accepted');
  };
}
