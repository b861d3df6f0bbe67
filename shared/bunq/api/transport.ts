/**
 * One bunq HTTP call: headers, body signing, response verification, error mapping, client-side rate
 * limiting and backoff on 429. Knows nothing about sessions; {@link BunqApiClient} passes the token and keys.
 */

import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import type { Clock } from './clock';
import { signBytes, verifyBytes } from './crypto';
import {
  type BunqApiError,
  BunqNetworkError,
  BunqRateLimitError,
  BunqResponseFormatError,
  BunqServerSignatureError,
  bunqApiErrorFor,
} from './errors';
import type { BunqLogger } from './logger';
import {
  type BunqRateLimits,
  endpointOf,
  type HttpMethod,
  ruleFor,
  SlidingWindowRateLimiter,
} from './rate-limiter';
import { type BunqPagination, describeIssues, errorEnvelopeSchema, successEnvelopeSchema } from './schemas';

/** The subset of `fetch` the client uses: inject a stub, a recorder or the simulator's in-process fetch. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export const HEADER = {
  userAgent: 'User-Agent',
  cacheControl: 'Cache-Control',
  contentType: 'Content-Type',
  authentication: 'X-Bunq-Client-Authentication',
  requestId: 'X-Bunq-Client-Request-Id',
  responseId: 'X-Bunq-Client-Response-Id',
  geolocation: 'X-Bunq-Geolocation',
  language: 'X-Bunq-Language',
  region: 'X-Bunq-Region',
  clientSignature: 'X-Bunq-Client-Signature',
  serverSignature: 'X-Bunq-Server-Signature',
} as const;

/** bunq's value for "location unknown" (bunq's API docs, "Headers": `X-Bunq-Geolocation` is required). */
export const GEOLOCATION_UNKNOWN = '0 0 0 0 000';

export interface BackoffOptions {
  /**
   * Retries after a 429 before the {@link BunqRateLimitError} is thrown.
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Base delay; the n-th retry waits between half and all of `min(maxDelayMs, baseDelayMs * 2^n)`.
   * @default 1000
   */
  readonly baseDelayMs?: number;
  /** @default 10000 */
  readonly maxDelayMs?: number;
}

export interface BunqCall {
  readonly method: HttpMethod;
  /** Relative to the base URL, e.g. `/user/12/notification-filter-failure`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number>>;
  /** JSON-serialized once; the signature covers exactly the bytes sent. */
  readonly body?: unknown;
  /** Installation or session token for `X-Bunq-Client-Authentication`. */
  readonly authToken?: string;
  /** When set and there is a body, the body is signed with it. */
  readonly signingKey?: KeyObject;
  /** When set, responses are verified with it. */
  readonly serverPublicKey?: KeyObject;
}

export interface BunqResult {
  readonly status: number;
  /** The `Response` array: each item one type key around an object. */
  readonly items: ReadonlyArray<Record<string, unknown>>;
  readonly pagination: BunqPagination | null;
  readonly responseId: string | null;
}

export interface BunqTransportOptions {
  readonly baseUrl: string;
  readonly fetch: FetchLike;
  readonly clock: Clock;
  readonly logger: BunqLogger;
  readonly random: () => number;
  readonly userAgent: string;
  readonly rateLimits: BunqRateLimits | false;
  readonly backoff: Required<BackoffOptions>;
  readonly requestTimeoutMs: number;
  /** Removes known secret values from text that came from the server. */
  readonly redact: (text: string) => string;
}

export class BunqTransport {
  private readonly limiter: SlidingWindowRateLimiter;
  private readonly baseUrl: string;

  constructor(private readonly options: BunqTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.limiter = new SlidingWindowRateLimiter(options.clock);
  }

