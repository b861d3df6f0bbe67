/**
 * The ingest's verification core (Contract 1): decides, from plain values, whether a callback request is
 * accepted. It knows nothing of API Gateway or SQS; the handler maps its verdict to a response.
 */
import type { SourceMatcher } from './cidr';
import { tokenMatches } from './token';

export interface CallbackRequest {
  readonly method: string;
  /** The `{token}` path segment, as routed. */
  readonly token: string | undefined;
  /**
   * The `{userId}` segment of `/callbacks/{token}/u/{userId}` (a provisioned user's URL), as routed; absent
   * on `/callbacks/{token}`.
   */
  readonly userId?: string | undefined;
  readonly sourceIp: string | undefined;
  /** Body text as delivered by API Gateway (base64 when `isBase64Encoded`). */
  readonly body: string | undefined;
  readonly isBase64Encoded: boolean;
}

export type RejectionReason =
  | 'method-not-allowed'
  | 'source-not-allowed'
  | 'invalid-token'
  | 'body-too-large'
  | 'empty-body'
  /** `/callbacks/{token}/u/{userId}` with a `{userId}` that is not a bunq user id (a positive integer). */
  | 'invalid-user-id'
  /** `ingest.callbackSignature.mode` is `enforce` and the callback has no valid `X-Bunq-Server-Signature`. */
  | 'invalid-signature'
  /** `enforce` mode, and the server public key could not be read: 503, bunq retries. */
  | 'signature-key-unavailable';

export type Verdict =
  | { readonly accepted: true; readonly body: Buffer; readonly userId: number | null }
  | { readonly accepted: false; readonly status: number; readonly reason: RejectionReason };

export interface VerifyOptions {
  readonly isAllowedSource: SourceMatcher;
  readonly validTokens: readonly string[];
  readonly maxBodyBytes: number;
}

const REJECTION_STATUS: Record<RejectionReason, number> = {
  'method-not-allowed': 405,
  'source-not-allowed': 403,
  'invalid-token': 403,
  'body-too-large': 413,
  'empty-body': 400,
  'invalid-user-id': 404,
  'invalid-signature': 403,
  'signature-key-unavailable': 503,
};

const reject = (reason: RejectionReason): Verdict => ({
  accepted: false,
  status: REJECTION_STATUS[reason],
  reason,
});

/** Upper bound of the decoded size of a base64 text, so oversized bodies are refused before decoding. */
const decodedSizeUpperBound = (text: string, base64: boolean): number =>
  base64 ? Math.floor((text.length * 3) / 4) : Buffer.byteLength(text, 'utf8');

/**
 * Authenticity first (source, then token), so an unauthenticated caller learns nothing about size limits;
 * then the body.
 */
export function verifyCallback(request: CallbackRequest, options: VerifyOptions): Verdict {
  if (request.method.toUpperCase() !== 'POST') return reject('method-not-allowed');
  if (!options.isAllowedSource(request.sourceIp)) return reject('source-not-allowed');
  if (!tokenMatches(request.token, options.validTokens)) return reject('invalid-token');
  const userId = userIdOf(request.userId);
  if (userId === undefined) return reject('invalid-user-id');

  const text = request.body ?? '';
  // Cheap pre-check on the encoded length; the exact check below is on the decoded bytes.
  if (decodedSizeUpperBound(text, request.isBase64Encoded) > options.maxBodyBytes + 3) {
    return reject('body-too-large');
  }
  const body = request.isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  if (body.length > options.maxBodyBytes) return reject('body-too-large');
  if (body.length === 0) return reject('empty-body');
  return { accepted: true, body, userId };
}

/** The user id of the path segment: null without one, undefined when it is not a positive integer. */
function userIdOf(segment: string | undefined): number | null | undefined {
  if (segment === undefined) return null;
  if (!/^[1-9][0-9]{0,15}$/.test(segment)) return undefined;
  const id = Number(segment);
  return Number.isSafeInteger(id) ? id : undefined;
}
