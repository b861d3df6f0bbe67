/**
 * The ingest's decision, from plain values: verify the request (with one token re-read on a mismatch),
 * build the queue message, and refuse it when the message would not fit on the queue. No API Gateway or SQS
 * types: the handler maps a request in and the admission out.
 */
import { SQS_MAX_MESSAGE_BYTES } from '../../contract/limits';
import type { QueueMessage } from '../ports';
import { encodeQueuedCallback, queueMessageSize } from '../queued-callback';
import { createSourceMatcher } from './cidr';
import { refreshOnceOnMismatch, type TokenRefreshPolicy, type TokenSource } from './token-source';
import { type CallbackRequest, type RejectionReason, type Verdict, verifyCallback } from './verify';

/** A callback request with what API Gateway knows about its arrival. */
export interface ArrivingCallback extends CallbackRequest {
  readonly sourceIp: string;
  /** When API Gateway received it (RFC 3339). */
  readonly receivedAt: string;
  readonly requestId: string;
}

export type Admission =
  | { readonly accepted: true; readonly message: QueueMessage; readonly bodyBytes: number }
  | {
      readonly accepted: false;
      readonly status: number;
      readonly reason: RejectionReason;
      /** The body's size, when it was read (a body that verified but overflows the queue). */
      readonly bodyBytes?: number;
    };

export interface AdmissionOptions {
  readonly tokens: TokenSource;
  /** Source ranges allowed to call (CIDR, IPv4 and IPv6). */
  readonly allowedSourceCidrs: readonly string[];
  /** Largest accepted body in bytes. */
  readonly maxBodyBytes: number;
  /** @default re-read at most every 5 s */
  readonly tokenRefresh?: TokenRefreshPolicy;
}

/** Decides each arriving callback; the returned function keeps the token re-read's state. */
export function createCallbackAdmission(
  options: AdmissionOptions,
): (callback: ArrivingCallback) => Promise<Admission> {
  const isAllowedSource = createSourceMatcher(options.allowedSourceCidrs);
  const withTokens = refreshOnceOnMismatch<Verdict>(
    options.tokens,
    (verdict) => !verdict.accepted && verdict.reason === 'invalid-token',
    options.tokenRefresh,
  );
  return async function admitCallback(callback) {
    const verdict = await withTokens((validTokens) =>
      verifyCallback(callback, { isAllowedSource, validTokens, maxBodyBytes: options.maxBodyBytes }),
    );
    if (!verdict.accepted) return verdict;
    const message = encodeQueuedCallback({
      body: verdict.body,
      receivedAt: callback.receivedAt,
      sourceIp: callback.sourceIp,
      requestId: callback.requestId,
    });
    // A body under maxBodyBytes can still overflow the queue once base64-encoded with its attributes.
    if (queueMessageSize(message) > SQS_MAX_MESSAGE_BYTES) {
      return { accepted: false, status: 413, reason: 'body-too-large', bodyBytes: verdict.body.length };
    }
    return { accepted: true, message, bodyBytes: verdict.body.length };
  };
}
