/**
 * The ingest's decision, from plain values: verify the request (with one token re-read on a mismatch),
 * build the queue message, and refuse it when the message would not fit on the queue. No API Gateway or SQS
 * types: the handler maps a request in and the admission out.
 */
import { SQS_MAX_MESSAGE_BYTES } from '../../contract/limits';
// Not `onboarding-job.ts`: its reader needs zod, which the ingest's bundle leaves out.
import { encodeOnboardingJob, readProvisionCallback } from '../onboard/provision';
import type { QueueMessage } from '../ports';
import { encodeQueuedCallback, queueMessageSize } from '../queued-callback';
import { evaluateCallbackSignature, type SignaturePolicy, type SignatureResult } from './callback-signature';
import { createSourceMatcher } from './cidr';
import { redactCallbackTokens, sha256Hex } from './token-marker';
import { refreshOnceOnMismatch, type TokenRefreshPolicy, type TokenSource } from './token-source';
import { type CallbackRequest, type RejectionReason, type Verdict, verifyCallback } from './verify';

/** A callback request with what API Gateway knows about its arrival. */
export interface ArrivingCallback extends CallbackRequest {
  readonly sourceIp: string;
  /** When API Gateway received it (RFC 3339). */
  readonly receivedAt: string;
  readonly requestId: string;
  /** The request headers (for `X-Bunq-Server-Signature`). @default none */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

/** What the signature check found, when it ran, and why there was no key if reading it failed. */
interface SignatureFinding {
  readonly signature?: SignatureResult;
  readonly signatureKeyError?: unknown;
}

export type Admission =
  | ({
      readonly accepted: true;
      readonly message: QueueMessage;
      readonly bodyBytes: number;
      /** For the onboarding queue: a provision callback's job (partner onboarding on). */
      readonly onboarding?: QueueMessage;
    } & SignatureFinding)
  | ({
      readonly accepted: false;
      readonly status: number;
      readonly reason: RejectionReason;
      /** The body's size, when it was read (a body that verified but overflows the queue). */
      readonly bodyBytes?: number;
    } & SignatureFinding);

export interface AdmissionOptions {
  readonly tokens: TokenSource;
  /** Source ranges allowed to call (CIDR, IPv4 and IPv6). */
  readonly allowedSourceCidrs: readonly string[];
  /** Largest accepted body in bytes. */
  readonly maxBodyBytes: number;
  /** @default re-read at most every 5 s */
  readonly tokenRefresh?: TokenRefreshPolicy;
  /** What to do with `X-Bunq-Server-Signature`, and the key to check it with. @default { mode: 'off' } */
  readonly signature?: SignaturePolicy;
  /**
   * Partner onboarding: take each `PARTNER_USER_PROVISION` callback's OAuth code out into an onboarding
   * job and mask the provision's payload secrets in the body. @default false (bodies kept as received)
   */
  readonly onboarding?: boolean;
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
  const signaturePolicy = options.signature ?? { mode: 'off' };
  return async function admitCallback(callback) {
    let tokens: readonly string[] = [];
    const verdict = await withTokens((validTokens) => {
      tokens = validTokens;
      return verifyCallback(callback, { isAllowedSource, validTokens, maxBodyBytes: options.maxBodyBytes });
    });
    if (!verdict.accepted) return verdict;
    // Over the body as received: bunq signs the bytes it sends, token included.
    const checked = await evaluateCallbackSignature(verdict.body, callback.headers, signaturePolicy);
    const finding: SignatureFinding = checked.checked
      ? {
          signature: checked.result,
          ...(checked.keyError === undefined ? {} : { signatureKeyError: checked.keyError }),
        }
      : {};
    if (checked.checked && checked.refused) {
      // No key to check with is not the caller's fault: 503, so bunq retries once the key is readable.
      return checked.keyError === undefined
        ? { accepted: false, status: 403, reason: 'invalid-signature', ...finding }
        : { accepted: false, status: 503, reason: 'signature-key-unavailable', ...finding };
    }
    // bunq echoes the URL it called, token included: nothing stored may hold it (Contract 1).
    let body = redactCallbackTokens(verdict.body, tokens);
    let onboarding: QueueMessage | undefined;
    if (options.onboarding === true) {
      // The OAuth code goes to the onboarding queue only; the stored body holds neither payload secret.
      const provision = readProvisionCallback(body, callback.receivedAt);
      if (provision !== null) {
        body = provision.masked;
        if (provision.job !== null) onboarding = encodeOnboardingJob(provision.job);
      }
    }
    const message = encodeQueuedCallback({
      body,
      receivedSha256: sha256Hex(verdict.body),
      receivedAt: callback.receivedAt,
      sourceIp: callback.sourceIp,
      requestId: callback.requestId,
      userId: verdict.userId,
    });
    // A body under maxBodyBytes can still overflow the queue once base64-encoded with its attributes.
    if (queueMessageSize(message) > SQS_MAX_MESSAGE_BYTES) {
      return {
        accepted: false,
        status: 413,
        reason: 'body-too-large',
        bodyBytes: verdict.body.length,
        ...finding,
      };
    }
    return {
      accepted: true,
      message,
      bodyBytes: verdict.body.length,
      ...(onboarding === undefined ? {} : { onboarding }),
      ...finding,
    };
  };
}
