/**
 * The bunq client's errors. Every error is a {@link BunqError}; answers with an HTTP error status become a
 * {@link BunqApiError} subclass per status, carrying the status, bunq's `error_description` and the
 * response id (`X-Bunq-Client-Response-Id`, what bunq support asks for). No message ever holds the API key,
 * a token or a key: server descriptions are scrubbed of known secrets before they land here.
 */

export class BunqError extends Error {
  override readonly name: string = 'BunqError';
}

/** A call that was invalid before it was sent (bad user id, bad failure id, ...). */
export class BunqInputError extends BunqError {
  override readonly name: string = 'BunqInputError';
}

/** The request did not get an HTTP answer (connection refused, reset, timed out). `cause` has the reason. */
export class BunqNetworkError extends BunqError {
  override readonly name: string = 'BunqNetworkError';
}

/** The answer was not what bunq's protocol promises (not JSON, no `Response`, an item of the wrong shape). */
export class BunqResponseFormatError extends BunqError {
  override readonly name: string = 'BunqResponseFormatError';
}

/** Loading or saving the credentials state failed, or the stored state is not valid. */
export class BunqStateError extends BunqError {
  override readonly name: string = 'BunqStateError';
}

/**
 * A response whose `X-Bunq-Server-Signature` is missing (on a success) or does not verify with the
 * installation's server public key: the body may have been changed on the way and is not used.
 */
export class BunqServerSignatureError extends BunqError {
  override readonly name: string = 'BunqServerSignatureError';
  constructor(
    message: string,
    readonly reason: 'missing' | 'invalid',
    readonly status: number,
    readonly responseId: string | null,
  ) {
    super(message);
  }
}

export interface BunqApiErrorDetails {
  readonly status: number;
  readonly method: string;
  /** The path called, relative to the base URL (ids, never secrets). */
  readonly path: string;
  /** Every `error_description` bunq sent, scrubbed of secrets. */
  readonly descriptions: readonly string[];
  readonly responseId: string | null;
  /** For 429: the server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs?: number | null;
}

/**
 * The two descriptions that mean "the session is gone: open a new one": a session expires after the user's
 * auto-logout time, and bunq then answers with one of these (spelt both ways in the wild).
 */
const SESSION_EXPIRED_DESCRIPTIONS = new Set(['insufficient authorisation.', 'insufficient authentication.']);

/** bunq answered with an error status. Subclasses name the status; `status` is always set. */
export class BunqApiError extends BunqError {
  override readonly name: string = 'BunqApiError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The first `error_description` (or a placeholder when the body had none). */
  readonly description: string;
  readonly descriptions: readonly string[];
  readonly responseId: string | null;

  constructor(details: BunqApiErrorDetails, options?: { cause?: unknown }) {
    const description = details.descriptions[0] ?? '(no error description in the response)';
    super(
      `bunq ${details.method} ${details.path} failed with HTTP ${details.status}: ${description}` +
        hintFor(details.status),
      options,
    );
    this.status = details.status;
    this.method = details.method;
    this.path = details.path;
    this.description = description;
    this.descriptions = details.descriptions;
    this.responseId = details.responseId;
  }

  /** True when bunq said the session expired or is unknown: a new session should fix it. */
  get isSessionExpired(): boolean {
    return this.descriptions.some((text) => SESSION_EXPIRED_DESCRIPTIONS.has(text.trim().toLowerCase()));
  }
}

export class BunqBadRequestError extends BunqApiError {
  override readonly name: string = 'BunqBadRequestError';
}
export class BunqUnauthorizedError extends BunqApiError {
  override readonly name: string = 'BunqUnauthorizedError';
}
export class BunqForbiddenError extends BunqApiError {
  override readonly name: string = 'BunqForbiddenError';
}
export class BunqNotFoundError extends BunqApiError {
  override readonly name: string = 'BunqNotFoundError';
}
export class BunqMethodNotAllowedError extends BunqApiError {
  override readonly name: string = 'BunqMethodNotAllowedError';
}
export class BunqRateLimitError extends BunqApiError {
  override readonly name: string = 'BunqRateLimitError';
  /** The server's `Retry-After` in milliseconds, or null. */
  readonly retryAfterMs: number | null;
  constructor(details: BunqApiErrorDetails, options?: { cause?: unknown }) {
    super(details, options);
    this.retryAfterMs = details.retryAfterMs ?? null;
  }
}
/** 466: the request had to be signed (`X-Bunq-Client-Signature`) and was not. */
export class BunqSignatureRequiredError extends BunqApiError {
  override readonly name: string = 'BunqSignatureRequiredError';
}
/** 490: bunq refused the request for a user-level reason (see the description). */
export class BunqUserError extends BunqApiError {
  override readonly name: string = 'BunqUserError';
}
/** 491: bunq is in maintenance. */
export class BunqMaintenanceError extends BunqApiError {
  override readonly name: string = 'BunqMaintenanceError';
}
/** 5xx. */
export class BunqServerError extends BunqApiError {
  override readonly name: string = 'BunqServerError';
}
/** Any other non-2xx status. */
export class BunqUnexpectedStatusError extends BunqApiError {
  override readonly name: string = 'BunqUnexpectedStatusError';
}

/** The error class for each status bunq documents; 5xx is a server error, any other an unexpected status. */
const ERROR_BY_STATUS: Readonly<
  Record<number, new (details: BunqApiErrorDetails, options?: { cause?: unknown }) => BunqApiError>
> = {
  400: BunqBadRequestError,
  401: BunqUnauthorizedError,
  403: BunqForbiddenError,
  404: BunqNotFoundError,
  405: BunqMethodNotAllowedError,
  429: BunqRateLimitError,
  466: BunqSignatureRequiredError,
  490: BunqUserError,
  491: BunqMaintenanceError,
};

/** The error class for a status. */
export function bunqApiErrorFor(details: BunqApiErrorDetails, options?: { cause?: unknown }): BunqApiError {
  const ErrorClass =
    ERROR_BY_STATUS[details.status] ??
    (details.status >= 500 && details.status <= 599 ? BunqServerError : BunqUnexpectedStatusError);
  return new ErrorClass(details, options);
}

function hintFor(status: number): string {
  switch (status) {
    case 401:
      return ' (the token or the request signature was refused; a new session is opened once automatically, a persisting 401 needs a new installation)';
    case 429:
      return ' (over bunq rate limit; slow down: the client backs off and retries a bounded number of times)';
    case 466:
      return ' (sign the exact body bytes with the installation private key in X-Bunq-Client-Signature)';
    case 491:
      return ' (bunq is in maintenance; retry later)';
    default:
      return status >= 500 ? ' (bunq-side error; retry later)' : '';
  }
}