  /** Sends the call, backing off and retrying on 429 up to `backoff.maxRetries` times. */
  async call(call: BunqCall): Promise<BunqResult> {
    const { backoff, clock, random, logger } = this.options;
    for (let retry = 0; ; retry += 1) {
      try {
        return await this.send(call);
      } catch (error) {
        if (!(error instanceof BunqRateLimitError) || retry >= backoff.maxRetries) throw error;
        const cap = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** retry);
        const jittered = cap / 2 + random() * (cap / 2);
        const delayMs = Math.ceil(Math.max(jittered, error.retryAfterMs ?? 0));
        logger.warn('bunq rate limit hit; backing off', {
          method: call.method,
          path: call.path,
          retry: retry + 1,
          delayMs,
          responseId: error.responseId,
        });
        await clock.sleep(delayMs);
      }
    }
  }

  private async send(call: BunqCall): Promise<BunqResult> {
    const { clock, logger } = this.options;
    const endpoint = endpointOf(call.path);
    if (this.options.rateLimits !== false) {
      const waited = await this.limiter.acquire(
        `${call.method} ${endpoint}`,
        ruleFor(this.options.rateLimits, call.method, endpoint),
        clock,
      );
      if (waited > 0) logger.debug('bunq client throttled a call', { method: call.method, endpoint, waited });
    }

    const bytes = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body), 'utf8');
    const headers: Record<string, string> = {
      [HEADER.userAgent]: this.options.userAgent,
      [HEADER.cacheControl]: 'no-cache',
      [HEADER.requestId]: randomUUID(),
      [HEADER.geolocation]: GEOLOCATION_UNKNOWN,
      [HEADER.language]: 'en_US',
      [HEADER.region]: 'nl_NL',
    };
    if (bytes !== undefined) headers[HEADER.contentType] = 'application/json';
    if (call.authToken !== undefined) headers[HEADER.authentication] = call.authToken;
    if (bytes !== undefined && call.signingKey !== undefined) {
      headers[HEADER.clientSignature] = signBytes(bytes, call.signingKey);
    }

    const shownPath = withQuery(call.path, call.query);
    const started = clock.now();
    let response: Response;
    let body: Buffer;
    try {
      response = await this.options.fetch(`${this.baseUrl}${shownPath}`, {
        method: call.method,
        headers,
        // The very buffer that was signed: no re-serialization between signing and sending.
        ...(bytes === undefined ? {} : { body: bytes }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
      body = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw new BunqNetworkError(
        `bunq ${call.method} ${shownPath} got no answer: ${networkReason(error)}. Check the base URL and the ` +
          'network path to bunq; the call may or may not have been applied.',
        { cause: error },
      );
    }
    const responseId = response.headers.get(HEADER.responseId);
    logger.debug('bunq call', {
      method: call.method,
      path: shownPath,
      status: response.status,
      responseId,
      durationMs: clock.now() - started,
    });

    const signature = response.headers.get(HEADER.serverSignature);
    const ok = response.status >= 200 && response.status <= 299;
    if (call.serverPublicKey !== undefined && (ok || signature !== null)) {
      // Success bodies must be signed. Error bodies may come unsigned (429s do), but a signature that is
      // there must hold.
      if (signature === null) {
        throw new BunqServerSignatureError(
          `bunq ${call.method} ${shownPath} answered HTTP ${response.status} without X-Bunq-Server-Signature; ` +
            'the body was not used. Check that the base URL points at bunq (or the simulator) directly.',
          'missing',
          response.status,
          responseId,
        );
      }
      if (!verifyBytes(body, signature, call.serverPublicKey)) {
        throw new BunqServerSignatureError(
          `bunq ${call.method} ${shownPath} answered HTTP ${response.status} with a body that does not match ` +
            'X-Bunq-Server-Signature; the body was not used. Something between the client and bunq changed ' +
            'it, or the stored server public key belongs to another installation.',
          'invalid',
          response.status,
          responseId,
        );
      }
    }

    if (!ok) throw this.errorFor(call.method, shownPath, response, body, responseId);
    return this.parseSuccess(call.method, shownPath, response.status, body, responseId);
  }

  private parseSuccess(
    method: string,
    path: string,
    status: number,
    body: Buffer,
    responseId: string | null,
  ): BunqResult {
    if (body.length === 0) return { status, items: [], pagination: null, responseId };
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new BunqResponseFormatError(
        `bunq ${method} ${path} answered HTTP ${status} with a body that is not JSON (response id ${responseId}).`,
      );
    }
    const parsed = successEnvelopeSchema.safeParse(json);
    if (!parsed.success) {
      throw new BunqResponseFormatError(
        `bunq ${method} ${path} answered HTTP ${status} without the {"Response":[...]} envelope ` +
          `(${describeIssues(parsed.error)}; response id ${responseId}).`,
      );
    }
    return { status, items: parsed.data.Response, pagination: parsed.data.Pagination ?? null, responseId };
  }

  private errorFor(
    method: string,
    path: string,
    response: Response,
    body: Buffer,
    responseId: string | null,
  ): BunqApiError {
    const descriptions: string[] = [];
    try {
      const parsed = errorEnvelopeSchema.safeParse(JSON.parse(body.toString('utf8')));
      if (parsed.success) {
        for (const entry of parsed.data.Error) {
          const text = entry.error_description ?? entry.error_description_translated;
          if (text) descriptions.push(this.options.redact(text));
        }
      }
    } catch {
      // Not JSON (a proxy's HTML page, say): the status alone tells the story.
    }
    return bunqApiErrorFor({
      status: response.status,
      method,
      path,
      descriptions,
      responseId,
      retryAfterMs: retryAfterMs(response.headers.get('Retry-After')),
    });
  }
}

/** `path?k=v&...`, keys in the given order. */
export function withQuery(path: string, query?: Readonly<Record<string, string | number>>): string {
  if (query === undefined) return path;
  const entries = Object.entries(query);
  if (entries.length === 0) return path;
  const search = new URLSearchParams(entries.map(([key, value]): [string, string] => [key, String(value)]));
  return `${path}?${search.toString()}`;
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

function networkReason(error: unknown): string {
  // Duck-typed: fetch errors may come from another realm (e.g. under jest), where instanceof fails.
  const problem = error as { name?: unknown; message?: unknown; cause?: { code?: unknown } } | null;
  if (typeof problem !== 'object' || problem === null) return 'unknown error';
  if (problem.name === 'TimeoutError' || problem.name === 'AbortError') return 'the request timed out';
  const message = typeof problem.message === 'string' ? problem.message : 'unknown error';
  const code = problem.cause?.code;
  return typeof code === 'string' ? `${message} (${code})` : message;
}
